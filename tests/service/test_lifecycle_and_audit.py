"""Status changes by staff and by citizens, each with exactly one audit row; who may do what."""
import uuid

import pytest
import requests

from tests.service.open311_schemas import assert_open311_error


def updates_of(service, tracking: str) -> list:
    response = service.get("/servicerequestupdates.json", service_request_id=tracking)
    assert response.status_code == 200
    return response.json()


def citizen_post(service, tracking: str, action: str, phone: str, key: str | None = None,
                 **fields) -> requests.Response:
    body = {"api_key": service.api_key, "phone": phone, **fields}
    headers = {"Idempotency-Key": key} if key else {}
    return requests.post(service.url(f"/requests/{tracking}/{action}.json"), data=body, headers=headers, timeout=30)


def test_every_status_change_writes_one_audit_row_with_old_and_new(service):
    tracking = service.filed(phone="9111100001")

    for status in ("assigned", "in_progress", "resolved", "closed"):
        assert service.staff_update(tracking, status, actor="ZO-5").status_code == 200

    rows = updates_of(service, tracking)
    assert [(row["old_status"], row["detailed_status"]) for row in rows] == [
        (None, "submitted"), ("submitted", "assigned"), ("assigned", "in_progress"),
        ("in_progress", "resolved"), ("resolved", "closed"),
    ]
    assert rows[1]["actor"] == "staff:ZO-5"
    assert rows[-1]["status"] == "closed"
    assert service.get(f"/requests/{tracking}.json").json()[0]["status"] == "closed"


def test_repeated_update_id_is_applied_once(service):
    tracking, update_id = service.filed(), f"upd-{uuid.uuid4()}"

    first = service.staff_update(tracking, "assigned", update_id=update_id)
    again = service.staff_update(tracking, "assigned", update_id=update_id)

    assert first.status_code == again.status_code == 200
    assert first.json() == again.json() == [{"update_id": update_id}]
    assert len(updates_of(service, tracking)) == 2


def test_reused_update_id_with_other_content_is_422(service):
    tracking, update_id = service.filed(), f"upd-{uuid.uuid4()}"
    service.staff_update(tracking, "assigned", update_id=update_id)

    assert_open311_error(service.staff_update(tracking, "resolved", update_id=update_id), 422)


def test_mysociety_upper_case_statuses_are_understood(service):
    tracking = service.filed()

    assert service.staff_update(tracking, "FIXED").status_code == 200
    assert service.get(f"/requests/{tracking}.json").json()[0]["detailed_status"] == "resolved"


def test_forbidden_transition_is_a_clear_400_and_writes_nothing(service):
    tracking = service.filed()
    service.staff_update(tracking, "cancelled")

    descriptions = assert_open311_error(service.staff_update(tracking, "in_progress"), 400)
    assert "cannot become" in descriptions[0]
    assert len(updates_of(service, tracking)) == 2


@pytest.mark.parametrize("key", [None, "wrong", "client"])
def test_staff_updates_need_the_staff_key(service, key):
    tracking = service.filed()
    presented = {"client": service.api_key}.get(key, key)
    body = {"service_request_id": tracking, "update_id": str(uuid.uuid4()), "status": "resolved",
            "updated_datetime": "2026-11-28T10:00:00+05:30", "description": "done"}
    if presented is not None:
        body["api_key"] = presented

    assert_open311_error(requests.post(service.url("/servicerequestupdates.json"), data=body, timeout=30), 403)
    assert service.get(f"/requests/{tracking}.json").json()[0]["detailed_status"] == "submitted"


def test_staff_update_missing_fields_names_them(service):
    response = requests.post(service.url("/servicerequestupdates.json"), timeout=30,
                             data={"api_key": service.staff_key, "service_request_id": service.filed()})

    descriptions = assert_open311_error(response, 400)
    assert {"update_id is required", "status is required", "description is required"} <= set(descriptions)


def test_staff_update_of_unknown_complaint_is_404(service):
    assert_open311_error(service.staff_update("IMC-990101-99999", "resolved"), 404)


