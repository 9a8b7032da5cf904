"""Complaint tracking numbers: the one definition of IMC-YYMMDD-NNNNN, and finding them as people write them.

YYMMDD is the complaint's creation day in Indian time and NNNNN that day's sequence. Citizens and officers
write the number in many ways: "imc 261204 42", "IMC/261204/42", "आईएमसी-२६१२०४-४२", or with the prefix
left off ("261204-00042"). Every part of the project (the NLU extractor, the officer commands, the actions
and the 311 service) reads numbers through this module, so they all accept the same forms.

Without the prefix a number is taken only when the shape cannot be something else: six digits that are a
real creation day (not before FIRST_DAY, not in the future) + one separator + 1-5 digits, and not part of a
longer run of digits, a date like 12/03/2026 or an amount in rupees.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import List, Optional

PREFIX = "IMC"
SEQUENCE_DIGITS = 5
DAILY_CAPACITY = 10 ** SEQUENCE_DIGITS - 1
CANONICAL_PATTERN = rf"{PREFIX}-\d{{6}}-\d{{{SEQUENCE_DIGITS}}}"
CANONICAL = re.compile(rf"^{CANONICAL_PATTERN}$")
# The first day numbers in this format were handed out could be; a bare six-digit run before it is not one.
FIRST_DAY = date(2024, 1, 1)

_INDIA = timezone(timedelta(hours=5, minutes=30))
_DIGIT = "[0-9०-९]"
_WORD_CHAR = r"[^\W_]|[\u0900-\u097F]"  # letters, digits and Devanagari vowel signs (which \w misses)
_NOT_AFTER_WORD = r"(?<![^\W_])(?<![\u0900-\u097F])"
_NOT_BEFORE_WORD = rf"(?!{_WORD_CHAR})"
_GAP = r"[^\S\r\n]"  # a space or tab, never a line break: numbers do not run across lines
_SEPARATOR = rf"(?:{_GAP}*[-/._]{_GAP}*|{_GAP}+)"
# "IMC", "imc", "I.M.C.", "i m c", "आईएमसी", "आई एम सी", "आई.एम.सी."
_ROMAN_PREFIX = rf"i\.?{_GAP}?m\.?{_GAP}?c\.?"
_DEVANAGARI_PREFIX = rf"आ[ईइ]\.?{_GAP}?एम\.?{_GAP}?सी\.?"

_WITH_PREFIX = re.compile(
    rf"{_NOT_AFTER_WORD}(?:{_ROMAN_PREFIX}|{_DEVANAGARI_PREFIX}){_SEPARATOR}?"
    rf"(?P<day>{_DIGIT}{{6}}){_SEPARATOR}?0*(?P<sequence>{_DIGIT}{{1,{SEQUENCE_DIGITS}}}){_NOT_BEFORE_WORD}",
    re.IGNORECASE,
)
_WITHOUT_PREFIX = re.compile(
    rf"{_NOT_AFTER_WORD}(?<!{_DIGIT}[-/._])"
    rf"(?P<day>{_DIGIT}{{6}}){_SEPARATOR}0*(?P<sequence>{_DIGIT}{{1,{SEQUENCE_DIGITS}}})"
    rf"{_NOT_BEFORE_WORD}(?![-/.,:_]{_DIGIT})",
)
_MONEY_BEFORE = re.compile(r"(?:₹|\brs\.?|\binr|\brupees?|रु\.?|रुपये|रुपए)\s*$", re.IGNORECASE)
_MONEY_AFTER = re.compile(r"^\s*(?:₹|rs\b|inr\b|rupees?\b|रु|रुपये|रुपए|/-)", re.IGNORECASE)


@dataclass(frozen=True)
class TrackingNumberMention:
    """A tracking number found in a text: where it was written, and its canonical value."""

    start: int
    end: int
    value: str


def canonical(day: str, sequence: int) -> str:
    """The tracking number of a creation day (YYMMDD) and that day's sequence number."""
    return f"{PREFIX}-{day}-{sequence:0{SEQUENCE_DIGITS}d}"


def find_all(text: str, today: Optional[date] = None) -> List[TrackingNumberMention]:
    """Every tracking number in `text`, in order, with its span in `text` and its canonical value.

    `today` (Indian date by default) bounds the creation day of a number written without the prefix.
    """
    today = today or datetime.now(_INDIA).date()
    found = [mention for mention in map(_mention, _WITH_PREFIX.finditer(text)) if mention is not None]
    for match in _WITHOUT_PREFIX.finditer(text):
        mention = _mention(match)
        if mention is None or any(mention.start < taken.end and taken.start < mention.end for taken in found):
            continue
        if _is_creation_day(_ascii(match.group("day")), today) and not _looks_like_money(text, match):
            found.append(mention)
    return sorted(found, key=lambda mention: mention.start)


def normalise(text: str, today: Optional[date] = None) -> Optional[str]:
    """The canonical number when the whole of `text` is one tracking number in any written form, else None."""
    stripped = text.strip().rstrip("?!।.,")
    mentions = find_all(stripped, today)
    if len(mentions) == 1 and (mentions[0].start, mentions[0].end) == (0, len(stripped)):
        return mentions[0].value
    return None


def _mention(match: re.Match[str]) -> Optional[TrackingNumberMention]:
    sequence = int(_ascii(match.group("sequence")))
    if sequence == 0:
        return None
    return TrackingNumberMention(match.start(), match.end(), canonical(_ascii(match.group("day")), sequence))


def _ascii(digits: str) -> str:
    return "".join(str(unicodedata.digit(ch)) for ch in digits)


def _is_creation_day(yymmdd: str, today: date) -> bool:
    try:
        day = date(2000 + int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:]))
    except ValueError:
        return False
    # One day of slack: a sender's clock or time zone may already be on the next day.
    return FIRST_DAY <= day <= today + timedelta(days=1)


def _looks_like_money(text: str, match: re.Match[str]) -> bool:
    return bool(_MONEY_BEFORE.search(text[: match.start()]) or _MONEY_AFTER.match(text[match.end():]))
