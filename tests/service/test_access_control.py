"""Nobody let in: every write needs a key, staff changes need the staff key, a citizen changes only their own
complaints, and listing by phone or account needs the client key. A refused call changes nothing at all.

test_lifecycle_and_audit.py has the first cases (no/wrong/client key on a staff update, another phone
cancelling, a citizen action without a key); this file has the rest, and walks /openapi.json so that a write
added later is covered too.
"""
import uuid

import pytest
import requests
from sqlalchemy import text

from tests.service.conftest import RunningService
from tests.service.open311_schemas import assert_open311_error
from tests.service.openapi_fuzzer import operations_from

OWNER_PHONE, STRANGER_PHONE = "9823400001", "9823400002"


def complaint_state(service, tracking: str) -> tuple:
    """Everything a write could change about one complaint, including its audit rows and notifications."""
    with service.engine.connect() as connection:
        row = connection.execute(text(
            "SELECT c.id, c.status, c.status_notes, c.rating, c.rating_comment, c.updated_at, c.resolved_at "
            "FROM complaints c WHERE c.tracking_number = :t"), {"t": tracking}).one()
        related = tuple(
            connection.execute(text(f"SELECT count(*) FROM {table} WHERE complaint_id = :id"), {"id": row.id}).scalar()
            for table in ("audit_entries", "notifications", "supporters"))
    return tuple(row) + related


def owned_complaint(service, resolved: bool = False) -> tuple:
    account = f"owner-{uuid.uuid4().hex[:8]}"
    tracking = service.filed(phone=OWNER_PHONE, account_id=account)
    if resolved:
        assert service.staff_update(tracking, "resolved").status_code == 200
    return tracking, account


def citizen_post(service: RunningService, tracking: str, action: str, **fields: str) -> requests.Response:
    return requests.post(service.url(f"/requests/{tracking}/{action}.json"), timeout=30,
                         data={"api_key": service.api_key, **fields})


def staff_body(tracking: str, update_id: str) -> dict:
    return {"service_request_id": tracking, "update_id": update_id, "status": "resolved",
            "updated_datetime": "2026-11-28T10:00:00+05:30", "description": "cleaned"}


# --- Staff updates ---------------------------------------------------------------------------------------------

def _spoilt(key: str) -> str:
    return key[:-1] + ("0" if key[-1] != "0" else "1")


@pytest.mark.parametrize("presented", [
    {"api_key": ""},
    {"api_key": "<spoilt staff key>"},
    {"api_key": "<staff key prefix>"},
    {"api_key": "<staff key>x"},
    {"api_key": "<STAFF KEY>"},
    {"staff_key": "<staff key>"},
    {"X-Api-Key": "<client key>"},
    {"X-Api-Key": "<spoilt staff key>"},
    {"api_key": "' OR '1'='1"},
])
def test_a_staff_update_without_the_staff_key_is_403_changes_nothing_and_leaves_its_update_id_unused(
    service, presented
):
    tracking, update_id = service.filed(phone=OWNER_PHONE), f"upd-{uuid.uuid4()}"
    keys = {"<staff key>": service.staff_key, "<STAFF KEY>": service.staff_key.upper(), "<client key>": service.api_key,
            "<spoilt staff key>": _spoilt(service.staff_key), "<staff key prefix>": service.staff_key[:12]}
    name, value = next(iter(presented.items()))
    for placeholder, key in keys.items():
        value = value.replace(placeholder, key)
    headers = {name: value} if name.startswith("X-") else {}
    body = staff_body(tracking, update_id) | ({} if headers else {name: value})
    before = complaint_state(service, tracking)

    refused = requests.post(service.url("/servicerequestupdates.json"), data=body, headers=headers, timeout=30)

    assert_open311_error(refused, 403)
    assert complaint_state(service, tracking) == before
    accepted = requests.post(service.url("/servicerequestupdates.json"), timeout=30,
                             data=body | {"api_key": service.staff_key})
    assert accepted.status_code == 200 and accepted.json() == [{"update_id": update_id}]


def test_the_staff_key_in_the_x_api_key_header_is_accepted(service):
    tracking = service.filed()

    response = requests.post(service.url("/servicerequestupdates.json"), headers={"X-Api-Key": service.staff_key},
                             data=staff_body(tracking, str(uuid.uuid4())), timeout=30)

    assert response.status_code == 200
    assert service.get(f"/requests/{tracking}.json").json()[0]["detailed_status"] == "resolved"


# --- Every write in the OpenAPI document ---------------------------------------------------------------------

def write_operations(service) -> list:
    return [
        operation for operation in operations_from(service.get("/openapi.json").json()) if operation.method == "post"
    ]


def test_the_openapi_document_lists_every_write_this_file_expects(service):
    paths = {operation.path for operation in write_operations(service)}

    assert {"/requests.json", "/servicerequestupdates.json", "/requests/{service_request_id}/cancel.json",
            "/requests/{service_request_id}/reopen.json", "/requests/{service_request_id}/rating.json",
            "/requests/{service_request_id}/supporters.json"} <= paths


