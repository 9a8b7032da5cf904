"""The assistant's Open311 client against the real 311 service: success, refusals, outages, idempotency."""
import time
import uuid

import pytest

from actions.open311_client import (
    Citizen,
    ClientSettings,
    NotFound,
    Open311Client,
    RequestRejected,
    ServiceUnavailable,
)
from tests.processes import free_port


@pytest.fixture()
def client(assistant):
    return Open311Client(ClientSettings(base_url=assistant.service_url, api_key=assistant.api_key))


def complaint_fields(**overrides):
    fields = {"service_code": "POTHOLE_ROAD_DAMAGE", "description": f"client test {uuid.uuid4()}",
              "address_string": "AB Road", "language": "en", "phone": "919800001111"}
    return {**fields, **overrides}


def test_filing_twice_with_one_key_files_once(client):
    key, fields = str(uuid.uuid4()), complaint_fields()

    first = client.file(fields, key)
    again = client.file(fields, key)

    assert first["service_request_id"] == again["service_request_id"]
    assert first["expected_datetime"].endswith("+05:30")


def test_a_refusal_is_an_error_with_the_services_words_not_a_success(client):
    with pytest.raises(RequestRejected) as refused:
        client.file(complaint_fields(ward="99"), str(uuid.uuid4()))

    assert refused.value.status == 400
    assert any("between 1 and 85" in text for text in refused.value.descriptions)


def test_unknown_complaint_is_not_found(client):
    with pytest.raises(NotFound):
        client.complaint("IMC-990101-99999")


def test_a_service_that_does_not_answer_is_unavailable_after_bounded_retries():
    silent = Open311Client(ClientSettings(base_url=f"http://127.0.0.1:{free_port()}", api_key="k",
                                          timeout_seconds=1, attempts=3, backoff_seconds=0.1))
    started = time.monotonic()

    with pytest.raises(ServiceUnavailable):
        silent.file(complaint_fields(), str(uuid.uuid4()))

    assert time.monotonic() - started < 5


def test_catalogue_is_served_from_cache_while_the_service_is_down(assistant, client):
    english = client.services("en")
    client.settings = ClientSettings(base_url=f"http://127.0.0.1:{free_port()}", api_key="k", attempts=1,
                                     catalogue_ttl_seconds=0)

    assert client.services("en") == english


@pytest.mark.parametrize("sender, expected", [
    ("919800000002", Citizen(phone="919800000002")),
    ("+919800000002", Citizen(phone="919800000002")),
    ("a2f9c0e1-shell", Citizen(account_id="chat:a2f9c0e1-shell")),
])
def test_citizen_identity_comes_from_the_sender(sender, expected):
    assert Citizen.from_sender(sender) == expected
