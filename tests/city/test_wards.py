"""The ward range is a fact of city/wards.yml, and every reader takes it from there."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from city.wards import WARDS_FILE, WardRange, ward_range


def test_the_range_is_read_from_the_wards_file() -> None:
    numbers = [ward["number"] for ward in yaml.safe_load(WARDS_FILE.read_text(encoding="utf-8"))["wards"]]

    assert ward_range() == WardRange(min(numbers), max(numbers)) == WardRange(1, 85)


def test_a_new_delimitation_is_a_data_change(tmp_path: Path) -> None:
    wards = tmp_path / "wards.yml"
    wards.write_text(yaml.safe_dump({"wards": [{"number": n} for n in range(1, 91)]}), encoding="utf-8")

    assert ward_range(wards) == WardRange(1, 90)


@pytest.mark.parametrize("numbers", [[1, 2, 4], [1, 2, 2, 3], []])
def test_a_gap_or_a_repeat_in_the_numbering_is_refused(tmp_path: Path, numbers: list) -> None:
    wards = tmp_path / "wards.yml"
    wards.write_text(yaml.safe_dump({"wards": [{"number": n} for n in numbers]}), encoding="utf-8")

    with pytest.raises(ValueError, match="without gaps"):
        ward_range(wards)


def test_membership_is_for_whole_numbers_only() -> None:
    assert 1 in ward_range() and 85 in ward_range()
    assert 0 not in ward_range() and 86 not in ward_range()
    assert "12" not in ward_range() and True not in ward_range()


def test_the_extractor_takes_wards_inside_the_range_only() -> None:
    from nlu_components.civic_entity_extractor import CivicEntityExtractor

    extractor = CivicEntityExtractor()

    assert [e["value"] for e in extractor.extract("ward 85 aur ward 86, वार्ड ४५")] == ["85", "45"]


def test_the_service_describes_the_same_range() -> None:
    from complaint_service.api.openapi_forms import form_body

    schema = form_body("create")["requestBody"]["content"]["application/json"]["schema"]

    assert (schema["properties"]["ward"]["minimum"], schema["properties"]["ward"]["maximum"]) == (1, ward_range().last)
