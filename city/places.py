"""Indore's places: the one reader of city/gazetteer.yml and the one rule for what a written place means.

A place in a message is found in three ways, in this order of trust:
1. listed: the words' script-neutral key is a spelling of a gazetteer entry ("vijay ngr", "विजयनगर");
2. misspelt: a name-shaped phrase whose key is close to a listed spelling ("Khajrna", "sudma nagr");
3. unlisted: a name-shaped phrase not in the gazetteer ("Shivaji Nagar", "स्कीम नं. 136", "Sector C"),
   kept as written so the complaint still carries the place for the officer to read.
The NLU entity extractor, the actions and the 311 service all call this module, so they agree.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

import regex
import yaml
from rapidfuzz import fuzz, process

from city.spelling import ascii_digits, loose_key

GAZETTEER_FILE = Path(__file__).resolve().parent / "gazetteer.yml"
LONGEST_PLACE_IN_WORDS = 5
# Keys shorter than this are too common to correct: "pani" must never become "Pinjara Bakhal".
SHORTEST_KEY_TO_CORRECT = 6
# Without a place word ("Nagar", "Chowk") around it, a word is taken for a misspelt place only when longer.
SHORTEST_KEY_TO_GUESS = 7
# rapidfuzz ratio (0-100) on keys: a letter dropped or added passes from 7 letters on, a wrong letter only
# from 9 on, so "Chandan Nagar" (chndnngr) is not taken for "Chandra Nagar" (chndrngr), nor HIG for MIG Colony.
CLOSE_ENOUGH_TO_CORRECT = 88
SPOTS_WITHIN_AN_AREA = frozenset({"landmark", "square", "market"})
NEAR_ENOUGH_METRES = 800  # the gazetteer's centres are approximate (about ±1 km)

# "Scheme No. 78", "स्कीम नंबर 78" and "Scheme 78" name one place: filler words inside a name are skipped.
FILLER_WORDS = frozenset({"no", "num", "number", "nmbr", "नं", "नंबर", "नम्बर", "क्रमांक", "क्र"})
# The last word of a name-shaped phrase: "<Name> Nagar", "<Name> कॉलोनी", "<Name> Chauraha" ... ("puri"/"pura"
# only glued to a name: apart they are everyday words, "pura din", "puri gali").
PLACE_WORDS = frozenset("""
nagar ngr nagr colony colny coloni vihar ganj bagh chowk chouk square chauraha chouraha
marg mohalla muhalla bazaar bazar market township enclave residency dham kunj
नगर कॉलोनी कालोनी कोलोनी विहार गंज बाग चौक चौराहा मार्ग मोहल्ला बाजार बाज़ार मार्केट टाउनशिप धाम कुंज
""".split())  # compared as written, not by key: चौक's key is also that of "chuka" ("gir chuka")
# Numbered places: "Scheme 136", "स्कीम नं. 136", "Sector C".
NUMBERED_PLACE_WORDS = {loose_key(word): canonical for words, canonical in (
    ("scheme skeem skim sch yojana योजना स्कीम", "Scheme"), ("sector sec सेक्टर", "Sector")) for word in words.split()}
# Words that end a name rather than begin one: "hamare Nagar" is not a place.
NOT_NAME_WORDS = frozenset(loose_key(word) for word in """
my our the in at near of from to a an this that and is behind opposite front main new old every whole
mera meri mere hamara hamari hamare humara humari humare apna apni apne ke ki ka me mein mai se pe par
wali wale vali vale yeh ye is us vo wo paas pass saamne samne peeche piche poori puri sabhi sab har
ek do teen char koi kisi gali road rd street lane area ilaka ilake kya hai hain mujhe hum main mai yahan yaha
vahan thanks thank namaste please plz pls sir ji bhai bhaiya aap municipal tha thi the pura poora sara saara
log logo diya kiya liya gaya gayi hua hui raha rahi rahe karo kar kare bada badi bahut naya nayi naye purana
purani mukhya bich beech ghar jhund
मेरे मेरी मेरा हमारे हमारी हमारा अपने अपनी के की का में से पर पास सामने पीछे यह ये इस उस वाली वाले पूरी पूरे हर एक गली क्षेत्र इलाके
क्या है हैं मुझे हम मैं यहाँ यहां वहाँ कृपया जी भाई आप हूँ हूं था थी थे पूरा सारा लोग लोगों दिया किया लिया गया गई
हुआ हुई रहा रही रहे करो कर करें बड़ा बड़ी बहुत नया नई नए पुराना पुरानी मुख्य बीच घर झुंड
""".split())
# One glued word ending like a place name: Ayodhyapuri, Nandlalpura, Malharganj, नंदलालपुरा.
GLUED_PLACE_ENDINGS = regex.compile(r"^[\p{L}\p{M}]{3,}(?:puri|pura|ganj|nagar|पुरी|पुरा|गंज|नगर)$", regex.IGNORECASE)
# "Nagar Nigam" / "नगर निगम" / "nagar palika" is the corporation, not a place called "<word> Nagar".
NOT_A_PLACE_AFTER = frozenset(loose_key(word) for word in "nigam nigm palika nigaam निगम पालिका".split())
_WORDS = regex.compile(r"[\p{L}\p{M}\p{N}]+")


@dataclass(frozen=True)
class Place:
    name: str
    hi: Optional[str]
    variants: Tuple[str, ...]
    kind: Optional[str]
    ward: Optional[int]
    lat: Optional[float]
    long: Optional[float]
    pincode: Optional[str]
    source: Optional[str]

    @property
    def spellings(self) -> List[str]:
        return [self.name] + ([self.hi] if self.hi else []) + list(self.variants)


@dataclass(frozen=True)
class PlaceMention:
    """A place named in a message: `name` is the gazetteer's name, or the phrase as written when unlisted."""
    name: str
    start: int
    end: int
    how: str  # "listed", "misspelt" or "unlisted"


