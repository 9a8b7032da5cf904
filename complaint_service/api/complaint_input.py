"""Turning an Open311 create request into a validated NewComplaint, with every problem named at once."""
from __future__ import annotations

import re
from typing import Callable, Dict, List, Optional, TypeVar

from complaint_service.api.errors import Open311Error, bad_request
from complaint_service.api.parameters import (
    MAX_DESCRIPTION,
    Parameters,
    clean_text,
    to_choice,
    to_datetime,
    to_email,
    to_float,
    to_int,
    to_phone,
    to_url,
)
from complaint_service.city_data import LANGUAGES, CityData, Service
from complaint_service.complaints import NewComplaint

Parsed = TypeVar("Parsed")


def parse_new_complaint(parameters: Parameters, city: CityData) -> NewComplaint:
    problems: List[str] = []

    def attempt(parse: Callable[..., Parsed], *args: object) -> Optional[Parsed]:
        try:
            return parse(*args)
        except Open311Error as error:
            problems.extend(error.descriptions)
            return None

    service = attempt(_service, parameters.get("service_code"), city)
    lat = attempt(to_float, "lat", parameters.get("lat"))
    long = attempt(to_float, "long", parameters.get("long"))
    address = attempt(clean_text, "address_string", parameters.get("address_string"), 500)
    address_id = attempt(clean_text, "address_id", parameters.get("address_id"), 100)
    ward = attempt(to_int, "ward", parameters.get("ward"), 1, city.ward_map.highest_ward)
    locality_text = attempt(clean_text, "locality", parameters.get("locality"), 200)
    problems.extend(_location_problems(lat, long, address, address_id, locality_text, parameters, city))

    language = attempt(to_choice, "language", parameters.get("language"), LANGUAGES) or "en"
    description = attempt(clean_text, "description", parameters.get("description"), MAX_DESCRIPTION)
    zipcode = attempt(_zipcode, parameters.get("zipcode"))
    media_url = attempt(to_url, "media_url", parameters.get("media_url"))
    phone = attempt(to_phone, parameters.get("phone"))
    account_id = attempt(clean_text, "account_id", parameters.get("account_id"), 100)
    first_name = attempt(clean_text, "first_name", parameters.get("first_name"), 100)
    last_name = attempt(clean_text, "last_name", parameters.get("last_name"), 100)
    email = attempt(to_email, parameters.get("email"))
    device_id = attempt(clean_text, "device_id", parameters.get("device_id"), 100)
    channel = attempt(clean_text, "channel", parameters.get("channel"), 40)
    attributes = (attempt(_attributes, parameters.attributes(), service) or {}) if service is not None else {}
    if problems or service is None:  # no service is one of the problems
        raise bad_request(*problems)
    new = NewComplaint(
        service=service,
        language=language,
        description=description,
        lat=lat,
        long=long,
        address=address,
        address_id=address_id,
        zipcode=zipcode,
        ward=ward,
        media_url=media_url,
        phone=phone,
        account_id=account_id,
        first_name=first_name,
        last_name=last_name,
        email=email,
        device_id=device_id,
        channel=channel,
        attributes=attributes,
    )
    _settle_locality(new, locality_text, city)
    return new


def _service(code: Optional[str], city: CityData) -> Service:
    if code is None:
        raise bad_request("service_code is required")
    service = city.catalogue.services_by_code.get(code)
    if service is None:
        raise bad_request(f"service_code '{code[:64]}' is not in the catalogue (see /services.json)")
    return service


def _location_problems(
    lat: Optional[float], long: Optional[float], address: Optional[str], address_id: Optional[str],
    locality: Optional[str], parameters: Parameters, city: CityData,
) -> List[str]:
    has_lat, has_long = parameters.get("lat") is not None, parameters.get("long") is not None
    if has_lat != has_long:
        return ["lat and long must be given together"]
    if not (has_lat or address or address_id or locality):
        return ["a location is required: lat and long, address_string, address_id or locality"]
    if lat is not None and long is not None and not city.gazetteer.inside_city(lat, long):
        return [f"lat/long {lat:.5f},{long:.5f} is outside Indore's municipal area"]
    return []


def _zipcode(value: Optional[str]) -> Optional[str]:
    if value is not None and not re.fullmatch(r"[0-9]{6}", value):
        raise bad_request("zipcode must be a six-digit PIN code")
    return value


def _attributes(given: Dict[str, List[str]], service: Service) -> Dict[str, object]:
    problems: List[str] = []
    accepted: Dict[str, object] = {}
    for attribute in service.attributes:
        values = given.get(attribute.code, [])
        if not values:
            if attribute.required:
                problems.append(f"attribute[{attribute.code}] is required for {service.service_code}")
            continue
        try:
            accepted[attribute.code] = _attribute_value(attribute.code, attribute.datatype, values,
                                                        [item.key for item in attribute.values])
        except Open311Error as error:
            problems.extend(error.descriptions)
    if problems:
        raise bad_request(*problems)
    return accepted  # unknown attributes are ignored, as open311-adapter does


def _attribute_value(code: str, datatype: str, values: List[str], keys: List[str]) -> object:
    name = f"attribute[{code}]"
    if datatype == "number":
        return to_float(name, values[-1])
    if datatype == "datetime":
        to_datetime(name, values[-1])
        return values[-1]
    if datatype in ("singlevaluelist", "multivaluelist"):
        unknown = [value for value in values if value not in keys]
        if unknown:
            raise bad_request(f"{name}: '{unknown[0][:40]}' is not one of {', '.join(keys)}")
        return values[-1] if datatype == "singlevaluelist" else values
    return clean_text(name, values[-1], 500 if datatype == "string" else MAX_DESCRIPTION)


def _settle_locality(new: NewComplaint, locality_text: Optional[str], city: CityData) -> None:
    """Canonicalise a known locality; take its ward when the citizen gave none."""
    if locality_text is None:
        return
    known = city.gazetteer.find_locality(locality_text)
    new.locality = known.name if known else locality_text
    if known and new.ward is None and known.ward is not None:
        new.ward = known.ward
