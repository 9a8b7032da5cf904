"""Nothing doubled: Idempotency-Key replays, concurrent duplicates, and unique tracking numbers."""
import uuid
from concurrent.futures import ThreadPoolExecutor

from tests.service.open311_schemas import assert_open311_error


def complaints_with(service, description: str) -> int:
    return int(service.scalar("SELECT count(*) FROM complaints WHERE description = :d", d=description))


def test_replayed_create_returns_the_original_response_and_files_once(service):
    key, description = str(uuid.uuid4()), f"replay {uuid.uuid4()}"

    responses = [service.create(idempotency_key=key, description=description) for _ in range(5)]

    assert {response.status_code for response in responses} == {200}
    assert len({response.text for response in responses}) == 1
    assert responses[-1].headers.get("Idempotent-Replayed") == "true"
    assert complaints_with(service, description) == 1


def test_same_key_with_a_different_payload_is_422(service):
    key = str(uuid.uuid4())
    assert service.create(idempotency_key=key, description="first").status_code == 200

    assert_open311_error(service.create(idempotency_key=key, description="second"), 422)
    assert complaints_with(service, "second") == 0


def test_malformed_idempotency_key_is_400(service):
    assert_open311_error(service.create(idempotency_key="short"), 400)


def test_keys_are_scoped_per_client(service):
    key, description = str(uuid.uuid4()), f"scoped {uuid.uuid4()}"
    import requests

    as_client = service.create(idempotency_key=key, description=description)
    as_staff = requests.post(service.url("/requests.json"), headers={"Idempotency-Key": key}, timeout=30, data={
        "api_key": service.staff_key, "service_code": "GARBAGE_DUMP", "address_string": "Rajwada, Indore",
        "description": description})

    assert as_client.json()[0]["service_request_id"] != as_staff.json()[0]["service_request_id"]


def test_concurrent_duplicates_create_one_complaint(service):
    key, description = str(uuid.uuid4()), f"concurrent {uuid.uuid4()}"

    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(lambda _: service.create(idempotency_key=key, description=description), range(8)))

    assert all(response.status_code in (200, 409) for response in responses), [r.text for r in responses]
    ids = {response.json()[0]["service_request_id"] for response in responses if response.status_code == 200}
    assert len(ids) == 1
    assert complaints_with(service, description) == 1


def test_tracking_numbers_stay_unique_under_eight_parallel_writers(service):
    per_writer = 10

    def writer(index: int) -> list:
        return [service.filed(description=f"writer {index} #{n}") for n in range(per_writer)]

    with ThreadPoolExecutor(max_workers=8) as pool:
        numbers = [number for batch in pool.map(writer, range(8)) for number in batch]

    assert len(numbers) == 8 * per_writer
    assert len(set(numbers)) == len(numbers)
    sequences = sorted(int(number[-5:]) for number in numbers)
    assert sequences == list(range(sequences[0], sequences[0] + len(sequences))), "no gaps within one day's run"
