"""How a place written in a message is read: listed, misspelt, or unlisted but name-shaped."""
from typing import Optional

import pytest

from city.places import Gazetteer, Place, gazetteer


def _place(name: str, hi: Optional[str] = None, variants=(), ward=None, lat=None, long=None) -> Place:
    return Place(name=name, hi=hi, variants=tuple(variants), kind="colony", ward=ward, lat=lat, long=long,
                 pincode=None, source="test")


@pytest.fixture(scope="module")
def city() -> Gazetteer:
    return gazetteer()


def _found(city: Gazetteer, text: str):
    return [(mention.name, mention.how) for mention in city.mentions(text)]


@pytest.mark.parametrize("text, name", [
    ("garbage in Vijay Ngr since monday", "Vijay Nagar"),
    ("विजयनगर में कचरा", "Vijay Nagar"),
    ("bhawarkua pe light band", "Bhanwarkuan"),
    ("scheme no. 54 me paani nahi", "Scheme 54"),
    ("स्कीम नं. 54 में नाली जाम", "Scheme 54"),
])
def test_a_listed_spelling_in_either_script_gives_the_gazetteer_name(city, text, name):
    assert _found(city, text) == [(name, "listed")]


@pytest.mark.parametrize("text, name", [("kachra khajranaa ke paas", "Khajrana"),
                                        ("bhawarkuwa pe light band", "Bhanwarkuan")])
def test_a_misspelt_place_is_corrected_to_the_gazetteer_name(city, text, name):
    assert [found[0] for found in _found(city, text)] == [name]


def test_a_numbered_place_is_never_corrected_to_a_neighbouring_number():
    city = Gazetteer([_place("Scheme 74", "स्कीम 74"), _place("Sudama Nagar", "सुदामा नगर")])
    assert _found(city, "scheme no 71 me nali jam") == [("Scheme 71", "unlisted")]
    assert _found(city, "स्कीम नं. 74 में") == [("Scheme 74", "listed")]
    assert _found(city, "सेक्टर C सुदामा नगर") == [("Sector C", "unlisted"), ("Sudama Nagar", "listed")]


@pytest.mark.parametrize("text, written", [
    ("the road near Zzyzx Nagar is broken", "Zzyzx Nagar"),
    ("hamare qwerty colony me andhera", "Qwerty Colony"),
    ("kachra near Qwerty Ram Nagar", "Qwerty Ram Nagar"),
    ("मेरे घर के पास क्वर्टी नगर में कचरा", "क्वर्टी नगर"),
    ("zzyzxpura mein nali band", "Zzyzxpura"),
])
def test_a_name_shaped_place_the_gazetteer_lacks_is_kept_as_written(city, text, written):
    assert _found(city, text) == [(written, "unlisted")]


@pytest.mark.parametrize("text", [
    "pura din pani nahi aaya", "puri gali me andhera hai", "nagar nigam wale kab aayenge",
    "क्या नगर निगम सो रहा है", "light gir chuka hai", "thanks, complaint number IMC-261204-00042",
    "my complaint is still open", "please send someone today",
])
def test_everyday_words_are_not_places(city, text):
    assert _found(city, text) == []


def test_a_listed_place_inside_a_longer_capitalised_phrase_wins(city):
    assert _found(city, "Garbage Vijay Nagar") == [("Vijay Nagar", "listed")]


def test_a_pin_resolves_to_the_nearest_place_only_when_near_enough():
    city = Gazetteer([_place("Near", lat=22.7000, long=75.8500, ward=12), _place("Far", lat=22.8000, long=75.9500)])
    near = city.nearest(22.7010, 75.8505)
    assert near is not None and near.name == "Near"
    assert city.nearest(22.6500, 75.7800) is None
    assert city.ward_of("Near") == 12 and city.ward_of("Far") is None and city.ward_of(None) is None


def test_one_spelling_for_two_places_is_refused():
    with pytest.raises(ValueError, match="names both"):
        Gazetteer([_place("Ram Nagar", variants=["RN Colony"]), _place("Rani Nagar", variants=["R.N. Colony"])])


def test_the_311_service_reads_places_by_the_same_rule(city):
    from pathlib import Path

    from complaint_service.city_data import load_city_data

    service_city = load_city_data(Path(__file__).resolve().parents[2] / "city")
    for spelling in ["vijay ngr", "विजयनगर", "bhawarkuwa", "Scheme No 54"]:
        found = service_city.gazetteer.find_locality(spelling)
        assert found is not None and found.name == city.find(spelling).name


def test_the_gazetteer_is_city_scale_with_both_scripts_and_a_source_for_every_place(city):
    assert len(city.places) >= 500
    for place in city.places:
        assert place.hi and any("\u0900" <= ch <= "\u097f" for ch in place.hi), place.name
        assert place.source, place.name
        assert (place.lat is None) == (place.long is None), place.name


def test_a_spot_named_after_its_area_is_reported_as_the_area():
    city = Gazetteer([_place("Navlakha"), Place("Navlakha Bus Stand", None, ("Navlakha Stand",), "landmark", None, None,
                                                None, None, "test"), _place("Navlakha Extension")])
    assert _found(city, "navlakha bus stand ke paas kachra") == [("Navlakha", "listed")]
    assert _found(city, "navlakha extension me kachra") == [("Navlakha Extension", "listed")]