@dataclass(frozen=True)
class _Word:
    text: str
    start: int
    end: int

    @cached_property
    def key(self) -> str:
        return loose_key(self.text)


def place_key(words: Iterable[str]) -> str:
    """The key of a place name: its words' loose keys joined, filler words ("No.", "नं") left out."""
    kept = [word for word in words if word.casefold() not in FILLER_WORDS]
    return "".join(regex.sub(r"[^a-z0-9]", "", loose_key(word)) for word in kept)


def key_of(text: str) -> str:
    return place_key(_WORDS.findall(text))


class Gazetteer:
    def __init__(self, places: Sequence[Place]) -> None:
        self.places = list(places)
        self.by_name: Dict[str, Place] = {place.name: place for place in self.places}
        self.by_key: Dict[str, Place] = {}
        for place in self.places:
            for spelling in place.spellings:
                key = key_of(spelling)
                if len(key) < 2:
                    continue
                other = self.by_key.setdefault(key, place)
                if other.name != place.name:
                    raise ValueError(f"the spelling '{spelling}' names both {other.name} and {place.name}")
        self._correctable_keys = [key for key in self.by_key if len(key) >= SHORTEST_KEY_TO_CORRECT]
        self._placed: List[Tuple[float, float, Place]] = [
            (place.lat, place.long, place) for place in self.places if place.lat is not None and place.long is not None]
        self.area_of = self._areas_named_in_places()

    def _areas_named_in_places(self) -> Dict[str, str]:
        """"Vijay Nagar Square" → "Vijay Nagar", "Navlakha Bus Stand" → "Navlakha": a place named after its
        area is reported as the area, because routing needs the area and the message keeps the landmark."""
        areas: Dict[str, str] = {}
        for place in self.places:
            if place.kind not in SPOTS_WITHIN_AN_AREA:
                continue  # "Vijay Nagar Extension" and "Khajrana Road" are places of their own
            words = place.name.split()
            for width in range(len(words) - 1, 0, -1):
                area = self.by_name.get(" ".join(words[:width]))
                if area is not None:
                    areas[place.name] = area.name
                    break
        return areas

    @classmethod
    def from_file(cls, path: Path = GAZETTEER_FILE) -> Gazetteer:
        with path.open(encoding="utf-8") as handle:
            document = yaml.safe_load(handle)
        return cls([place_from_entry(entry) for entry in document["localities"]])

    def find(self, text: str) -> Optional[Place]:
        """The gazetteer entry a citizen's spelling of a place names, allowing for a misspelling."""
        key = key_of(text)
        return self.by_key.get(key) or self._closest(key)

    def mentions(self, text: str) -> List[PlaceMention]:
        """Every place named in a message, longest first, without overlaps, in reading order."""
        words = [_Word(match.group(), match.start(), match.end()) for match in _WORDS.finditer(text)]
        found: List[PlaceMention] = []
        index = 0
        while index < len(words):
            mention = (
                self._listed_at(words, index) or self._name_shaped_at(words, index) or self._misspelt_at(words, index)
            )
            if mention is None:
                index += 1
                continue
            width, place = mention
            found.append(place)
            index += width
        return found

    def nearest(self, latitude: float, longitude: float, within_metres: float = NEAR_ENOUGH_METRES) -> Optional[Place]:
        """The place whose centre is nearest a location pin, if one is near enough to name the spot."""
        by_distance = ((distance_metres(latitude, longitude, lat, long), place) for lat, long, place in self._placed)
        metres, nearest = min(by_distance, key=lambda pair: pair[0], default=(math.inf, None))
        return nearest if metres <= within_metres else None

    def ward_of(self, name: Optional[str]) -> Optional[int]:
        place = self.by_name.get(name or "") or (self.find(name) if name else None)
        return place.ward if place else None

    def _closest(self, key: str, shortest: int = SHORTEST_KEY_TO_CORRECT) -> Optional[Place]:
        if len(key) < shortest:
            return None
        match = process.extractOne(key, self._correctable_keys, scorer=fuzz.ratio,
                                   score_cutoff=CLOSE_ENOUGH_TO_CORRECT)
        # A typo keeps the first letter and the length: "industrial" is not a misspelt "Rau Industrial".
        if match is None or match[0][0] != key[0] or abs(len(match[0]) - len(key)) > 2:
            return None
        return self.by_key[match[0]]

    def _listed_at(self, words: List[_Word], index: int) -> Optional[Tuple[int, PlaceMention]]:
        for width in range(min(LONGEST_PLACE_IN_WORDS, len(words) - index), 0, -1):
            window = words[index: index + width]
            if window[0].text.casefold() in FILLER_WORDS or window[-1].text.casefold() in FILLER_WORDS:
                continue
            place = self.by_key.get(place_key(word.text for word in window))
            if place is not None:
                name = self.area_of.get(place.name, place.name)
                return width, PlaceMention(name, window[0].start, window[-1].end, "listed")
        return None

    def _name_shaped_at(self, words: List[_Word], index: int) -> Optional[Tuple[int, PlaceMention]]:
        """A phrase shaped like a place name starting at `index`: listed if a misspelling, else as written."""
        numbered = _numbered_place(words, index)
        shaped = numbered or _named_place(words, index) or _glued_place(words, index)
        if shaped is None:
            return None
        width, written = shaped
        if any(self._listed_at(words, later) for later in range(index + 1, index + width)):
            return None  # "Garbage Vijay Nagar": the listed place inside wins over a longer made-up name
        start, end = words[index].start, words[index + width - 1].end
        key = key_of(written)
        # Scheme 71 is not a misspelt Scheme 74: numbered places are never corrected.
        place = self.by_key.get(key) if numbered else self._closest(key)
        if place is not None:
            return width, PlaceMention(self.area_of.get(place.name, place.name), start, end, "misspelt")
        return width, PlaceMention(written, start, end, "unlisted")

    def _misspelt_at(self, words: List[_Word], index: int) -> Optional[Tuple[int, PlaceMention]]:
        """One or two words close to a listed spelling ("Khajrna", "Bhawar kuwa"), long enough to be a name."""
        for width in (2, 1):
            window = words[index: index + width]
            if len(window) < width or not all(_is_name_word(word) for word in window):
                continue
            if width == 2 and any(len(word.text) < 4 for word in window):
                continue  # "gir chuka" is a verb phrase, not a misspelt "Gitar Chowk"
            place = self._closest(place_key(word.text for word in window), SHORTEST_KEY_TO_GUESS)
            if place is not None:
                name = self.area_of.get(place.name, place.name)
                return width, PlaceMention(name, window[0].start, window[-1].end, "misspelt")
        return None


