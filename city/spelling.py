"""Script-neutral spelling keys: कचरा, kachra and kachara meet, so do विजय नगर, Vijay Ngr and vijaynagar.

Devanagari is transliterated to Roman (ITRANS), both scripts are lower-cased, common spelling swaps folded,
repeated letters collapsed, and every non-initial `a` dropped (the short vowel is what Hinglish writers add,
drop or double most freely). The NLU tokenizer and the gazetteer use the same key, so a place matches the
way a word does.
"""
from __future__ import annotations

import unicodedata

import regex
from indic_transliteration import sanscript

DEVANAGARI_LETTER = regex.compile(r"[\u0900-\u0963\u0971-\u097F]")
_ITRANS_MARKS = str.maketrans({".": "", "~": "", "^": "", "_": ""})
_FOLDS = (("ee", "i"), ("oo", "u"), ("ph", "f"), ("w", "v"), ("z", "j"), ("q", "k"), ("ck", "k"))
_REPEATS = regex.compile(r"(.)\1+")


def ascii_digits(text: str) -> str:
    """Devanagari (and any other Unicode) digits as ASCII digits: ४५ → 45."""
    return "".join(str(unicodedata.digit(ch)) if ch.isdigit() and not ch.isascii() else ch for ch in text)


def loose_key(word: str) -> str:
    """The script-neutral comparison key of one word, e.g. कचरा, kachra, Kachraaa → kchr."""
    text = ascii_digits(unicodedata.normalize("NFC", word))
    if DEVANAGARI_LETTER.search(text):
        text = sanscript.transliterate(text, sanscript.DEVANAGARI, sanscript.ITRANS)
        text = text.replace(".N", "n").replace("M", "n").replace(".n", "n").translate(_ITRANS_MARKS)
    key = text.lower()
    for written, folded in _FOLDS:
        key = key.replace(written, folded)
    key = _REPEATS.sub(r"\1", key)
    key = key[:1] + key[1:].replace("a", "")
    return key or text.lower()
