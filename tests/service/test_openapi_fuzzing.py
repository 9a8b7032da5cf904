"""Thousands of calls generated from the service's own /openapi.json: never a 5xx, and the store stays whole.

OPENAPI_FUZZ_CALLS (default 10,000) calls go to PostgreSQL, the production back end, and
OPENAPI_FUZZ_SQLITE_CALLS (default 2,000) to SQLite; each run stops after OPENAPI_FUZZ_SECONDS (default 60)
whatever the count, with a warning, so the module never adds more than about two minutes. OPENAPI_FUZZ_SEED
picks the run; a failure names the call number that reproduces it. The figures (calls, status histogram,
time) are printed at the end of the pytest run; `-s` shows the histogram of each operation too.
"""
from __future__ import annotations

import os
import random
import re
import warnings
from datetime import datetime, timedelta, timezone
from typing import Dict, Iterator, List, Sequence

import pytest
from sqlalchemy import inspect, text

from tests.service.conftest import RunningService, running_service
from tests.service.openapi_fuzzer import CallGenerator, PlausibleValue, operations_from, run_calls

CALLS = {
    "postgresql": int(os.environ.get("OPENAPI_FUZZ_CALLS", "10000")),
    "sqlite": int(os.environ.get("OPENAPI_FUZZ_SQLITE_CALLS", "2000")),
}
TIME_LIMIT_SECONDS = float(os.environ.get("OPENAPI_FUZZ_SECONDS", "60"))
SEED = int(os.environ.get("OPENAPI_FUZZ_SEED", "311"))
WORKERS = 8

PARAMETERS_TOGETHER = [("lat", "long", "radius"), ("updated_after", "updated_before")]
PHONES = ["9810000001", "9810000002", "919810000003"]
ACCOUNTS = ["web-user-1", "web-user-2"]
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_INDIA = timezone(timedelta(hours=5, minutes=30))


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def fuzzed_service(request, tmp_path_factory) -> Iterator[RunningService]:
    """A service of its own, so that thousands of generated complaints stay out of the other tests' way."""
    with running_service(request.param, tmp_path_factory.mktemp(f"fuzz-{request.param}"), label="fuzz") as running:
        yield running


def back_end(service: RunningService) -> str:
    return "sqlite" if service.database_url.startswith("sqlite") else "postgresql"


def test_openapi_document_declares_every_parameter_the_service_reads(fuzzed_service):
    document = fuzzed_service.get("/openapi.json").json()
    operations = operations_from(document)
    declared = {operation.label: {p.name for p in operation.parameters} for operation in operations}
    required = {operation.label: {p.name for p in operation.parameters if p.required} for operation in operations}
    patterns = {operation.label: operation.body_name_patterns for operation in operations}

    assert {"service_request_id", "service_code", "status", "start_date", "end_date", "updated_after", "updated_before",
            "page", "page_size", "phone", "account_id", "api_key", "group", "ward", "locality", "lat", "long", "radius",
            "extensions", "lang"} <= declared["GET /requests.json"]
    assert {"service_code", "address_string", "description", "phone"} <= declared["POST /requests.json"]
    assert any(re.fullmatch(pattern, "attribute[landmark]") for pattern in patterns["POST /requests.json"])
    assert {"Idempotency-Key", "X-Api-Key"} <= declared["POST /requests.json"]
    assert {"service_code"} <= required["POST /requests.json"]
    assert {"service_request_id", "update_id", "status", "updated_datetime", "description"} <= \
        required["POST /servicerequestupdates.json"]
    assert {"start_date", "end_date", "service_request_id", "page", "page_size"} <= \
        declared["GET /servicerequestupdates.json"]
    assert {"by", "start_date", "end_date"} <= declared["GET /reports/sla.json"]
    assert {"lang", "jurisdiction_id"} <= declared["GET /services.json"]
    assert {"rating"} <= required["POST /requests/{service_request_id}/rating.json"]


def test_calls_generated_from_the_openapi_document_never_get_a_5xx_and_leave_the_store_whole(fuzzed_service,
                                                                                             summary_line):
    service, name = fuzzed_service, back_end(fuzzed_service)
    operations = operations_from(service.get("/openapi.json").json())
    plausible, attribute_names = plausible_values(service)
    generator = CallGenerator(operations, plausible, attribute_names, together=PARAMETERS_TOGETHER, seed=SEED)

    report = run_calls(service.base_url, generator, name, CALLS[name], TIME_LIMIT_SECONDS, WORKERS)

    summary_line(report.summary_line())
    print(report.breakdown())
    assert report.server_errors == 0 and report.failures == [], "\n".join(report.failures[:15])
    assert set(report.by_operation) == {operation.label for operation in operations}
    assert report.statuses[200] > 0 and report.statuses[400] > 0 and report.statuses[403] > 0
    if report.stopped_by_time_limit:
        warnings.warn(f"OpenAPI fuzzing on {name} stopped by its time limit: {report.made} of {report.planned} calls",
                      stacklevel=2)
    assert_store_is_whole(service)


