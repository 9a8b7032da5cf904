"""The language of a message, and the script-neutral word key the NLU shares with the gazetteer.

The key itself (कचरा, kachra and kachara meet) is defined once in city/spelling.py and re-exported here.
"""
from __future__ import annotations

from typing import Optional

import regex

from city.spelling import DEVANAGARI_LETTER as _DEVANAGARI_LETTER
from city.spelling import ascii_digits, loose_key

__all__ = ["HINGLISH_MARKERS", "ascii_digits", "detect_language", "loose_key"]

_LATIN_LETTER = regex.compile(r"[A-Za-z]")

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
