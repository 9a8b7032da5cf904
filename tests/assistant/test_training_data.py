"""Checks for NLU trainers beyond `rasa data validate`: balance, overlaps, languages, gazetteer, replies."""
from collections import Counter, defaultdict

import pytest
import yaml

from city.places import gazetteer
from complaint_service.city_data import load_city_data
from nlu_components.civic_entity_extractor import CivicEntityExtractor
from nlu_components.indic_text import loose_key
from tests.assistant.training_data import LANGUAGES, PROJECT_ROOT, training_examples

DOMAIN = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
COMPLAINT_INTENTS = [group.intent for group in load_city_data(PROJECT_ROOT / "city").catalogue.groups]


@pytest.fixture(scope="module")
def examples():
    return training_examples()


def test_every_training_block_names_its_language(examples):
    assert {example.language for example in examples} <= set(LANGUAGES)


def test_every_complaint_intent_has_enough_examples_in_every_language(examples):
    counts = Counter((example.intent, example.language) for example in examples)
    for intent in COMPLAINT_INTENTS:
        assert sum(counts[(intent, language)] for language in LANGUAGES) >= 40, intent
        for language in LANGUAGES:
            assert counts[(intent, language)] >= 12, (intent, language)


# Sent only by the WhatsApp channel (attachments, unreadable types), by our own buttons (rating), or recognised
# by pattern (officers' commands): nothing for the classifier to learn.
NOT_WRITTEN_BY_CITIZENS = {"share_attachment", "unsupported_message", "rate_complaint", "officer_command"}


def test_every_domain_intent_is_trained_in_every_language(examples):
    counts = Counter((example.intent.split("/")[0], example.language) for example in examples)
    for intent in DOMAIN["intents"]:
        if intent.startswith("EXTERNAL_") or intent in NOT_WRITTEN_BY_CITIZENS:
            continue
        for language in LANGUAGES:
            assert counts[(intent, language)] >= 5, (intent, language)


def test_no_example_is_listed_under_two_intents(examples):
    intents_of = defaultdict(set)
    for example in examples:
        intents_of[example.normalised].add(example.intent)
    clashes = {text: intents for text, intents in intents_of.items() if len(intents) > 1}
    assert not clashes


def test_every_reply_exists_in_hindi_hinglish_and_english():
    for name, variations in DOMAIN["responses"].items():
        conditions = [
            tuple((c["name"], c["value"]) for c in variation.get("condition", [])) for variation in variations
        ]
        assert (("language", "hi"),) in conditions, name
        assert (("language", "hinglish"),) in conditions, name
        assert () in conditions, f"{name} needs an unconditioned English default"
        hindi = next(
            v for v in variations if v.get("condition") == [{"type": "slot", "name": "language", "value": "hi"}]
        )
        assert any("\u0900" <= ch <= "\u097f" for ch in hindi["text"]), name


def test_reply_buttons_fit_whatsapp_limits():
    for name, variations in DOMAIN["responses"].items():
        for variation in variations:
            titles = [button["title"] for button in variation.get("buttons", [])]
            assert all(len(title) <= 20 for title in titles), name
            assert len(set(titles)) == len(titles), name


def test_every_gazetteer_spelling_is_found_inside_a_sentence():
    extractor = CivicEntityExtractor(gazetteer())
    missed = []
    for place in gazetteer().places:
        for spelling in place.spellings:
            sentence = f"mere ghar ke paas {spelling} me kachra pada hai"
            found = [e["value"] for e in extractor.extract(sentence) if e["entity"] == "locality"]
            if found != [gazetteer().area_of.get(place.name, place.name)]:
                missed.append((spelling, found))
    assert not missed


def test_script_neutral_key_joins_the_two_scripts():
    for devanagari, roman in [("कचरा", "kachra"), ("नाली", "naali"), ("पानी", "pani"), ("सड़क", "sadak"),
                              ("शिकायत", "shikayat"), ("विजय", "vijay")]:
        assert loose_key(devanagari) == loose_key(roman)