def plausible_values(service: RunningService) -> tuple[Dict[str, Sequence[PlausibleValue]], List[str]]:
    """Values that get a generated call past the first check: live codes, numbers and citizens of this service."""
    catalogue = service.get("/services.json").json()
    attribute_names: List[str] = []
    plausible: Dict[str, Sequence[PlausibleValue]] = {}
    for entry in catalogue:
        for attribute in service.get(f"/services/{entry['service_code']}.json").json()["attributes"]:
            name = f"attribute[{attribute['code']}]"
            attribute_names.append(name)
            plausible[name] = [value["key"] for value in attribute["values"]] or ["4", "Near the temple", "मंदिर के पास"]
    trackings = filed_complaints(service, count=24)
    lenient = [t.lower() for t in trackings[:3]] + [t.replace("-", " ") for t in trackings[3:6]] + \
              ["IMC-" + "".join("०१२३४५६७८९"[int(d)] for d in t[4:10]) + t[10:] for t in trackings[6:8]]

    def fresh(prefix: str) -> PlausibleValue:
        return lambda rng: f"{prefix}-{rng.getrandbits(64):016x}"

    def recent(rng: random.Random) -> str:
        return (datetime.now(_INDIA) - timedelta(days=rng.uniform(-1, 80))).replace(microsecond=0).isoformat()

    keys = [service.api_key, service.staff_key]
    plausible.update({
        "api_key": keys, "X-Api-Key": keys,
        "POST /servicerequestupdates.json api_key": [service.staff_key] * 5 + [service.api_key],
        "Idempotency-Key": [fresh("fuzz-idem")] * 4 + ["fuzz-idem-repeated-1", "fuzz-idem-repeated-2"],
        "service_code": [entry["service_code"] for entry in catalogue],
        "group": sorted({entry["group"] for entry in catalogue}),
        "service_request_id": trackings + lenient + ["IMC-990101-99999", ",".join(trackings[:3])],
        "token": ["abc123"],
        "lat": ["22.7196", "22.7533", "22.68"], "long": ["75.8577", "75.8937", "75.83"],
        "radius": ["100", "250", "5000"],
        "address_string": ["Rajwada, Indore", "Near Palasia square", "विजय नगर, इंदौर"], "address_id": ["A-12"],
        "zipcode": ["452001", "452010"], "ward": ["1", "12", "45", "85"],
        "locality": ["Palasia", "palasiya", "भागीरथपुरा", "Vijay Nagar", "Nowhere Nagar"],
        "description": ["kachra 3 din se nahi utha", "नल में गंदा पानी आ रहा है", "light off, call 9876501234"],
        "media_url": ["https://example.org/photo.jpg"], "email": ["citizen@example.org"], "device_id": ["device-1"],
        "phone": PHONES, "account_id": ACCOUNTS, "first_name": ["Sunita", "सुनीता"], "last_name": ["Verma"],
        "channel": ["whatsapp", "web"], "reason": ["solved myself", "abhi bhi gandagi hai"], "comment": ["badhiya"],
        "rating": ["1", "3", "5"], "update_id": [fresh("fuzz-update")] * 5 + ["fuzz-update-repeated"],
        "status": ["assigned", "in_progress", "resolved", "closed", "cancelled", "reopened", "FIXED",
                   "ACTION_SCHEDULED"],
        "GET /requests.json status": ["open", "closed", "open,closed"],
        "updated_datetime": [recent], "start_date": [recent], "end_date": [recent],
        "updated_after": [recent], "updated_before": [recent],
        "page": ["1", "2"], "page_size": ["1", "10", "100"], "extensions": ["true", "false"],
        "by": ["department", "zone"], "jurisdiction_id": ["imcindore.mp.gov.in"], "actor": ["ZO-5"],
    })
    return plausible, attribute_names


def filed_complaints(service: RunningService, count: int) -> List[str]:
    """Complaints of the known citizens, every third one resolved (so reopening and rating can happen)."""
    trackings = []
    for number in range(count):
        citizen = {"phone": PHONES[number % len(PHONES)]} if number % 4 else {"account_id": ACCOUNTS[number % 2]}
        tracking = service.filed(service_code="GARBAGE_DUMP", description=f"warm-up {number}", **citizen)
        if number % 3 == 0:
            assert service.staff_update(tracking, "resolved").status_code == 200
        trackings.append(tracking)
    return trackings


def assert_store_is_whole(service: RunningService) -> None:
    """Every table is there; every complaint has its one 'created' audit row and officer notification, a canonical
    unique number, an audit trail ending in its current status, and free text without control characters."""
    with service.engine.connect() as connection:
        complaints = connection.execute(text(
            "SELECT id, tracking_number, status, description, address, address_id, locality, first_name, last_name, "
            "email, media_url, account_id, channel, device_id, rating_comment FROM complaints")).all()
        audit = connection.execute(text(
            "SELECT complaint_id, event, new_status, note FROM audit_entries ORDER BY id")).all()
        notified = set(connection.execute(text("SELECT dedup_key FROM notifications")).scalars())
    assert {"complaints", "audit_entries", "notifications", "supporters", "daily_sequences", "idempotency_records"} <= \
        set(inspect(service.engine).get_table_names())  # no injection string dropped a table
    assert complaints

    trail: Dict[int, list] = {}
    for row in audit:
        trail.setdefault(row.complaint_id, []).append(row)
    numbers = [complaint.tracking_number for complaint in complaints]
    assert len(set(numbers)) == len(numbers)
    for complaint in complaints:
        rows = trail.get(complaint.id, [])
        assert re.fullmatch(r"IMC-\d{6}-\d{5}", complaint.tracking_number)
        assert [row.event for row in rows].count("created") == 1, complaint.tracking_number
        assert rows[-1].new_status == complaint.status, complaint.tracking_number
        assert f"created:{complaint.tracking_number}" in notified
        assert len(complaint.description or "") <= 4000
        for value in complaint[3:]:
            assert value is None or not _CONTROL.search(value), (complaint.tracking_number, value[:100])
    for row in audit:
        assert row.note is None or not _CONTROL.search(row.note), row.note[:100]
