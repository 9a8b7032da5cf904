"""What an attacker or a broken client sends, over HTTP: the service answers a clear Open311 4xx or a correct 2xx,
never a 5xx; it stores exactly what it was given (or nothing at all); one citizen's phone or account never
reaches another citizen.

test_bad_input.py checks each create and search parameter's validation; this file covers what it does not:
injection strings, 10,000-character and emoji-only text in every free-text field, control characters outside
the description, invalid UTF-8 and broken JSON, the ends of the calendar, odd wards and other people's numbers.
"""
import json
import uuid
from typing import Optional
from urllib.parse import quote

import pytest
import requests
from sqlalchemy import text
from sqlalchemy.engine import Row

from tests.service.conftest import RunningService
from tests.service.open311_schemas import REQUESTS, assert_matches, assert_open311_error

INJECTIONS = [
    "'; DROP TABLE complaints;--",
    "Robert'); DELETE FROM audit_entries;--",
    "\" OR \"1\"=\"1",
    "' UNION SELECT phone, account_id FROM complaints--",
    "<script>alert('xss')</script>",
    "<img src=x onerror=alert(document.cookie)>",
    "{{7*7}} ${7*7} %s%n",
]
# Create parameter -> the column it is stored in, and the most characters it may have.
FREE_TEXT_FIELDS = {
    "description": ("description", 4000),
    "address_string": ("address", 500),
    "address_id": ("address_id", 100),
    "first_name": ("first_name", 100),
    "last_name": ("last_name", 100),
    "locality": ("locality", 200),
    "account_id": ("account_id", 100),
    "device_id": ("device_id", 100),
    "attribute[landmark]": (None, 500),
}
OUT_OF_CALENDAR = ["0001-01-01T00:00:00+05:30", "9999-12-31T23:59:59-12:00", "0001-01-02T00:00:00Z"]


def stored_complaint(service: RunningService, tracking: str) -> Row:
    with service.engine.connect() as connection:
        return connection.execute(text("SELECT * FROM complaints WHERE tracking_number = :t"), {"t": tracking}).one()


def stored_value(service, tracking: str, field: str) -> object:
    row = stored_complaint(service, tracking)
    column, _limit = FREE_TEXT_FIELDS[field]
    return json.loads(row.attributes_json)["landmark"] if column is None else getattr(row, column)


def table_sizes(service) -> dict:
    return {table: int(service.scalar(f"SELECT count(*) FROM {table}"))
            for table in ("complaints", "audit_entries", "notifications", "supporters", "idempotency_records")}


def post_json(service: RunningService, path: str, body: bytes, key: Optional[str] = None) -> requests.Response:
    headers = {"Content-Type": "application/json", "X-Api-Key": key or service.api_key}
    return requests.post(service.url(path), data=body, headers=headers, timeout=30)


def citizen_post(service: RunningService, tracking: str, action: str, **fields: str) -> requests.Response:
    return requests.post(service.url(f"/requests/{tracking}/{action}.json"), timeout=30,
                         data={"api_key": service.api_key, **fields})


# --- Injection strings: stored as text, verbatim; the tables survive; filters match nothing -------------------

@pytest.mark.parametrize("injection", INJECTIONS)
def test_injection_strings_in_every_free_text_field_are_stored_verbatim_and_the_tables_survive(service, injection):
    before = table_sizes(service)

    created = service.create(service_code="GARBAGE_DUMP", **{field: injection for field in FREE_TEXT_FIELDS})

    assert created.status_code == 200, created.text
    tracking = created.json()[0]["service_request_id"]
    for field in FREE_TEXT_FIELDS:
        assert stored_value(service, tracking, field) == injection, field
    public = service.get(f"/requests/{tracking}.json").json()[0]
    assert (public["description"], public["address"], public["locality"]) == (injection, injection, injection)
    assert public["attributes"] == {"landmark": injection}
    after = table_sizes(service)
    assert after["complaints"] == before["complaints"] + 1
    assert after["audit_entries"] >= before["audit_entries"] + 1


def tracking_numbers_holding(service, column: str, value: str) -> set:
    with service.engine.connect() as connection:
        found = connection.execute(text(f"SELECT tracking_number FROM complaints WHERE {column} = :v"), {"v": value})
        return set(found.scalars())


