"""Generated requests against every parsing path: the service answers 2xx/4xx, never 5xx.

FUZZ_EXAMPLES sets how many cases each test draws (default 150 per back end, bounded in time by
hypothesis's own limits); the reliability suite raises it.
"""
import os
from urllib.parse import quote

import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "150"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

CREATE_FIELDS = ["service_code", "lat", "long", "address_string", "address_id", "zipcode", "ward", "locality",
                 "language", "description", "media_url", "email", "phone", "first_name", "account_id",
                 "attribute[landmark]", "attribute[animal_type]", "attribute[since_days]", "jurisdiction_id"]
SEARCH_FIELDS = ["service_request_id", "service_code", "status", "start_date", "end_date", "updated_after",
                 "updated_before", "page", "page_size", "lat", "long", "radius", "ward", "locality", "lang",
                 "phone", "extensions", "group"]

awkward_text = st.one_of(
    st.text(max_size=60),
    st.sampled_from(["", " ", "0", "-1", "86", "१२", "1e309", "NaN", "22.72", "75.86", "GARBAGE_DUMP",
                     "DEAD_ANIMAL", "open,closed", "2026-01-01T00:00:00+05:30", "2026-13-45",
                     "'; DROP TABLE complaints;--",
                     "<script>alert(1)</script>", "\x00", "😀" * 20, "IMC-261128-00001", "x" * 5000]),
)


def form_for(fields):
    return st.dictionaries(st.sampled_from(fields), awkward_text, max_size=len(fields))


@FUZZ
@given(body=form_for(CREATE_FIELDS))
def test_generated_create_requests_never_cause_a_server_error(service, body):
    body = dict(body, api_key=service.api_key)

    response = requests.post(service.url("/requests.json"), data=body, timeout=30)

    assert response.status_code < 500, response.text


@FUZZ
@given(raw=st.binary(max_size=300), content_type=st.sampled_from(
    ["application/x-www-form-urlencoded", "application/json", "text/plain", "multipart/form-data"]))
def test_raw_bytes_bodies_never_cause_a_server_error(service, raw, content_type):
    response = requests.post(service.url("/requests.json"), data=raw, timeout=30,
                             headers={"Content-Type": content_type, "X-Api-Key": service.api_key})

    assert response.status_code < 500, response.text


@FUZZ
@given(params=form_for(SEARCH_FIELDS))
def test_generated_searches_never_cause_a_server_error(service, params):
    response = requests.get(service.url("/requests.json"), params=dict(params, api_key=service.api_key), timeout=30)

    assert response.status_code < 500, response.text


@FUZZ
@given(tracking=awkward_text, status=awkward_text, update_id=awkward_text)
def test_generated_staff_updates_never_cause_a_server_error(service, tracking, status, update_id):
    body = {"api_key": service.staff_key, "service_request_id": tracking, "status": status,
            "update_id": update_id, "updated_datetime": "2026-11-28T10:00:00+05:30", "description": "fuzz"}

    response = requests.post(service.url("/servicerequestupdates.json"), data=body, timeout=30)

    assert response.status_code < 500, response.text


@FUZZ
@given(path=st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="/?#"), max_size=40))
def test_generated_look_ups_never_cause_a_server_error(service, path):
    response = requests.get(service.url(f"/requests/{quote(path)}.json"), timeout=30)

    assert response.status_code < 500, response.text