def _numbered_place(words: List[_Word], index: int) -> Optional[Tuple[int, str]]:
    """'Scheme No. 136', 'स्कीम नं. 136', 'Sector C' → (words used, canonical spelling)."""
    kind = NUMBERED_PLACE_WORDS.get(words[index].key)
    if kind is None:
        return None
    position = index + 1
    while position < len(words) and words[position].text.casefold() in FILLER_WORDS:
        position += 1
    if position >= len(words):
        return None
    label = ascii_digits(words[position].text)
    number_like = regex.fullmatch(r"\d{1,3}[A-Za-z]?", label) or (
        kind == "Sector" and regex.fullmatch(r"[A-Za-z]", label)
    )
    if not number_like:
        return None
    return position - index + 1, f"{kind} {label.upper()}"


def _named_place(words: List[_Word], index: int) -> Optional[Tuple[int, str]]:
    """'<Name> Nagar', '<Name> <Name> Colony', '<नाम> चौराहा' starting at `index`."""
    for width in (3, 2):
        window = words[index: index + width]
        if len(window) < width or window[-1].text.casefold() not in PLACE_WORDS:
            continue
        names = window[:-1]
        following = words[index + width] if index + width < len(words) else None
        if following is not None and following.key in NOT_A_PLACE_AFTER:
            return None
        if all(_is_name_word(word) for word in names) and (width == 2 or _written_as_a_name(names)):
            return width, " ".join(_title(word.text) for word in window)
    return None


