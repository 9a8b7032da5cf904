"""The trained model on the held-out set, per language: intent accuracy, macro-F1, per-intent precision /
recall / F1, a confusion table, off-topic messages taken as complaints, and entities (locality found, ward
and complaint number right).

    .venv/bin/python scripts/evaluate_nlu.py [--model models/current.tar.gz]
        [--min-accuracy 0.93 | en=0.93,hi=0.93,...] [--min-macro-f1 0.90] [--report FILE] [--per-intent]

Exits 1 when any language is below a threshold, so `make test` fails on a regression. A given commit trains
to the same figures every time; small changes to data or configuration move them by about ±0.01.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Dict, List

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rasa.core.agent import Agent  # noqa: E402
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader  # noqa: E402
from rasa.shared.nlu.training_data.message import Message  # noqa: E402

from scripts.nlu_scores import FALLBACK_INTENT, GoldEntity, Prediction, Scores, score  # noqa: E402
from tests.assistant.training_data import TEST_FILES  # noqa: E402


def gold_messages(path: Path) -> List[Message]:
    return list(RasaYAMLReader().read(path).intent_examples)


def gold_entities(message: Message) -> tuple:
    return tuple(GoldEntity(e["entity"], str(e.get("value", "")), e["start"], e["end"])
                 for e in message.get("entities") or [])


def prediction_of(message: Message, parsed: Dict) -> Prediction:
    ranking = [item for item in parsed.get("intent_ranking") or [] if item["name"] != FALLBACK_INTENT]
    top = ranking[0] if ranking else {"name": parsed["intent"]["name"], "confidence": parsed["intent"]["confidence"]}
    return Prediction(
        text=message.get("text"),
        gold_intent=message.get("intent"),
        predicted_intent=parsed["intent"]["name"],
        confidence=float(parsed["intent"]["confidence"]),
        top_intent=top["name"],
        top_confidence=float(top["confidence"]),
        runner_up_confidence=float(ranking[1]["confidence"]) if len(ranking) > 1 else 0.0,
        gold_entities=gold_entities(message),
        predicted_entities=tuple(GoldEntity(e["entity"], str(e.get("value", "")), e["start"], e["end"])
                                 for e in parsed.get("entities") or []),
    )


async def predict(agent: Agent, messages: List[Message]) -> List[Prediction]:
    return [prediction_of(message, await agent.parse_message(message.get("text"))) for message in messages]


def print_scores(language: str, scores: Scores, ms_per_message: float, per_intent: bool) -> None:
    off_topic = "–" if scores.off_topic_as_complaint is None else f"{scores.off_topic_as_complaint:.3f}"
    print(f"{language:9} n={scores.examples:4}  accuracy {scores.intent_accuracy:.3f}  macro-F1 {scores.macro_f1:.3f}  "
          f"fallback {scores.fallback_rate:.3f}  off-topic→complaint {off_topic}  {ms_per_message:.1f} ms/msg")
    for entity, figures in scores.entities.items():
        if figures["gold"]:
            print(f"           {entity:13} gold {figures['gold']:3}  found {figures['found']:.3f}  "
                  f"right value {figures['right_value']:.3f}  false alarms {figures['false_alarms']}")
    if per_intent:
        print(f"           {'intent':24} {'P':>6} {'R':>6} {'F1':>6} {'n':>4}")
        for intent, score in scores.per_intent.items():
            print(
                f"           {intent:24} {score.precision:6.3f} {score.recall:6.3f} {score.f1:6.3f} {score.support:4}"
            )
    for gold, predicted, count in scores.confusions[:12]:
        print(f"           {gold} → {predicted} ×{count}")


def quiet_logging() -> None:
    import logging

    import structlog

    logging.basicConfig(level=logging.WARNING)
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))


def parse_thresholds(text: str, languages: List[str]) -> Dict[str, float]:
    if "=" not in text:
        return {language: float(text) for language in languages}
    pairs = dict(item.split("=", 1) for item in text.split(","))
    return {language: float(pairs[language]) for language in languages}


def failures(results: Dict[str, Scores], min_accuracy: Dict[str, float], min_macro_f1: Dict[str, float]) -> List[str]:
    failing = []
    for language, scores in results.items():
        if scores.intent_accuracy < min_accuracy[language]:
            failing.append(f"{language} accuracy {scores.intent_accuracy:.3f} < {min_accuracy[language]:.2f}")
        if scores.macro_f1 < min_macro_f1[language]:
            failing.append(f"{language} macro-F1 {scores.macro_f1:.3f} < {min_macro_f1[language]:.2f}")
    return failing


def main() -> int:
    quiet_logging()
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="models/current.tar.gz")
    parser.add_argument("--min-accuracy", default="0.0", help="one number for all languages, or language=number pairs")
    parser.add_argument("--min-macro-f1", default="0.0", help="one number for all languages, or language=number pairs")
    parser.add_argument("--report", help="write every figure and every prediction as JSON")
    parser.add_argument("--per-intent", action="store_true", help="print the per-intent table")
    arguments = parser.parse_args()
    agent = Agent.load(arguments.model)
    results: Dict[str, Scores] = {}
    predictions: Dict[str, List[Prediction]] = {}
    for language, path in TEST_FILES.items():
        messages = gold_messages(path)
        started = time.perf_counter()
        predictions[language] = asyncio.run(predict(agent, messages))
        elapsed_ms = 1000 * (time.perf_counter() - started) / max(1, len(messages))
        results[language] = score(predictions[language])
        print_scores(language, results[language], elapsed_ms, arguments.per_intent)
    if arguments.report:
        report = {language: {"scores": asdict(results[language]),
                             "predictions": [asdict(p) for p in predictions[language]]} for language in results}
        Path(arguments.report).write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    failing = failures(results, parse_thresholds(arguments.min_accuracy, list(results)),
                       parse_thresholds(arguments.min_macro_f1, list(results)))
    if failing:
        print(f"below the NLU gate: {'; '.join(failing)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
