"""GeoReport v2 in XML, called the way FixMyStreet's Open311 client calls it, read with a real XML parser.

Element names and nesting are checked against the spec's own XML examples (wiki.open311.org/GeoReport_v2 and
mySociety's servicerequestupdates); the JSON answers of the same calls are the reference for the values.
"""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pytest

from complaint_service.clock import to_w3c
from tests.service.open311_xml_client import FixMyStreetStyleClient

# Child elements of each entry in the spec's XML examples (optional ones included, as this service writes them).
SPEC_SERVICE = {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
SPEC_ATTRIBUTE = {"variable", "code", "datatype", "required", "datatype_description", "order", "description"}
SPEC_CREATED = {"service_request_id", "service_notice", "account_id"}
SPEC_REQUEST = {"service_request_id", "status", "status_notes", "service_name", "service_code", "description",
                "agency_responsible", "service_notice", "requested_datetime", "updated_datetime",
                "expected_datetime", "address", "address_id", "zipcode", "lat", "long", "media_url"}
MYSOCIETY_UPDATE = {"update_id", "service_request_id", "status", "updated_datetime", "description", "media_url",
                    "external_status_code"}
SPEC_DISCOVERY = {"changeset", "contact", "key_service", "endpoints"}
SPEC_ENDPOINT = {"specification", "url", "changeset", "type", "formats"}

# What FixMyStreet sends for a report (Open311.pm's _populate_service_request_params), at Rajwada.
FIXMYSTREET_REPORT = {
    "service_code": "GARBAGE_DUMP",
    "description": "Kachra pada hai\n\nRajwada ke peeche 3 din se kachre ka dher\n\nhttps://fms.example/report/17\n",
    "first_name": "Asha",
    "last_name": "Verma",
    "email": "asha@example.org",
    "phone": "+919826012345",
    "lat": "22.718",
    "long": "75.8553",
    "media_url": "https://fms.example/photo/17.full.jpeg",
    "attribute[landmark]": "Rajwada ke peeche",
}


@pytest.fixture
def fixmystreet(service) -> FixMyStreetStyleClient:
    jurisdiction = service.environment.get("SERVICE311_JURISDICTION_ID", "imcindore.mp.gov.in")
    return FixMyStreetStyleClient(service.base_url, jurisdiction, service.api_key)


def test_service_list_has_the_spec_elements_for_every_service(service, fixmystreet):
    answer = fixmystreet.get_service_list()

    assert answer.status_code == 200 and answer.content_type == "text/xml; charset=utf-8"
    assert answer.root.tag == "services"
    listed = answer.entries("service")
    by_json = {entry["service_code"]: entry for entry in service.get("/services.json").json()}
    assert [entry["service_code"] for entry in listed] == list(by_json)
    for entry in listed:
        assert SPEC_SERVICE <= entry.keys()
        assert entry["metadata"] == ("true" if by_json[entry["service_code"]]["metadata"] else "false")
        assert entry["type"] == "realtime"
        assert entry["keywords"] == by_json[entry["service_code"]]["keywords"]


def test_service_definition_nests_attributes_and_their_values(service, fixmystreet):
    answer = fixmystreet.get_service_meta_info("DEAD_ANIMAL")

    assert answer.status_code == 200 and answer.root.tag == "service_definition"
    assert answer.root.findtext("service_code") == "DEAD_ANIMAL"
    attributes = answer.root.findall("attributes/attribute")
    expected = service.get("/services/DEAD_ANIMAL.json").json()["attributes"]
    assert [a.findtext("code") for a in attributes] == [a["code"] for a in expected]
    for element, reference in zip(attributes, expected, strict=True):
        assert SPEC_ATTRIBUTE <= {child.tag for child in element}
        assert element.findtext("required") == ("true" if reference["required"] else "false")
        assert [(v.findtext("key"), v.findtext("name")) for v in element.findall("values/value")] == \
            [(v["key"], v["name"]) for v in reference["values"]]
    animal = next(a for a in attributes if a.findtext("code") == "animal_type")
    assert {"dog", "cow"} <= {v.findtext("key") for v in animal.findall("values/value")}


def test_a_fixmystreet_report_is_stored_and_routed_like_any_other(service, fixmystreet):
    answer = fixmystreet.send_service_request(FIXMYSTREET_REPORT)

    assert answer.status_code == 200, answer.root
    assert answer.root.tag == "service_requests"
    created = answer.entries("request")
    assert len(created) == 1 and SPEC_CREATED <= created[0].keys()
    tracking = created[0]["service_request_id"]
    assert tracking and tracking.startswith("IMC-")

    stored = service.get(f"/requests/{tracking}.json").json()[0]
    same_by_json = service.get(f"/requests/{service.filed(**FIXMYSTREET_REPORT)}.json").json()[0]
    for routed in ("service_code", "department", "agency_responsible", "zone", "ward", "locality", "status"):
        assert stored[routed] == same_by_json[routed], routed
    assert stored["description"] == FIXMYSTREET_REPORT["description"].strip()
    assert stored["attributes"] == {"landmark": "Rajwada ke peeche"}
    assert stored["media_url"] == FIXMYSTREET_REPORT["media_url"]
    assert "9826012345" not in str(stored) and "asha@example.org" not in str(stored)


def test_requests_by_id_come_back_as_spec_request_elements(service, fixmystreet):
    first = service.filed(description="नाली चोक है, पानी सड़क पर")
    second = service.filed(service_code="DEAD_ANIMAL", **{"attribute[animal_type]": "dog"})

    answer = fixmystreet.get_service_requests([first, second])

    assert answer.status_code == 200 and answer.root.tag == "service_requests"
    found = {entry["service_request_id"]: entry for entry in answer.entries("request")}
    assert found.keys() == {first, second}
    assert all(SPEC_REQUEST <= entry.keys() for entry in found.values())
    assert found[first]["description"] == "नाली चोक है, पानी सड़क पर"
    assert found[first]["status"] == "open"
    attribute = answer.root.find(f"request[service_request_id='{second}']/attributes/attribute")
    assert attribute is not None and (attribute.findtext("code"), attribute.findtext("value")) == ("animal_type", "dog")


def test_the_updates_feed_shows_every_status_change_once(service, fixmystreet):
    before = datetime.now(timezone.utc) - timedelta(seconds=2)
    tracking = service.filed()
    assert service.staff_update(tracking, "in_progress", description="gaadi bhej di").status_code == 200
    time.sleep(1.1)  # the feed's datetimes have whole seconds: keep the two changes in different seconds
    between = datetime.now(timezone.utc)
    time.sleep(1.1)
    assert service.staff_update(tracking, "FIXED", description="saaf ho gaya",
                                media_url="https://imc.example/after.jpg").status_code == 200
    after = datetime.now(timezone.utc) + timedelta(seconds=2)

    whole = fixmystreet.get_service_request_updates(to_w3c(before), to_w3c(after))
    earlier = fixmystreet.get_service_request_updates(to_w3c(before), to_w3c(between))
    later = fixmystreet.get_service_request_updates(to_w3c(between), to_w3c(after))

    assert whole.status_code == 200 and whole.root.tag == "service_requests_updates"
    mine = [entry for entry in whole.entries("request_update") if entry["service_request_id"] == tracking]
    assert all(MYSOCIETY_UPDATE <= entry.keys() for entry in mine)
    assert [(entry["status"], entry["external_status_code"], entry["description"]) for entry in mine] == [
        ("open", "submitted", None), ("open", "in_progress", "gaadi bhej di"), ("closed", "resolved", "saaf ho gaya")]
    assert mine[-1]["media_url"] == "https://imc.example/after.jpg"
    assert len({entry["update_id"] for entry in mine}) == 3
    split = [entry["update_id"] for answer in (earlier, later) for entry in answer.entries("request_update")
             if entry["service_request_id"] == tracking]
    assert sorted(split) == sorted(entry["update_id"] for entry in mine), "each change in exactly one window"


def test_a_staff_update_posted_in_xml_answers_its_update_id(service, fixmystreet):
    tracking = service.filed()

    answer = fixmystreet.get("servicerequestupdates.xml")  # a GET first: keyless, as FixMyStreet polls
    assert answer.status_code == 200
    posted = service.staff_update(tracking, "assigned", update_id="fms-comment-42")
    xml_posted = FixMyStreetStyleClient(service.base_url, fixmystreet.jurisdiction, service.staff_key) \
        ._post("servicerequestupdates.xml", {"service_request_id": tracking, "update_id": "fms-comment-43",
                                             "status": "IN_PROGRESS", "updated_datetime": "2026-11-28T10:00:00+05:30",
                                             "description": "team on site"})

    assert posted.status_code == 200
    assert xml_posted.status_code == 200
    assert xml_posted.root.findtext("request_update/update_id") == "fms-comment-43"


def test_discovery_in_xml_lists_both_formats(fixmystreet):
    answer = fixmystreet.get("discovery.xml")

    assert answer.status_code == 200 and answer.root.tag == "discovery"
    assert SPEC_DISCOVERY <= {child.tag for child in answer.root}
    endpoint = answer.root.find("endpoints/endpoint")
    assert endpoint is not None and SPEC_ENDPOINT <= {child.tag for child in endpoint}
    assert endpoint.findtext("specification") == "http://wiki.open311.org/GeoReport_v2"
    assert {f.text for f in endpoint.findall("formats/format")} == {"text/xml", "application/json"}


def test_a_wrong_api_key_is_a_403_open311_xml_error_and_files_nothing(service, fixmystreet):
    before = service.scalar("SELECT count(*) FROM complaints")
    stranger = FixMyStreetStyleClient(service.base_url, fixmystreet.jurisdiction, "not-the-key")

    answer = stranger.send_service_request(FIXMYSTREET_REPORT)

    assert answer.status_code == 403 and answer.content_type == "text/xml; charset=utf-8"
    assert answer.errors()[0]["code"] == "403" and answer.errors()[0]["description"]
    assert service.scalar("SELECT count(*) FROM complaints") == before


@pytest.mark.parametrize("call, status, mentions", [
    (lambda client: client.send_service_request({"description": "no code"}), 400, "service_code"),
    (lambda client: client.send_service_request({**FIXMYSTREET_REPORT, "lat": "north"}), 400, "lat"),
    (lambda client: client.get_service_meta_info("NO_SUCH_THING"), 404, "NO_SUCH_THING"),
    (lambda client: client.get("requests/IMC-990101-99999.xml"), 404, "IMC-990101-99999"),
    (lambda client: client.get("tokens/abc123.xml"), 404, "abc123"),
    (lambda client: client.get("nothing-here.xml"), 404, "no such resource"),
    (lambda client: client.get_service_request_updates("2026-01-01T00:00:00", "2026-01-02T00:00:00+05:30"),
     400, "start_date"),
])
def test_bad_calls_come_back_as_open311_xml_errors(fixmystreet, call, status, mentions):
    answer = call(fixmystreet)

    assert answer.status_code == status
    errors = answer.errors()
    assert errors and all(error["code"] == str(status) for error in errors)
    assert any(mentions in (error["description"] or "") for error in errors), errors


def test_an_unknown_jurisdiction_is_a_404_xml_error(service):
    elsewhere = FixMyStreetStyleClient(service.base_url, "bhopal.example", service.api_key)

    answer = elsewhere.get_service_list()

    assert answer.status_code == 404 and "bhopal.example" in (answer.errors()[0]["description"] or "")


def test_markup_in_a_citizens_words_is_text_in_the_xml(service, fixmystreet):
    words = 'kachra <b>bahut</b> & "gandagi" ]]> <![CDATA[x]]> <?php ?> नाली'
    tracking = service.filed(description=words)

    answer = fixmystreet.get_service_requests([tracking])

    assert answer.status_code == 200
    assert answer.root.findtext("request/description") == words
    assert answer.root.find("request/description/b") is None