@pytest.mark.parametrize("key", [None, "", "not-a-key", "' OR '1'='1"])
def test_every_write_in_the_openapi_document_refuses_a_missing_or_wrong_key_and_changes_nothing(service, key):
    tracking, account = owned_complaint(service, resolved=True)
    complaints_before = int(service.scalar("SELECT count(*) FROM complaints"))
    well_formed = {"service_code": "GARBAGE_DUMP", "address_string": "Rajwada", "phone": OWNER_PHONE,
                   "account_id": account, "rating": "5", "reason": "test"} | staff_body(tracking, str(uuid.uuid4()))

    for operation in write_operations(service):
        before = complaint_state(service, tracking)
        body = {parameter.name: well_formed[parameter.name] for parameter in operation.located("body")
                if parameter.name in well_formed}
        if key is not None:
            body["api_key"] = key

        response = requests.post(service.url(operation.path.replace("{service_request_id}", tracking)),
                                 data=body, timeout=30)

        assert_open311_error(response, 403)
        assert complaint_state(service, tracking) == before, operation.label
    assert int(service.scalar("SELECT count(*) FROM complaints")) == complaints_before


# --- A citizen changes only their own complaints -------------------------------------------------------------

STRANGERS = {
    "another phone": lambda account: {"phone": STRANGER_PHONE},
    "another account": lambda account: {"account_id": "someone-else"},
    "the owner's phone as an account": lambda account: {"account_id": OWNER_PHONE},
    "the owner's account in capitals": lambda account: {"account_id": account.upper()},
}


@pytest.mark.parametrize("stranger", list(STRANGERS))
@pytest.mark.parametrize("action, fields, needs_resolved", [
    ("cancel", {"reason": "not mine to cancel"}, False),
    ("reopen", {"reason": "not mine to reopen"}, True),
    ("rating", {"rating": "1", "comment": "not mine to rate"}, True),
])
def test_a_citizen_cannot_cancel_reopen_or_rate_someone_elses_complaint(
    service, action, fields, needs_resolved, stranger
):
    tracking, account = owned_complaint(service, resolved=needs_resolved)
    before = complaint_state(service, tracking)

    refused = citizen_post(service, tracking, action, **fields, **STRANGERS[stranger](account))

    assert refused.status_code in (403, 404)
    assert_open311_error(refused, refused.status_code)
    assert complaint_state(service, tracking) == before
    assert citizen_post(service, tracking, action, phone=OWNER_PHONE, **fields).status_code == 200  # the owner can


def test_a_citizen_identified_by_account_changes_their_own_complaint(service):
    tracking, account = owned_complaint(service)

    response = citizen_post(service, tracking, "cancel", account_id=account)

    assert response.status_code == 200 and response.json()[0]["detailed_status"] == "cancelled"


@pytest.mark.parametrize("action, fields", [("reopen", {}), ("rating", {"rating": "5"}), ("supporters", {})])
@pytest.mark.parametrize("key", [None, "wrong-key"])
def test_citizen_actions_without_a_valid_key_are_403_and_change_nothing(service, action, fields, key):
    tracking, _account = owned_complaint(service, resolved=action != "supporters")
    before = complaint_state(service, tracking)
    body = {"phone": OWNER_PHONE if action != "supporters" else STRANGER_PHONE, **fields}
    if key is not None:
        body["api_key"] = key

    response = requests.post(service.url(f"/requests/{tracking}/{action}.json"), data=body, timeout=30)

    assert_open311_error(response, 403)
    assert complaint_state(service, tracking) == before


def test_another_citizens_idempotency_key_is_422_and_returns_nothing_of_theirs(service):
    key = str(uuid.uuid4())
    theirs = service.create(idempotency_key=key, phone=OWNER_PHONE, description="meri gali")
    assert theirs.status_code == 200

    mine = service.create(idempotency_key=key, phone=STRANGER_PHONE, description="meri gali")

    assert_open311_error(mine, 422)
    assert theirs.json()[0]["service_request_id"] not in mine.text


# --- Listing by phone or account needs the client key --------------------------------------------------------

@pytest.mark.parametrize("private_filter", [{"phone": OWNER_PHONE}, {"account_id": "<owner account>"}])
@pytest.mark.parametrize("key", [None, "", "wrong-key", "<spoilt client key>"])
def test_searching_by_phone_or_account_without_the_client_key_is_403_and_lists_nothing(service, private_filter, key):
    tracking, account = owned_complaint(service)
    params = {name: value.replace("<owner account>", account) for name, value in private_filter.items()}
    params["service_request_id"] = tracking  # the id list overrides other filters, but not the key check
    if key is not None:
        params["api_key"] = key.replace("<spoilt client key>", _spoilt(service.api_key))

    response = service.get("/requests.json", **params)

    assert_open311_error(response, 403)
    assert tracking not in response.text


@pytest.mark.parametrize("private_filter", ["phone", "account_id"])
def test_searching_by_phone_or_account_with_the_client_key_in_the_header_lists_only_their_complaints(service,
                                                                                                   private_filter):
    tracking, account = owned_complaint(service)
    someone_elses = service.filed(phone=STRANGER_PHONE, account_id=f"other-{uuid.uuid4().hex[:8]}")
    value = OWNER_PHONE if private_filter == "phone" else account

    response = requests.get(service.url("/requests.json"), params={private_filter: value},
                            headers={"X-Api-Key": service.api_key}, timeout=30)

    listed = {entry["service_request_id"] for entry in response.json()}
    assert tracking in listed and someone_elses not in listed
