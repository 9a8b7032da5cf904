"""Reading the assistant's training and test data the way the checks need it (with each block's language)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator, List

import yaml

PROJECT_ROOT = Path(__file__).resolve().parents[2]
NLU_DIR = PROJECT_ROOT / "data" / "nlu"
TEST_DIR = PROJECT_ROOT / "tests" / "nlu"
LANGUAGE_COMMENTS = {"# english": "en", "# devanagari hindi": "hi", "# hindi": "hi", "# hinglish": "hinglish"}
TEST_FILES = {"en": TEST_DIR / "test_nlu_en.yml", "hi": TEST_DIR / "test_nlu_hi.yml",
              "hinglish": TEST_DIR / "test_nlu_hinglish.yml"}
LANGUAGES = tuple(TEST_FILES)
_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]+\)|\{[^}]+\})")


@dataclass(frozen=True)
class Example:
    intent: str
    language: str
    annotated: str
    source: str

    @property
    def text(self) -> str:
        """The sentence without entity annotations."""
        return _ANNOTATION.sub(r"\1", self.annotated)

    @property
    def normalised(self) -> str:
        return re.sub(r"[\s.,!?;:'\"()\-_।]+", " ", self.text.casefold()).strip()


def _blocks_with_language(path: Path) -> Iterator[tuple]:
    """(language, intent, examples) per `- intent:` block, the language taken from the comment above it."""
    language = None
    raw_lines = path.read_text(encoding="utf-8").splitlines()
    languages_in_order = []
    for line in raw_lines:
        lowered = line.strip().casefold()
        if lowered in LANGUAGE_COMMENTS:
            language = LANGUAGE_COMMENTS[lowered]
        if line.startswith("- intent:"):
            languages_in_order.append(language)
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    for language, block in zip(languages_in_order, document.get("nlu") or [], strict=False):
        examples = [line[2:].strip() for line in block["examples"].splitlines() if line.strip().startswith("- ")]
        yield language, block["intent"], examples


def training_examples(nlu_dir: Path = NLU_DIR) -> List[Example]:
    found = []
    for path in sorted(nlu_dir.glob("*.yml")):
        for language, intent, examples in _blocks_with_language(path):
            found += [Example(intent, language or "?", text, path.name) for text in examples]
    return found


def held_out_examples() -> Dict[str, List[Example]]:
    found: Dict[str, List[Example]] = {}
    for language, path in TEST_FILES.items():
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        found[language] = [
            Example(block["intent"], language, line[2:].strip(), path.name)
            for block in document["nlu"] for line in block["examples"].splitlines() if line.strip().startswith("- ")
        ]
    return found