def test_citizen_cancels_only_their_own_complaint(service):
    tracking = service.filed(phone="9222200001")

    assert_open311_error(citizen_post(service, tracking, "cancel", "9222200002"), 403)
    cancelled = citizen_post(service, tracking, "cancel", "9222200001", reason="solved myself")

    assert cancelled.status_code == 200
    assert cancelled.json()[0]["detailed_status"] == "cancelled"
    assert "9222200001" not in cancelled.text
    assert updates_of(service, tracking)[-1]["actor"].startswith("citizen:")


@pytest.mark.parametrize("action, fields, before", [
    ("cancel", {"reason": "ho gaya"}, None),
    ("reopen", {"reason": "phir se kachra"}, "resolved"),
    ("rating", {"rating": "4"}, "resolved"),
])
def test_a_citizen_change_retried_with_its_key_acts_once_and_answers_the_same(service, action, fields, before):
    tracking, key = service.filed(phone="9555500001"), f"turn-{uuid.uuid4()}"
    if before:
        service.staff_update(tracking, before)
    rows_before = len(updates_of(service, tracking))

    first = citizen_post(service, tracking, action, "9555500001", key=key, **fields)
    retried = citizen_post(service, tracking, action, "9555500001", key=key, **fields)

    assert first.status_code == retried.status_code == 200, (first.text, retried.text)
    assert retried.json() == first.json()
    assert retried.headers.get("Idempotent-Replayed") == "true"
    assert len(updates_of(service, tracking)) == rows_before + 1


def test_a_change_key_reused_for_another_complaint_is_422_and_acts_on_nothing(service):
    first, second, key = service.filed(phone="9555500002"), service.filed(phone="9555500002"), f"turn-{uuid.uuid4()}"
    assert citizen_post(service, first, "cancel", "9555500002", key=key).status_code == 200

    assert_open311_error(citizen_post(service, second, "cancel", "9555500002", key=key), 422)
    assert service.get(f"/requests/{second}.json").json()[0]["detailed_status"] == "submitted"


def test_a_cancel_retried_without_a_key_is_refused_as_already_done(service):
    tracking = service.filed(phone="9555500003")
    assert citizen_post(service, tracking, "cancel", "9555500003").status_code == 200

    assert_open311_error(citizen_post(service, tracking, "cancel", "9555500003"), 400)


def test_citizen_reopens_a_resolved_complaint_and_then_rates_it(service):
    tracking = service.filed(phone="9333300001")
    assert_open311_error(citizen_post(service, tracking, "reopen", "9333300001"), 400)
    service.staff_update(tracking, "resolved")

    reopened = citizen_post(service, tracking, "reopen", "9333300001", reason="still dirty")
    assert reopened.status_code == 200 and reopened.json()[0]["detailed_status"] == "reopened"
    assert_open311_error(citizen_post(service, tracking, "rating", "9333300001", rating="4"), 400)

    service.staff_update(tracking, "resolved")
    rated = citizen_post(service, tracking, "rating", "9333300001", rating="5", comment="bahut badhiya")
    assert rated.status_code == 200 and rated.json()[0]["rating"] == 5
    assert_open311_error(citizen_post(service, tracking, "rating", "9333300001", rating="9"), 400)


def test_another_citizen_adds_their_name_once(service):
    tracking = service.filed(phone="9444400001")

    first = citizen_post(service, tracking, "supporters", "9444400002")
    second = citizen_post(service, tracking, "supporters", "9444400002")
    own = citizen_post(service, tracking, "supporters", "9444400001")

    assert first.json()[0]["supporter_added"] is True
    assert second.json()[0]["supporter_added"] is False
    assert own.json()[0]["supporter_added"] is False
    assert service.get(f"/requests/{tracking}.json").json()[0]["supporters"] == 1
    assert "9444400002" not in first.text


def test_citizen_actions_need_the_api_key_and_an_identity(service):
    tracking = service.filed(phone="9555500001")

    no_key = requests.post(service.url(f"/requests/{tracking}/cancel.json"), data={"phone": "9555500001"}, timeout=30)
    assert_open311_error(no_key, 403)
    assert_open311_error(requests.post(service.url(f"/requests/{tracking}/cancel.json"),
                                       data={"api_key": service.api_key}, timeout=30), 400)
    assert_open311_error(citizen_post(service, "IMC-990101-99999", "cancel", "9555500001"), 404)
