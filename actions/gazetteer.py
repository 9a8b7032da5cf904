"""What the city's gazetteer settles without asking: the ward of a locality, the locality of a location pin."""
from __future__ import annotations

import math
import os
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import yaml

DEFAULT_GAZETTEER = Path(__file__).resolve().parent.parent / "city" / "gazetteer.yml"
NEAR_ENOUGH_METRES = 800  # the gazetteer's centres are approximate (about ±1 km)


@lru_cache(maxsize=1)
def _localities() -> List[dict]:
    path = Path(os.environ.get("CITY_GAZETTEER", DEFAULT_GAZETTEER))
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)["localities"]


@lru_cache(maxsize=1)
def _wards_by_locality() -> Dict[str, int]:
    return {locality["name"]: locality["ward"] for locality in _localities() if locality.get("ward")}


@lru_cache(maxsize=1)
def _placed_localities() -> List[Tuple[str, float, float]]:
    return [(l["name"], float(l["lat"]), float(l["long"])) for l in _localities()
            if l.get("lat") is not None and l.get("long") is not None]


def _metres(lat1: float, long1: float, lat2: float, long2: float) -> float:
    """Equirectangular distance: exact enough within a city."""
    x = math.radians(long2 - long1) * math.cos(math.radians((lat1 + lat2) / 2))
    return 6_371_000 * math.hypot(x, math.radians(lat2 - lat1))


def locality_near(latitude: float, longitude: float) -> Optional[str]:
    """The gazetteer locality whose centre is nearest a pin, if one is near enough to name the place."""
    nearest = min(_placed_localities(), key=lambda place: _metres(latitude, longitude, place[1], place[2]), default=None)
    if nearest is None or _metres(latitude, longitude, nearest[1], nearest[2]) > NEAR_ENOUGH_METRES:
        return None
    return nearest[0]


def ward_of(locality: Optional[str]) -> Optional[int]:
    return _wards_by_locality().get(locality or "")