@pytest.mark.parametrize("injection", INJECTIONS)
def test_injection_strings_in_search_filters_match_only_that_very_text_and_break_nothing(service, injection):
    service.filed(account_id=f"victim-{uuid.uuid4().hex[:8]}", locality="Palasia", phone="9700000001")
    before = table_sizes(service)

    for parameter, column in (("locality", "locality"), ("group", "group_key"), ("service_code", "service_code"),
                              ("account_id", "account_id")):
        response = service.get("/requests.json", **{parameter: injection, "api_key": service.api_key})
        assert response.status_code == 200, response.text
        found = {entry["service_request_id"] for entry in response.json()}
        assert found == tracking_numbers_holding(service, column, injection), parameter
    by_number = service.get("/requests.json", service_request_id=injection)
    feed = service.get("/servicerequestupdates.json", service_request_id=injection)
    assert by_number.json() == [] and feed.json() == []
    assert table_sizes(service) == before


def test_an_always_true_account_filter_lists_nobody_elses_complaints(service):
    service.filed(account_id="someone-else", phone="9700000002")

    response = service.get("/requests.json", account_id="x' OR '1'='1", api_key=service.api_key)

    assert response.status_code == 200 and response.json() == []


# --- Length, emoji and control characters in every free-text field ---------------------------------------

@pytest.mark.parametrize("field", list(FREE_TEXT_FIELDS) + ["channel", "email", "media_url", "phone"])
def test_ten_thousand_characters_in_any_text_field_is_a_400_naming_it_and_stores_nothing(service, field):
    before = table_sizes(service)
    huge = {"email": "a@" + "b" * 9_990 + ".org", "media_url": "https://example.org/" + "p" * 9_980,
            "phone": "9" * 10_000}.get(field)

    as_form = service.create(**{field: huge or "x" * 10_000})
    as_json = post_json(service, "/requests.json", json.dumps(
        {"service_code": "GARBAGE_DUMP", "address_string": "Rajwada", field: huge or "क" * 10_000},
        ensure_ascii=False).encode("utf-8"))

    for response in (as_form, as_json):
        descriptions = assert_open311_error(response, 400)
        assert any(field in description for description in descriptions), descriptions
    assert table_sizes(service) == before


@pytest.mark.parametrize("field", list(FREE_TEXT_FIELDS))
def test_text_at_its_limit_in_devanagari_and_emoji_is_stored_in_full(service, field):
    _column, limit = FREE_TEXT_FIELDS[field]
    at_limit = ("नल में पानी नहीं 🚰😡 " * 400)[:limit - 1] + "।"

    tracking = service.filed(service_code="GARBAGE_DUMP", **{field: at_limit})

    assert len(at_limit) == limit
    assert stored_value(service, tracking, field) == at_limit


def test_emoji_only_complaint_is_filed_and_reads_back_exactly(service):
    description, address = "🚮🗑️😡😡 👨‍👩‍👧‍👦 🇮🇳", "📍🏠"

    tracking = service.filed(description=description, address_string=address)

    read = service.get(f"/requests/{tracking}.json")
    assert_matches(read.json(), REQUESTS)
    assert (read.json()[0]["description"], read.json()[0]["address"]) == (description, address)


def test_control_characters_are_stripped_from_every_free_text_field(service):
    dirty, clean = "Raj\x00wada\x07 \x1b[1mgate\x7f", "Rajwada [1mgate"

    tracking = service.filed(service_code="GARBAGE_DUMP", **{field: dirty for field in FREE_TEXT_FIELDS})

    for field in FREE_TEXT_FIELDS:
        assert stored_value(service, tracking, field) == clean, field


# --- Invalid UTF-8 and broken JSON ---------------------------------------------------------------------

def test_invalid_utf8_bytes_in_a_json_body_are_400_and_store_nothing(service):
    before = table_sizes(service)
    body = b'{"service_code": "GARBAGE_DUMP", "address_string": "Raj\xffwada", "description": "\xc3\x28"}'

    assert "UTF-8" in assert_open311_error(post_json(service, "/requests.json", body), 400)[0]
    assert table_sizes(service) == before


@pytest.mark.parametrize("field", ["description", "address_string", "attribute[landmark]", "email", "service_code",
                                   "jurisdiction_id", "api_key", "first_name"])
