"""The city's data files (catalogue, wards and zones, gazetteer, escalation ladder), loaded and validated.

The YAML files under `city/` are the only place where categories, departments, wards, localities and
escalation levels are listed; this module gives them a schema and refuses to start on a broken file.
"""
from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Dict, List, Literal, Optional

import yaml
from pydantic import BaseModel, Field, root_validator, validator

from city import places

LANGUAGES = ("en", "hi", "hinglish")
Language = Literal["en", "hi", "hinglish"]


class Trilingual(BaseModel):
    en: str
    hi: str
    hinglish: str

    def in_language(self, language: str) -> str:
        return getattr(self, language, self.en)


class ListValue(BaseModel):
    key: str
    name: Trilingual


class Attribute(BaseModel):
    code: str
    datatype: Literal["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]
    required: bool = False
    order: int = Field(..., gt=0)
    description: Trilingual
    datatype_description: Optional[str] = None
    values: List[ListValue] = []


class Department(BaseModel):
    code: str
    name: Trilingual


class Group(BaseModel):
    key: str
    intent: str
    name: Trilingual
    menu: Optional[Trilingual] = None
    open_ended: bool = False


class Service(BaseModel):
    service_code: str = Field(..., regex=r"^[A-Z][A-Z0-9_]*$")
    group: str
    department: str
    sla_hours: int = Field(..., gt=0)
    name: Trilingual
    description: Trilingual
    keywords: Dict[str, List[str]]
    attributes: List[Attribute] = []

    @validator("attributes")
    def attribute_orders_are_unique(cls, attributes: List[Attribute]) -> List[Attribute]:
        orders = [attribute.order for attribute in attributes]
        codes = [attribute.code for attribute in attributes]
        if len(set(orders)) != len(orders) or len(set(codes)) != len(codes):
            raise ValueError("attribute codes and orders must be unique within a service")
        return attributes

    def attribute(self, code: str) -> Optional[Attribute]:
        return next((attribute for attribute in self.attributes if attribute.code == code), None)


class Catalogue(BaseModel):
    version: int
    effective_from: str
    departments: List[Department]
    groups: List[Group]
    services: List[Service]

    @root_validator(skip_on_failure=True)
    def references_resolve(cls, values: dict) -> dict:
        departments = {department.code for department in values["departments"]}
        groups = {group.key for group in values["groups"]}
        codes = [service.service_code for service in values["services"]]
        if len(set(codes)) != len(codes):
            raise ValueError("service codes must be unique")
        for service in values["services"]:
            if service.department not in departments:
                raise ValueError(f"{service.service_code}: unknown department {service.department}")
            if service.group not in groups:
                raise ValueError(f"{service.service_code}: unknown group {service.group}")
        return values

    @cached_property
    def services_by_code(self) -> Dict[str, Service]:
        return {service.service_code: service for service in self.services}

    @cached_property
    def departments_by_code(self) -> Dict[str, Department]:
        return {department.code: department for department in self.departments}

    @cached_property
    def groups_by_key(self) -> Dict[str, Group]:
        return {group.key: group for group in self.groups}

    class Config:
        keep_untouched = (cached_property,)


class Zone(BaseModel):
    number: int = Field(..., gt=0)
    name: Trilingual
    office_locality: Optional[str] = None


class ZoneScheme(BaseModel):
    key: str
    description: str
    zones: List[Zone]


class ZoneAssignment(BaseModel):
    scheme: str
    zone: int
    effective_from: str
    source: Optional[str] = None


class Ward(BaseModel):
    number: int = Field(..., ge=1)
    name: Dict[str, Optional[str]] = {}
    zone_assignments: List[ZoneAssignment] = []

    def zone_on(self, scheme: str, day: str) -> Optional[int]:
        """The ward's zone in `scheme` on an ISO day, or None while the city has not said."""
        effective = [a for a in self.zone_assignments if a.scheme == scheme and a.effective_from <= day]
        return max(effective, key=lambda a: a.effective_from).zone if effective else None


class WardMap(BaseModel):
    effective_from: str
    zone_schemes: List[ZoneScheme]
    wards: List[Ward]

    @validator("wards")
    def wards_are_numbered_once(cls, wards: List[Ward]) -> List[Ward]:
        numbers = [ward.number for ward in wards]
        if len(set(numbers)) != len(numbers):
            raise ValueError("ward numbers must be unique")
        return wards

    @property
    def highest_ward(self) -> int:
        return max(ward.number for ward in self.wards)

    def ward(self, number: int) -> Optional[Ward]:
        return next((ward for ward in self.wards if ward.number == number), None)


class Bounds(BaseModel):
    lat_min: float
    lat_max: float
    long_min: float
    long_max: float

    def contains(self, lat: float, long: float) -> bool:
        return self.lat_min <= lat <= self.lat_max and self.long_min <= long <= self.long_max


class Locality(BaseModel):
    name: str
    hi: Optional[str] = None
    variants: List[str] = []
    kind: Optional[str] = None
    pincode: Optional[str] = None
    lat: Optional[float] = None
    long: Optional[float] = None
    ward: Optional[int] = None
    source: Optional[str] = None

    @property
    def spellings(self) -> List[str]:
        return [self.name] + ([self.hi] if self.hi else []) + self.variants


class Gazetteer(BaseModel):
    city: Dict[str, str]
    bounds: Bounds
    localities: List[Locality]

    @cached_property
    def matcher(self) -> places.Gazetteer:
        """city.places' one matching rule over these localities; raises on a spelling that names two."""
        return places.Gazetteer([places.place_from_entry(locality.dict()) for locality in self.localities])

    @cached_property
    def localities_by_name(self) -> Dict[str, Locality]:
        return {locality.name: locality for locality in self.localities}

    def find_locality(self, text: str) -> Optional[Locality]:
        """The gazetteer entry a citizen's spelling of a place names, if any (misspellings allowed)."""
        place = self.matcher.find(text)
        return self.localities_by_name[place.name] if place else None

    def inside_city(self, lat: float, long: float) -> bool:
        return self.bounds.contains(lat, long)

    class Config:
        keep_untouched = (cached_property,)


class EscalationLevel(BaseModel):
    level: int = Field(..., ge=1)
    role: str
    title: Trilingual
    after_overdue_hours: float = Field(..., ge=0)


class EscalationLadder(BaseModel):
    levels: List[EscalationLevel]

    @validator("levels")
    def levels_climb(cls, levels: List[EscalationLevel]) -> List[EscalationLevel]:
        ordered = sorted(levels, key=lambda level: level.level)
        hours = [level.after_overdue_hours for level in ordered]
        if hours != sorted(hours) or [level.level for level in ordered] != list(range(1, len(levels) + 1)):
            raise ValueError("escalation levels must be numbered 1..n with non-decreasing hours")
        return ordered


class CityData(BaseModel):
    catalogue: Catalogue
    ward_map: WardMap
    gazetteer: Gazetteer
    ladder: EscalationLadder

    @root_validator(skip_on_failure=True)
    def localities_are_inside_the_city(cls, values: dict) -> dict:
        gazetteer: Gazetteer = values["gazetteer"]
        _ = gazetteer.matcher  # built here so that ambiguous spellings fail validation
        for locality in gazetteer.localities:
            if locality.lat is not None and locality.long is not None:
                if not gazetteer.inside_city(locality.lat, locality.long):
                    raise ValueError(f"locality {locality.name} lies outside the city bounds")
            if locality.ward is not None and values["ward_map"].ward(locality.ward) is None:
                raise ValueError(f"locality {locality.name} names unknown ward {locality.ward}")
        return values


def _read_yaml(path: Path) -> dict:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def load_city_data(directory: Path) -> CityData:
    """Load and validate every city data file; raises pydantic.ValidationError with the faulty field."""
    return CityData(
        catalogue=Catalogue(**_read_yaml(directory / "catalogue.yml")),
        ward_map=WardMap(**_read_yaml(directory / "wards.yml")),
        gazetteer=Gazetteer(**_read_yaml(directory / "gazetteer.yml")),
        ladder=EscalationLadder(**_read_yaml(directory / "escalation.yml")),
    )
