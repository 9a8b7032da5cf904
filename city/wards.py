"""Indore's ward numbers, read from city/wards.yml: the one place that says how many wards there are.

The NLU extractor, the complaint form and the 311 service's API description all ask this module, so a
new delimitation (say, 85 wards becoming 90) is a change to the data file alone.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

WARDS_FILE = Path(__file__).resolve().with_name("wards.yml")


@dataclass(frozen=True)
class WardRange:
    """Wards are numbered without gaps from `first` to `last`."""

    first: int
    last: int

    def __contains__(self, number: object) -> bool:
        return isinstance(number, int) and not isinstance(number, bool) and self.first <= number <= self.last


@cache
def ward_range(path: Path = WARDS_FILE) -> WardRange:
    """The range of ward numbers in the wards file; raises ValueError when the numbering has a gap or a repeat."""
    with Path(path).open(encoding="utf-8") as handle:
        numbers = sorted(int(ward["number"]) for ward in yaml.safe_load(handle)["wards"])
    if not numbers or numbers != list(range(numbers[0], numbers[0] + len(numbers))):
        raise ValueError(f"{path}: wards must be numbered once each, without gaps")
    return WardRange(numbers[0], numbers[-1])
