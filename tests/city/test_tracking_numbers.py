"""Tracking numbers in every form people write them, and the look-alikes that must stay what they are."""
from __future__ import annotations

from datetime import date

import pytest

from city.tracking_numbers import CANONICAL, canonical, find_all, normalise

TODAY = date(2026, 12, 6)


@pytest.mark.parametrize("written", [
    "IMC-261204-00042",
    "imc-261204-00042",
    "Imc 261204 42",
    "IMC/261204/42",
    "imc/261204/00042",
    "IMC.261204.42",
    "IMC_261204_42",
    "IMC26120400042",
    "imc261204 42",
    "IMC - 261204 - 42",
    "I.M.C. 261204 42",
    "IMC-261204-000042",
    "IMC-२६१२०४-०००४२",
    "imc २६१२०४ ४२",
    "आईएमसी-२६१२०४-४२",
    "आई एम सी २६१२०४ ४२",
    "आई.एम.सी. 261204/42",
    "261204-00042",
    "261204/42",
    "261204 42",
    "261204.42",
    "२६१२०४/४२",
])
def test_every_written_form_reads_as_the_canonical_number(written: str) -> None:
    assert normalise(written, TODAY) == "IMC-261204-00042"
    assert [mention.value for mention in find_all(f"status of {written} please", TODAY)] == ["IMC-261204-00042"]


def test_a_mention_spans_exactly_what_was_written() -> None:
    text = "मेरी शिकायत आईएमसी-२६१२०४-४२ का क्या हुआ"

    [mention] = find_all(text, TODAY)

    assert text[mention.start:mention.end] == "आईएमसी-२६१२०४-४२"


def test_two_numbers_in_one_message_are_both_found_in_order() -> None:
    found = find_all("imc 261201 7 aur 261203/15 dono ka status", TODAY)

    assert [mention.value for mention in found] == ["IMC-261201-00007", "IMC-261203-00015"]


@pytest.mark.parametrize("text", [
    "call me on 9876543210",
    "mera number 98765 43210 hai",
    "+91-98765-43210",
    "987654 3210",
    "landline 0731-251234 5",
    "pincode 452001",
    "452001 Indore",
    "on 12/03/2026 the drain overflowed",
    "since 2026-12-03",
    "03.12.2026 se",
    "paid Rs 251010.50",
    "₹ 251010/50 bill",
    "251010.50 rupees",
    "20261204-42",
    "261204-42-7",
    "261204/42/2026",
    "261204 10:30 baje",
    "991231-5",
    "231231-5",
    "261304-5",
    "IMC-261204-00000",
    "IMC-261204-123456",
    "261204\n42",
])
def test_look_alikes_are_not_tracking_numbers(text: str) -> None:
    assert find_all(text, TODAY) == []


def test_a_bare_number_from_the_future_is_not_one_but_a_prefixed_one_is_read() -> None:
    assert normalise("270101-5", TODAY) is None
    assert normalise("IMC 270101 5", TODAY) == "IMC-270101-00005"


def test_normalise_wants_the_whole_answer_to_be_one_number() -> None:
    assert normalise("  imc 261204 42 ", TODAY) == "IMC-261204-00042"
    assert normalise("IMC-261204-42?", TODAY) == "IMC-261204-00042"
    assert normalise("status of IMC-261204-42", TODAY) is None
    assert normalise("IMC-261204-42 IMC-261204-43", TODAY) is None
    assert normalise("", TODAY) is None


def test_canonical_numbers_match_the_one_pattern() -> None:
    assert CANONICAL.match(canonical("261204", 42))
    assert canonical("261204", 99_999) == "IMC-261204-99999"


def test_the_service_reads_numbers_by_the_same_rule() -> None:
    from complaint_service import tracking_number

    assert tracking_number.normalise("imc/251204/42") == "IMC-251204-00042"
    assert tracking_number.CANONICAL is CANONICAL


def test_the_nlu_extractor_finds_slashed_and_devanagari_numbers() -> None:
    from nlu_components.civic_entity_extractor import CivicEntityExtractor

    extractor = CivicEntityExtractor()
    found = extractor.extract("imc/251204/42 aur २५१२०५-७ ka status, ward 12")

    assert [(e["entity"], e["value"]) for e in found] == [
        ("complaint_id", "IMC-251204-00042"), ("complaint_id", "IMC-251205-00007"), ("ward", "12")]


@pytest.mark.parametrize("command", ["done imc/261204/42", "done IMC-261204-00042", "हो गया आईएमसी-२६१२०४-४२",
                                     "DONE imc 261204 42"])
def test_the_officer_command_accepts_any_written_form(command: str) -> None:
    from nlu_components.officer_command import parse_officer_command

    parsed = parse_officer_command(command)

    assert parsed is not None
    assert (parsed.status, parsed.tracking_number, parsed.note) == ("resolved", "IMC-261204-00042", None)


def test_the_officer_command_keeps_the_assignee_and_note_after_a_short_number() -> None:
    from nlu_components.officer_command import parse_officer_command

    assigned = parse_officer_command("assign imc/261204/42 to Ramesh")
    started = parse_officer_command("start IMC 261204 7, team on the way")

    assert assigned is not None and (assigned.tracking_number, assigned.assignee) == ("IMC-261204-00042", "Ramesh")
    assert started is not None and (started.tracking_number, started.note) == ("IMC-261204-00007", "team on the way")


def test_every_complaint_number_the_trainers_annotated_reads_as_one_number() -> None:
    import re

    from tests.processes import PROJECT_ROOT

    annotated = re.compile(r"\[([^\]]+)\]\(complaint_id\)")
    training, tests = PROJECT_ROOT / "data" / "nlu", PROJECT_ROOT / "tests" / "nlu"
    files = sorted(training.glob("*.yml")) + sorted(tests.glob("*.yml"))
    written = [match.group(1) for path in files for match in annotated.finditer(path.read_text(encoding="utf-8"))]

    assert written
    assert [number for number in written if normalise(number) is None] == []