def test_unpaired_surrogate_escapes_in_json_are_400_not_500_and_store_nothing(service, field):
    before = table_sizes(service)
    body = {"service_code": "GARBAGE_DUMP", "address_string": "Rajwada", "api_key": service.api_key,
            field: "kachra \\ud83d here"}

    response = post_json(service, "/requests.json", json.dumps(body).replace("\\\\ud83d", "\\ud83d").encode("ascii"))

    assert "UTF-8" in assert_open311_error(response, 400)[0]
    assert table_sizes(service) == before


def test_unpaired_surrogate_in_a_citizen_action_is_400_and_changes_nothing(service):
    tracking = service.filed(account_id="acct-surrogate")

    response = post_json(service, f"/requests/{tracking}/supporters.json", b'{"account_id": "x\\udfff"}')

    assert_open311_error(response, 400)
    assert service.get(f"/requests/{tracking}.json").json()[0]["supporters"] == 0


@pytest.mark.parametrize(
    "path", ["/requests.json", "/requests/IMC-990101-99999/cancel.json", "/servicerequestupdates.json"]
)
def test_deeply_nested_json_is_400_not_500(service, path):
    body = b'{"description": ' + b"[" * 10_000 + b"]" * 10_000 + b"}"

    response = post_json(service, path, body, key=service.staff_key)

    assert "JSON" in assert_open311_error(response, 400)[0]


# --- Values PostgreSQL cannot hold, or a column cannot fit -------------------------------------------------

@pytest.mark.parametrize("fields", [{"email": "ravi\x00@example.org"}, {"media_url": "https://example.org/a\x00.jpg"},
                                    {"email": "ravi@example." + "o" * 300}])
def test_email_or_media_url_that_no_column_can_hold_is_a_400_not_a_5xx(service, fields):
    before = table_sizes(service)

    assert_open311_error(service.create(**fields), 400)
    assert table_sizes(service) == before


def test_nul_in_a_staff_update_media_url_is_400_and_changes_nothing(service):
    tracking = service.filed()

    assert_open311_error(service.staff_update(tracking, "resolved", media_url="https://example.org/\x00"), 400)
    assert service.get(f"/requests/{tracking}.json").json()[0]["detailed_status"] == "submitted"


def test_nul_in_a_search_filter_is_dropped_like_any_control_character_not_a_server_error(service):
    tracking = service.filed(service_code="DEAD_ANIMAL", **{"attribute[animal_type]": "dog"})

    by_code = service.get("/requests.json", service_code="DEAD_ANIMAL\x00")
    by_number = service.get("/requests.json", service_request_id=f"{tracking}\x00")
    feed = service.get("/servicerequestupdates.json", service_request_id=f"\x00{tracking}")

    assert by_code.status_code == by_number.status_code == feed.status_code == 200
    assert tracking in {entry["service_request_id"] for entry in by_code.json()}
    assert {entry["service_code"] for entry in by_code.json()} == {"DEAD_ANIMAL"}
    assert [entry["service_request_id"] for entry in by_number.json()] == [tracking]
    assert {row["service_request_id"] for row in feed.json()} == {tracking}


def test_unknown_ids_in_a_search_find_nothing_rather_than_everything(service):
    service.filed()

    for ids in ("not-a-number", "IMC-990101-99999", "0", "\x00", "\x01", "IMC\x00-990101-99999"):
        assert service.get("/requests.json", service_request_id=ids).json() == [], repr(ids)


@pytest.mark.parametrize("moment", OUT_OF_CALENDAR)
@pytest.mark.parametrize("path, name", [
    ("/requests.json", "start_date"), ("/requests.json", "end_date"), ("/requests.json", "updated_after"),
    ("/servicerequestupdates.json", "start_date"), ("/servicerequestupdates.json", "end_date"),
    ("/reports/sla.json", "start_date"), ("/reports/sla.json", "end_date"),
])
def test_datetimes_at_the_ends_of_the_calendar_are_a_clear_400(service, path, name, moment):
    assert "out of range" in assert_open311_error(service.get(path, **{name: moment}), 400)[0]


@pytest.mark.parametrize("moment", OUT_OF_CALENDAR)
def test_a_staff_update_dated_at_the_ends_of_the_calendar_is_400_and_changes_nothing(service, moment):
    tracking = service.filed()

    assert_open311_error(service.staff_update(tracking, "resolved", updated_datetime=moment), 400)
    assert service.get(f"/requests/{tracking}.json").json()[0]["detailed_status"] == "submitted"


