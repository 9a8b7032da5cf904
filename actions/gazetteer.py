"""The wards that the city's gazetteer ties to a locality, so the assistant need not ask for them."""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Dict, Optional

import yaml

DEFAULT_GAZETTEER = Path(__file__).resolve().parent.parent / "city" / "gazetteer.yml"


@lru_cache(maxsize=1)
def _wards_by_locality() -> Dict[str, int]:
    path = Path(os.environ.get("CITY_GAZETTEER", DEFAULT_GAZETTEER))
    with path.open(encoding="utf-8") as handle:
        localities = yaml.safe_load(handle)["localities"]
    return {locality["name"]: locality["ward"] for locality in localities if locality.get("ward")}


def ward_of(locality: Optional[str]) -> Optional[int]:
    return _wards_by_locality().get(locality or "")