def _glued_place(words: List[_Word], index: int) -> Optional[Tuple[int, str]]:
    word = words[index]
    if GLUED_PLACE_ENDINGS.match(word.text) and _is_name_word(word):
        return 1, _title(word.text)
    return None


def _is_name_word(word: _Word) -> bool:
    return (len(word.text) >= 3 and not any(ch.isdigit() for ch in word.text)
            and word.key not in NOT_NAME_WORDS and word.text.casefold() not in PLACE_WORDS)


def _written_as_a_name(words: List[_Word]) -> bool:
    """Two name words before 'Nagar' only when capitalised ("Shri Ram Nagar"); lower case and Devanagari,
    which has no capitals, keep one ("ghar shivaji nagar" → "Shivaji Nagar")."""
    return all(word.text[:1].isascii() and word.text[:1].isupper() for word in words)


def _title(word: str) -> str:
    return word[:1].upper() + word[1:].lower() if word.isascii() else word


def distance_metres(lat1: float, long1: float, lat2: float, long2: float) -> float:
    """Great-circle distance between two WGS84 points."""
    radius = 6_371_000.0
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi, d_lambda = math.radians(lat2 - lat1), math.radians(long2 - long1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * radius * math.asin(math.sqrt(a))


def place_from_entry(entry: Dict[str, Any]) -> Place:
    """A place from one `localities` entry of the gazetteer file (or the same fields as a dict)."""
    return Place(name=entry["name"], hi=entry.get("hi"), variants=tuple(entry.get("variants") or ()),
                 kind=entry.get("kind"), ward=entry.get("ward"), lat=entry.get("lat"), long=entry.get("long"),
                 pincode=entry.get("pincode"), source=entry.get("source"))


@lru_cache(maxsize=4)
def _gazetteer_at(path: str) -> Gazetteer:
    return Gazetteer.from_file(Path(path))


def gazetteer(path: Optional[Path] = None) -> Gazetteer:
    """The city's gazetteer (CITY_GAZETTEER may point to another file), read once per process."""
    return _gazetteer_at(str(path or os.environ.get("CITY_GAZETTEER") or GAZETTEER_FILE))
