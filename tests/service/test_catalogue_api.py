from tests.service.open311_schemas import (
    DISCOVERY,
    SERVICE_DEFINITION,
    SERVICES,
    assert_matches,
    assert_open311_error,
)


def test_discovery_document_names_the_georeport_v2_endpoint(service):
    response = service.get("/discovery.json")

    assert response.status_code == 200
    document = response.json()
    assert_matches(document, DISCOVERY)
    assert document["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert "application/json" in document["endpoints"][0]["formats"]


def test_service_list_covers_every_complaint_group_with_trilingual_keywords(service):
    response = service.get("/services.json")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    services = response.json()
    assert_matches(services, SERVICES)
    groups = {entry["group"] for entry in services}
    assert {"garbage", "dead_animal", "toilets", "drainage", "water", "roads", "streetlight", "animals",
            "mosquito", "trees_parks", "encroachment", "other"} <= groups
    garbage = next(entry for entry in services if entry["service_code"] == "GARBAGE_DUMP")
    assert any("\u0900" <= ch <= "\u097f" for ch in garbage["keywords"]), "Devanagari keywords expected"
    assert garbage["metadata"] is True


def test_service_names_follow_the_requested_language(service):
    english = {s["service_code"]: s["service_name"] for s in service.get("/services.json").json()}
    hindi = {s["service_code"]: s["service_name"] for s in service.get("/services.json", lang="hi").json()}

    assert english.keys() == hindi.keys()
    assert all(any("\u0900" <= ch <= "\u097f" for ch in name) for name in hindi.values())
    assert english["SEWER_OVERFLOW"] != hindi["SEWER_OVERFLOW"]


def test_service_definition_lists_ordered_attributes(service):
    response = service.get("/services/DEAD_ANIMAL.json")

    assert response.status_code == 200
    definition = response.json()
    assert_matches(definition, SERVICE_DEFINITION)
    orders = [attribute["order"] for attribute in definition["attributes"]]
    assert orders == sorted(orders) and len(set(orders)) == len(orders)
    animal = next(a for a in definition["attributes"] if a["code"] == "animal_type")
    assert animal["datatype"] == "singlevaluelist" and {v["key"] for v in animal["values"]} >= {"dog", "cow"}


def test_unknown_service_code_is_404_in_open311_error_shape(service):
    descriptions = assert_open311_error(service.get("/services/NO_SUCH_THING.json"), 404)
    assert "NO_SUCH_THING" in descriptions[0]


def test_unknown_jurisdiction_is_404(service):
    assert_open311_error(service.get("/services.json", jurisdiction_id="bhopal.example"), 404)


def test_empty_optional_parameter_behaves_as_absent(service):
    assert service.get("/services.json", jurisdiction_id="").json() == service.get("/services.json").json()


def test_unknown_path_and_unsupported_format_are_404_errors(service):
    assert_open311_error(service.get("/services.csv"), 404)
    assert_open311_error(service.get("/nothing-here"), 404)


def test_tokens_are_never_issued_by_this_realtime_service(service):
    assert_open311_error(service.get("/tokens/abc123.json"), 404)


def test_openapi_document_is_served(service):
    document = service.get("/openapi.json").json()
    assert "/requests.json" in document["paths"]
    assert "post" in document["paths"]["/requests.json"]
