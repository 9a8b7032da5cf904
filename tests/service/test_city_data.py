"""The city's data files load, validate, and refuse to load when broken."""
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from complaint_service.city_data import load_city_data

CITY = Path(__file__).resolve().parents[2] / "city"


@pytest.fixture(scope="module")
def city():
    return load_city_data(CITY)


def test_city_data_covers_85_wards_22_zones_and_every_group(city):
    assert [ward.number for ward in city.ward_map.wards] == list(range(1, 86))
    z22 = next(scheme for scheme in city.ward_map.zone_schemes if scheme.key == "z22")
    assert len(z22.zones) == 22
    intents = [group.intent for group in city.catalogue.groups]
    assert len(intents) == len(set(intents)) >= 12
    assert all(intent.startswith("report_") for intent in intents)
    assert sum(group.open_ended for group in city.catalogue.groups) == 1


def test_every_service_speaks_three_languages(city):
    for service in city.catalogue.services:
        assert all(getattr(service.name, language).strip() for language in ("en", "hi", "hinglish"))
        assert any("\u0900" <= ch <= "\u097f" for ch in service.name.hi), service.service_code
        assert service.name.hinglish.isascii(), service.service_code


@pytest.mark.parametrize("spelling, canonical", [
    ("vijaynagar", "Vijay Nagar"), ("विजय नगर", "Vijay Nagar"), ("Palasiya", "Palasia"),
    ("bhawarkua", "Bhanwarkuan"), ("Scheme No. 54", "Scheme 54"),
])
def test_gazetteer_finds_localities_by_their_spellings(city, spelling, canonical):
    assert city.gazetteer.find_locality(spelling).name == canonical


def test_inside_indore_check(city):
    assert city.gazetteer.inside_city(22.7196, 75.8577)
    assert not city.gazetteer.inside_city(23.2599, 77.4126)  # Bhopal


def _broken_copy(tmp_path: Path, file_name: str, breaking) -> Path:
    for source in CITY.glob("*.yml"):
        (tmp_path / source.name).write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    document = yaml.safe_load((tmp_path / file_name).read_text(encoding="utf-8"))
    breaking(document)
    (tmp_path / file_name).write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("file_name, breaking", [
    ("catalogue.yml", lambda d: d["services"][0].update(department="NOWHERE")),
    ("catalogue.yml", lambda d: d["services"].append(dict(d["services"][0]))),
    ("catalogue.yml", lambda d: d["services"][0]["name"].pop("hi")),
    ("gazetteer.yml", lambda d: d["localities"][0].update(lat=28.61, long=77.20)),
    ("escalation.yml", lambda d: d["levels"][1].update(after_overdue_hours=10_000)),
])
def test_broken_city_data_is_refused_at_start(tmp_path, file_name, breaking):
    with pytest.raises(ValidationError):
        load_city_data(_broken_copy(tmp_path, file_name, breaking))
