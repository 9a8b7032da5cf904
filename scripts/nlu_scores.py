"""Scores of NLU predictions against gold examples: per-intent precision/recall/F1, macro-F1, confusions,
and the entity figures the city cares about (locality found, ward and complaint number right).

Pure functions over plain records, shared by the held-out evaluation and the cross-validation, so both
report the same figures the same way.
"""
from __future__ import annotations

import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Tuple

FALLBACK_INTENT = "nlu_fallback"
COMPLAINT_PREFIX = "report_"


@dataclass(frozen=True)
class GoldEntity:
    entity: str
    value: str
    start: int
    end: int


@dataclass(frozen=True)
class Prediction:
    """What the model said about one gold example."""

    text: str
    gold_intent: str
    predicted_intent: str
    confidence: float
    # The classifier's own top intent and its runner-up before any fallback, for choosing thresholds.
    top_intent: str
    top_confidence: float
    runner_up_confidence: float
    gold_entities: Tuple[GoldEntity, ...] = ()
    predicted_entities: Tuple[GoldEntity, ...] = ()


@dataclass
class IntentScore:
    precision: float
    recall: float
    f1: float
    support: int


@dataclass
class Scores:
    examples: int
    intent_accuracy: float
    macro_f1: float
    fallback_rate: float
    off_topic_as_complaint: Optional[float]
    per_intent: Dict[str, IntentScore]
    confusions: List[Tuple[str, str, int]]
    entities: Dict[str, Dict[str, Optional[float]]] = field(default_factory=dict)


def score(predictions: List[Prediction]) -> Scores:
    gold = Counter(p.gold_intent for p in predictions)
    predicted = Counter(p.predicted_intent for p in predictions)
    hits = Counter(p.gold_intent for p in predictions if p.gold_intent == p.predicted_intent)
    per_intent = {intent: _intent_score(hits[intent], predicted[intent], gold[intent]) for intent in sorted(gold)}
    confusions = Counter(
        (p.gold_intent, p.predicted_intent) for p in predictions if p.gold_intent != p.predicted_intent
    )
    off_topic = [p for p in predictions if p.gold_intent == "out_of_scope"]
    return Scores(
        examples=len(predictions),
        intent_accuracy=_ratio(sum(hits.values()), len(predictions)),
        macro_f1=round(sum(s.f1 for s in per_intent.values()) / len(per_intent), 4) if per_intent else 0.0,
        fallback_rate=_ratio(predicted[FALLBACK_INTENT], len(predictions)),
        off_topic_as_complaint=(_ratio(sum(p.predicted_intent.startswith(COMPLAINT_PREFIX) for p in off_topic),
                                       len(off_topic)) if off_topic else None),
        per_intent=per_intent,
        confusions=[(g, p, n) for (g, p), n in confusions.most_common()],
        entities=entity_scores(predictions),
    )


def entity_scores(predictions: Iterable[Prediction]) -> Dict[str, Dict[str, Optional[float]]]:
    """Per entity type: how many gold mentions, how many found at an overlapping span, how many with the right
    value, and how many predicted mentions overlap no gold one of the type (false alarms).

    A locality counts as found when a predicted locality overlaps its span: the held-out set names places
    by their usual English name, which need not be the gazetteer's canonical spelling.
    """
    counts: Dict[str, Counter] = {}
    for prediction in predictions:
        for gold in prediction.gold_entities:
            tally = counts.setdefault(gold.entity, Counter())
            tally["gold"] += 1
            overlapping = [e for e in prediction.predicted_entities if e.entity == gold.entity and _overlap(e, gold)]
            tally["found"] += bool(overlapping)
            tally["right_value"] += any(_same_value(e.value, gold.value) for e in overlapping)
        for found in prediction.predicted_entities:
            tally = counts.setdefault(found.entity, Counter())
            tally["predicted"] += 1
            tally["false_alarms"] += not any(g.entity == found.entity and _overlap(g, found)
                                             for g in prediction.gold_entities)
    return {
        entity: {
            "gold": tally["gold"],
            "found": _ratio(tally["found"], tally["gold"]) if tally["gold"] else None,
            "right_value": _ratio(tally["right_value"], tally["gold"]) if tally["gold"] else None,
            "predicted": tally["predicted"],
            "false_alarms": tally["false_alarms"],
        }
        for entity, tally in sorted(counts.items())
    }


@dataclass(frozen=True)
class ThresholdOutcome:
    """What a fallback threshold does to a set of predictions: messages above it are acted on, the rest get a
    clarifying question."""

    threshold: float
    acted_on_wrongly: float
    asked_needlessly: float
    asked: float
    cost: float


# A wrong category sends a false complaint to an officer; a needless question costs the citizen one tap.
COST_OF_ACTING_WRONGLY = 3.0
COST_OF_ASKING_NEEDLESSLY = 1.0


def threshold_outcomes(predictions: List[Prediction], thresholds: Iterable[float]) -> List[ThresholdOutcome]:
    """For each threshold, the share of messages acted on with the wrong intent and the share asked about
    although the classifier's top intent was right (judged on the classifier's own ranking, before fallback)."""
    n = max(1, len(predictions))
    outcomes = []
    for threshold in thresholds:
        wrong = sum(p.top_confidence >= threshold and p.top_intent != p.gold_intent for p in predictions) / n
        needless = sum(p.top_confidence < threshold and p.top_intent == p.gold_intent for p in predictions) / n
        asked = sum(p.top_confidence < threshold for p in predictions) / n
        cost = COST_OF_ACTING_WRONGLY * wrong + COST_OF_ASKING_NEEDLESSLY * needless
        outcomes.append(ThresholdOutcome(round(threshold, 2), round(wrong, 4), round(needless, 4), round(asked, 4),
                                         round(cost, 4)))
    return outcomes


def _intent_score(hits: int, predicted: int, gold: int) -> IntentScore:
    precision = hits / predicted if predicted else 0.0
    recall = hits / gold if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return IntentScore(round(precision, 4), round(recall, 4), round(f1, 4), gold)


def _overlap(a: GoldEntity, b: GoldEntity) -> bool:
    return a.start < b.end and b.start < a.end


def _same_value(predicted: str, gold: str) -> bool:
    """Values agree up to case, spaces and punctuation ("Scheme No. 54" is "scheme no 54")."""
    return _comparable(predicted) == _comparable(gold)


def _comparable(value: str) -> str:
    """Case, spaces and punctuation dropped, Devanagari digits as ASCII (वार्ड १४ is ward 14)."""
    return "".join(str(unicodedata.digit(ch)) if ch.isdigit() else ch for ch in str(value).casefold() if ch.isalnum())


def _ratio(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0
