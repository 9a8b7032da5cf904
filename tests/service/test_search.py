"""GeoReport v2 search, paging, the change feed and the nearby-duplicate query."""
import uuid
from datetime import datetime, timedelta, timezone

from tests.service.open311_schemas import REQUESTS, assert_matches


def test_search_by_id_list_overrides_other_filters(service):
    first, second = service.filed(), service.filed()

    found = service.get("/requests.json", service_request_id=f"{first},{second.lower()}", status="closed").json()

    assert {entry["service_request_id"] for entry in found} == {first, second}


def test_search_filters_by_service_code_and_status(service):
    open_one = service.filed(service_code="LOW_PRESSURE")
    closed_one = service.filed(service_code="LOW_PRESSURE")
    service.staff_update(closed_one, "resolved")

    open_found = {
        e["service_request_id"]
        for e in service.get("/requests.json", service_code="LOW_PRESSURE", status="open").json()
    }
    closed_found = {
        e["service_request_id"]
        for e in service.get("/requests.json", service_code="LOW_PRESSURE", status="closed").json()
    }

    assert open_one in open_found and closed_one not in open_found
    assert closed_one in closed_found and open_one not in closed_found
    assert_matches(service.get("/requests.json", service_code="LOW_PRESSURE").json(), REQUESTS)


def test_paging_walks_every_result_once_in_a_stable_order(service):
    marker = f"page-{uuid.uuid4().hex[:8]}"
    filed = {service.filed(service_code="BORING_FAULT", account_id=marker) for _ in range(5)}

    seen = []
    for page in (1, 2, 3):
        seen += [e["service_request_id"] for e in service.get(
            "/requests.json", account_id=marker, page=page, page_size=2, api_key=service.api_key).json()]

    assert sorted(seen) == sorted(filed) and len(seen) == 5


def test_change_feed_returns_what_changed_after_a_moment(service):
    tracking = service.filed()
    moment = datetime.now(timezone.utc).isoformat()
    service.staff_update(tracking, "assigned")

    changed = {e["service_request_id"] for e in service.get("/requests.json", updated_after=moment).json()}

    assert tracking in changed


def test_nearby_open_complaint_of_the_same_category_is_found_for_duplicate_offers(service):
    near = service.filed(service_code="OPEN_MANHOLE", lat="22.7196", long="75.8577")
    far = service.filed(service_code="OPEN_MANHOLE", lat="22.7533", long="75.8937")
    other_kind = service.filed(service_code="GARBAGE_DUMP", lat="22.7197", long="75.8578")

    since = (datetime.now(timezone.utc) - timedelta(days=7)).isoformat()
    found = {e["service_request_id"] for e in service.get(
        "/requests.json", service_code="OPEN_MANHOLE", status="open", lat="22.7198", long="75.8579",
        radius="250", start_date=since).json()}

    assert near in found
    assert far not in found and other_kind not in found


def test_search_by_locality_and_ward(service):
    tracking = service.filed(service_code="NO_WATER_SUPPLY", locality="palasiya", ward="33")

    by_locality = {e["service_request_id"] for e in service.get("/requests.json", locality="Palasia").json()}
    by_ward = {e["service_request_id"] for e in service.get("/requests.json", ward="33").json()}

    assert tracking in by_locality and tracking in by_ward


def test_history_is_included_with_extensions(service):
    tracking = service.filed()
    service.staff_update(tracking, "assigned", description="sent to the zonal team")

    entry = service.get(f"/requests/{tracking}.json", extensions="true").json()[0]

    assert [note["type"] for note in entry["notes"]] == ["created", "status_changed"]
    assert entry["notes"][1]["description"] == "sent to the zonal team"
