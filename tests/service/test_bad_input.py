"""Bad input gets a clear Open311 400/403/404, never a 500, and nothing is stored."""
import pytest
import requests

from tests.service.open311_schemas import assert_open311_error


def complaint_count(service) -> int:
    return int(service.scalar("SELECT count(*) FROM complaints"))


@pytest.mark.parametrize("fields, expected_words", [
    ({"service_code": None}, "service_code is required"),
    ({"service_code": "NO_SUCH_CATEGORY"}, "not in the catalogue"),
    ({"address_string": None}, "location is required"),
    ({"lat": "22.72", "address_string": None}, "together"),
    ({"lat": "abc", "long": "75.86"}, "lat must be a number"),
    ({"lat": "28.6139", "long": "77.2090"}, "outside Indore"),
    ({"lat": "nan", "long": "75.86"}, "finite"),
    ({"ward": "0"}, "between 1 and 85"),
    ({"ward": "86"}, "between 1 and 85"),
    ({"ward": "abc"}, "whole number"),
    ({"description": "x" * 5000}, "longer than 4000"),
    ({"language": "fr"}, "language must be one of"),
    ({"phone": "call me"}, "phone must be"),
    ({"email": "not-an-email"}, "email"),
    ({"media_url": "javascript:alert(1)"}, "http(s) URL"),
    ({"zipcode": "45201"}, "PIN"),
    ({"service_code": "DEAD_ANIMAL", "attribute[animal_type]": "dragon"}, "not one of"),
    ({"service_code": "NO_WATER_SUPPLY", "attribute[since_days]": "many"}, "must be a number"),
])
def test_invalid_create_is_a_clear_400_and_stores_nothing(service, fields, expected_words):
    before = complaint_count(service)

    descriptions = assert_open311_error(service.create(**fields), 400)

    assert any(expected_words in text for text in descriptions), descriptions
    assert complaint_count(service) == before


def test_several_problems_are_reported_together(service):
    descriptions = assert_open311_error(service.create(ward="99", lat="x", long="y", language="de"), 400)

    assert len(descriptions) >= 3


@pytest.mark.parametrize("key", [None, "", "wrong-key"])
def test_create_without_a_valid_api_key_is_403(service, key):
    body = {"service_code": "GARBAGE_DUMP", "address_string": "Rajwada"}
    if key is not None:
        body["api_key"] = key

    assert_open311_error(requests.post(service.url("/requests.json"), data=body, timeout=30), 403)


def test_invalid_utf8_body_is_400(service):
    body = b"api_key=" + service.api_key.encode() + b"&service_code=GARBAGE_DUMP&address_string=\xff\xfe"
    response = requests.post(service.url("/requests.json"), data=body,
                             headers={"Content-Type": "application/x-www-form-urlencoded"}, timeout=30)

    assert "UTF-8" in assert_open311_error(response, 400)[0]


def test_invalid_percent_encoded_utf8_is_400(service):
    body = f"api_key={service.api_key}&service_code=GARBAGE_DUMP&address_string=%FF%FE"
    response = requests.post(service.url("/requests.json"), data=body,
                             headers={"Content-Type": "application/x-www-form-urlencoded"}, timeout=30)

    assert_open311_error(response, 400)


def test_control_characters_and_nul_are_stripped_not_stored(service):
    tracking = service.filed(description="kachra\x00 pada\x07 hai\nline two")

    assert service.get(f"/requests/{tracking}.json").json()[0]["description"] == "kachra pada hai\nline two"


def test_json_body_that_is_not_an_object_is_400(service):
    response = requests.post(service.url("/requests.json"), data="[1,2,3]",
                             headers={"Content-Type": "application/json", "X-Api-Key": service.api_key}, timeout=30)

    assert_open311_error(response, 400)


def test_oversized_body_is_refused(service):
    response = service.create(description="y" * 70_000)

    assert_open311_error(response, 400)


@pytest.mark.parametrize("params, words", [
    ({"start_date": "2026-01-01T00:00:00"}, "time zone"),
    ({"start_date": "yesterday"}, "ISO 8601"),
    ({"start_date": "2026-01-01T00:00:00+05:30", "end_date": "2026-06-01T00:00:00+05:30"}, "90 days"),
    ({"status": "pending"}, "open, closed"),
    ({"page_size": "0"}, "page_size"),
    ({"updated_before": "2026-01-01T00:00:00Z"}, "updated_after"),
    ({"lat": "22.7", "long": "75.8"}, "radius"),
])
def test_invalid_search_is_a_clear_400(service, params, words):
    descriptions = assert_open311_error(service.get("/requests.json", **params), 400)

    assert any(words in text for text in descriptions), descriptions
