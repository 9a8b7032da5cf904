"""The held-out NLU set measures something only while it stays apart from the training data."""
from collections import Counter

from rapidfuzz import fuzz, process

from tests.assistant.training_data import LANGUAGES, held_out_examples, training_examples

# Normalised similarity (0-1, Indel distance on the case-folded text without punctuation) from which a test
# sentence counts as a near-copy of a training one: at 0.85 "kachra gadi nahi aayi 3 din se" and
# "kachra gaadi nahi aai 3 din se" are one sentence, "kachra gadi nahi aayi" and "naali jam hai" are not.
NEAR_COPY_SIMILARITY = 0.85


def near_copies(threshold: float = NEAR_COPY_SIMILARITY):
    trained = sorted({example.normalised for example in training_examples()})
    held_out = [example for examples in held_out_examples().values() for example in examples]
    copies = []
    for example in held_out:
        match = process.extractOne(example.normalised, trained, scorer=fuzz.ratio, score_cutoff=100 * threshold)
        if match is not None:
            copies.append((example.language, example.text, match[0], round(match[1] / 100, 3)))
    return copies


def test_no_held_out_sentence_is_a_near_copy_of_a_training_one():
    copies = near_copies()
    assert not copies, f"{len(copies)} near-copies (move or rewrite the TRAINING sentence): {copies[:20]}"


def test_near_copy_rule_tells_spelling_variants_from_different_sentences():
    assert fuzz.ratio("kachra gadi nahi aayi 3 din se", "kachra gaadi nahi aai 3 din se") >= 100 * NEAR_COPY_SIMILARITY
    assert fuzz.ratio("kachra gadi nahi aayi", "naali jam hai") < 100 * NEAR_COPY_SIMILARITY


def test_held_out_set_is_large_enough_in_every_language():
    held_out = held_out_examples()
    for language in LANGUAGES:
        assert len(held_out[language]) >= 300, language


def test_held_out_set_covers_every_trained_intent_in_every_language():
    # A retrieval intent (out_of_scope/weather) is scored as its base intent: the held-out set names only that.
    trained_intents = {example.intent.split("/")[0] for example in training_examples()}
    held_out = held_out_examples()
    for language in LANGUAGES:
        counts = Counter(example.intent for example in held_out[language])
        thin = {intent: counts[intent] for intent in trained_intents if counts[intent] < 3}
        assert not thin, (language, thin)


def test_held_out_set_has_no_repeated_sentence():
    for language, examples in held_out_examples().items():
        counts = Counter(example.normalised for example in examples)
        assert not [text for text, n in counts.items() if n > 1], language