def test_update_id_of_only_control_characters_is_400_and_changes_nothing(service):
    tracking = service.filed()

    for _ in range(2):
        assert_open311_error(service.staff_update(tracking, "assigned", update_id="\x01\x02"), 400)

    trail = service.get("/servicerequestupdates.json", service_request_id=tracking).json()
    assert [row["event"] for row in trail] == ["created"]


# --- Wards and tracking numbers that do not exist -----------------------------------------------------------

@pytest.mark.parametrize("ward", ["0", "999", "abc", "-1", "1 OR 1=1", "१००", "4.5"])
def test_impossible_wards_in_a_search_are_a_clear_400(service, ward):
    descriptions = assert_open311_error(service.get("/requests.json", ward=ward), 400)

    assert any("ward" in description for description in descriptions)


def test_ward_999_on_a_new_complaint_is_a_clear_400_and_stores_nothing(service):
    before = table_sizes(service)

    assert "between 1 and 85" in assert_open311_error(service.create(ward="999"), 400)[0]
    assert table_sizes(service) == before


def test_a_ward_in_devanagari_digits_is_understood(service):
    tracking = service.filed(ward="४५")

    assert stored_complaint(service, tracking).ward == 45


@pytest.mark.parametrize("action, fields", [("reopen", {}), ("rating", {"rating": "5"}), ("supporters", {})])
@pytest.mark.parametrize("tracking", ["IMC-990101-99999", "not-a-number", "IMC-'; DROP TABLE complaints;--"])
def test_citizen_actions_on_unknown_tracking_numbers_are_404(service, action, fields, tracking):
    response = citizen_post(service, quote(tracking, safe=""), action, phone="9700000003", **fields)

    assert_open311_error(response, 404)


# --- One citizen never sees another's phone or account ------------------------------------------------------

def test_another_citizens_phone_and_account_never_appear_in_responses_to_a_different_citizen(service):
    owner_phone, owner_account = "9812345670", f"owner-{uuid.uuid4().hex[:8]}"
    tracking = service.filed(phone=owner_phone, account_id=owner_account, first_name="Sunita",
                             email="sunita@example.org", description="gali me kachra")
    service.staff_update(tracking, "resolved")
    other = {"phone": "9898989898"}

    responses = [
        service.get(f"/requests/{tracking}.json", extensions="true"),
        service.get("/requests.json", service_request_id=tracking, extensions="true"),
        service.get("/requests.json", phone=other["phone"], api_key=service.api_key),
        service.get("/requests.json", account_id="not-" + owner_account, api_key=service.api_key),
        service.get("/servicerequestupdates.json", service_request_id=tracking),
        citizen_post(service, tracking, "cancel", **other),
        citizen_post(service, tracking, "reopen", **other),
        citizen_post(service, tracking, "rating", rating="1", **other),
        citizen_post(service, tracking, "supporters", **other),
    ]

    for response in responses:
        assert response.status_code < 500, response.text
        for secret in (owner_phone, "98123 45670", owner_account, "Sunita", "sunita@example.org"):
            assert secret not in response.text, (response.url, secret)
    assert [response.status_code for response in responses[5:8]] == [403, 403, 403]


def test_a_phone_number_in_a_cancel_reason_is_hidden_from_every_public_read(service):
    tracking = service.filed(phone="9812300001")

    cancelled = citizen_post(
        service, tracking, "cancel", phone="9812300001", reason="galti se, mera number 98123 00001 hai"
    )

    assert cancelled.status_code == 200
    public = [service.get(f"/requests/{tracking}.json", extensions="true").text,
              service.get("/requests.json", service_request_id=tracking, extensions="true").text,
              service.get("/servicerequestupdates.json", service_request_id=tracking).text]
    for body in public:
        assert "98123 00001" not in body and "[phone hidden]" in body
    stored_note = service.scalar("SELECT note FROM audit_entries a JOIN complaints c ON c.id = a.complaint_id "
                                 "WHERE c.tracking_number = :t AND a.event = 'cancelled'", t=tracking)
    assert stored_note == "galti se, mera number 98123 00001 hai"
