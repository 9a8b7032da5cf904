"""Script-neutral keys for words in Devanagari or Roman script, and the language of a message.

The key lets कचरा, kachra and kachara meet: Devanagari is transliterated to Roman (ITRANS), both scripts
are lower-cased, common spelling swaps folded, repeated letters collapsed, and every non-initial `a`
dropped (the short vowel is what Hinglish writers add, drop or double most freely).
"""
from __future__ import annotations

import unicodedata
from typing import Optional

import regex
from indic_transliteration import sanscript

_DEVANAGARI_LETTER = regex.compile(r"[\u0900-\u0963\u0971-\u097F]")
_LATIN_LETTER = regex.compile(r"[A-Za-z]")
_ITRANS_MARKS = str.maketrans({".": "", "~": "", "^": "", "_": ""})
_FOLDS = (("ee", "i"), ("oo", "u"), ("ph", "f"), ("w", "v"), ("z", "j"), ("q", "k"), ("ck", "k"))
_REPEATS = regex.compile(r"(.)\1+")

# Romanised Hindi words that are not also English words (after the Rasa Devanagari notes, section 5).
HINGLISH_MARKERS = frozenset("""
hai hain h nahi nahin nhi nai kya kyu kyun kab kaise kahan kaha yahan wahan idhar udhar mera meri mere
hamara hamari hamare humara humare aap aapka aapki apna apni ka ki ke ko se mein mai mei aur bhi abhi aaj
kal raha rahi rahe rha rhi rhe gaya gayi gaye gya gyi hua hui huye karo kro kijiye kariye karein dijiye
chahiye bahut bohot bhot jaldi koi kuch kuchh wala wali wale haan han ha theek thik toh tha thi hoga hogi
shikayat kachra kachara kachre kuda kooda naali nali paani pani sadak gaddha gadda bijli batti gali safai
safaai ganda gandi gande dhanyavad dhanyawad shukriya namaste namaskar bhai bhaiya bhaiyya ji jee pe par
mat band karna karni krna krni dekho batao bataiye bolo ho gya ghar pass paas saamne samne peeche niche
upar din hafte mahine se baad pehle dobara phir fir kyunki lekin magar wapas rehne chhodo nahin hindi
""".split()) - frozenset({"pe", "par", "band", "ho", "pass", "hindi", "ha", "h"})


def ascii_digits(text: str) -> str:
    return "".join(str(unicodedata.digit(ch)) if ch.isdigit() and not ch.isascii() else ch for ch in text)


def loose_key(word: str) -> str:
    """The script-neutral comparison key of one word, e.g. कचरा, kachra, Kachraaa → kchr."""
    text = ascii_digits(unicodedata.normalize("NFC", word))
    if _DEVANAGARI_LETTER.search(text):
        text = sanscript.transliterate(text, sanscript.DEVANAGARI, sanscript.ITRANS)
        text = text.replace(".N", "n").replace("M", "n").replace(".n", "n").translate(_ITRANS_MARKS)
    key = text.lower()
    for written, folded in _FOLDS:
        key = key.replace(written, folded)
    key = _REPEATS.sub(r"\1", key)
    key = key[:1] + key[1:].replace("a", "")
    return key or text.lower()


def detect_language(text: str) -> Optional[str]:
    """`hi`, `hinglish` or `en` when the message settles it; None when it does not (digits, emoji, 'ok')."""
    devanagari = len(_DEVANAGARI_LETTER.findall(text))
    latin = len(_LATIN_LETTER.findall(text))
    if devanagari == 0 and latin == 0:
        return None
    if devanagari >= latin:
        return "hi"
    words = [word.lower() for word in regex.findall(r"[A-Za-z]+", text)]
    if any(word in HINGLISH_MARKERS for word in words):
        return "hinglish"
    return "en" if len(words) >= 3 else None
