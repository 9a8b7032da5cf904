"""Filing a complaint and reading it back: fields, routing, SLA, language, lenient look-ups, privacy."""
from datetime import datetime, timedelta

import pytest

from tests.service.open311_schemas import CREATED, REQUESTS, assert_matches, assert_open311_error


def test_created_complaint_reads_back_with_every_field(service):
    created = service.create(
        service_code="SEWER_OVERFLOW", description="naali jam hai, paani sadak par", lat="22.7412", long="75.8791",
        address_string="Near temple, Sukhliya, Indore 452010", zipcode="452010", language="hinglish",
        phone="+91 98000 00002", first_name="Ravi", media_url="https://example.org/photo.jpg",
    )

    assert created.status_code == 200, created.text
    assert_matches(created.json(), CREATED)
    tracking = created.json()[0]["service_request_id"]
    read = service.get(f"/requests/{tracking}.json")
    assert read.status_code == 200
    assert_matches(read.json(), REQUESTS)
    complaint = read.json()[0]
    assert complaint["service_code"] == "SEWER_OVERFLOW"
    assert complaint["status"] == "open" and complaint["detailed_status"] == "submitted"
    assert complaint["description"] == "naali jam hai, paani sadak par"
    assert complaint["lat"] == pytest.approx(22.7412) and complaint["long"] == pytest.approx(75.8791)
    assert complaint["address"] == "Near temple, Sukhliya, Indore 452010"
    assert complaint["zipcode"] == "452010"
    assert complaint["media_url"] == "https://example.org/photo.jpg"
    assert complaint["language"] == "hinglish"


def test_complaint_is_routed_to_the_category_department_with_its_sla(service):
    created = service.create(service_code="SEWER_OVERFLOW", address_string="Palasia").json()[0]
    complaint = service.get(f"/requests/{created['service_request_id']}.json").json()[0]
    services = service.get("/services.json").json()
    sla_hours = next(s for s in services if s["service_code"] == "SEWER_OVERFLOW")["sla_hours"]

    assert complaint["department"] == "DRAINAGE"
    assert complaint["agency_responsible"].startswith("Drainage")
    requested = datetime.fromisoformat(complaint["requested_datetime"])
    expected = datetime.fromisoformat(complaint["expected_datetime"])
    assert expected - requested == timedelta(hours=sla_hours)
    assert created["expected_datetime"] == complaint["expected_datetime"]


@pytest.mark.parametrize("language, script_check", [
    ("hi", lambda text: any("\u0900" <= ch <= "\u097f" for ch in text)),
    ("hinglish", lambda text: text.isascii() and "bhej" in text),
    ("en", lambda text: text.isascii() and "Sent to" in text),
])
def test_service_notice_speaks_the_citizens_language(service, language, script_check):
    created = service.create(service_code="STREETLIGHT_NOT_WORKING", address_string="Vijay Nagar", language=language)

    assert script_check(created.json()[0]["service_notice"])


def test_devanagari_description_round_trips_exactly(service):
    description = "नल में गंदा पानी आ रहा है, वार्ड ४५ — तीन दिन से"
    tracking = service.filed(service_code="DIRTY_WATER", description=description, language="hi")

    assert service.get(f"/requests/{tracking}.json").json()[0]["description"] == description


def test_known_locality_is_canonicalised_and_settles_the_ward(service):
    tracking = service.filed(service_code="DIRTY_WATER", locality="भागीरथपुरा", address_string=None)

    complaint = service.get(f"/requests/{tracking}.json").json()[0]
    assert complaint["locality"] == "Bhagirathpura"
    assert complaint["ward"] == 11


def test_citizen_ward_wins_over_the_gazetteer(service):
    tracking = service.filed(service_code="GARBAGE_DUMP", locality="Bhagirathpura", ward="12")

    assert service.get(f"/requests/{tracking}.json").json()[0]["ward"] == 12


def test_tracking_number_has_the_indian_date_and_a_five_digit_sequence(service):
    tracking = service.filed()

    from complaint_service.clock import INDIA
    today = datetime.now(INDIA).strftime("%y%m%d")
    assert tracking.startswith(f"IMC-{today}-") and len(tracking) == len("IMC-261128-00001")


@pytest.mark.parametrize("spelling", [
    lambda t: t.lower(),
    lambda t: t.replace("-", ""),
    lambda t: t.replace("-", " ").lower(),
    lambda t: t[:11] + str(int(t[11:])),
    lambda t: t[:4] + "".join("०१२३४५६७८९"[int(d)] for d in t[4:10]) + t[10:],
])
def test_look_up_accepts_how_citizens_type_the_number(service, spelling):
    tracking = service.filed()

    response = service.get(f"/requests/{spelling(tracking)}.json")
    assert response.status_code == 200
    assert response.json()[0]["service_request_id"] == tracking


def test_unknown_complaint_is_404(service):
    assert_open311_error(service.get("/requests/IMC-990101-99999.json"), 404)
    assert_open311_error(service.get("/requests/not-a-number.json"), 404)


def test_public_reads_never_show_phone_name_or_email(service):
    tracking = service.filed(phone="9876501234", first_name="Sunita", last_name="Verma", email="s@example.org",
                             description="call me on 98765 01234 please")

    single = service.get(f"/requests/{tracking}.json").text
    listed = service.get("/requests.json", service_request_id=tracking).text
    for text in (single, listed):
        assert "9876501234" not in text and "98765 01234" not in text
        assert "Sunita" not in text and "Verma" not in text and "s@example.org" not in text
    assert "[phone hidden]" in single


def test_list_my_complaints_by_phone_needs_the_api_key_and_shows_only_mine(service):
    mine = service.filed(phone="9000000001")
    theirs = service.filed(phone="9000000002")

    assert_open311_error(service.get("/requests.json", phone="9000000001"), 403)
    listed = service.get("/requests.json", phone="+91 90000 00001".replace("+91 ", ""), api_key=service.api_key).json()
    numbers = {entry["service_request_id"] for entry in listed}
    assert mine in numbers and theirs not in numbers
