"""Intent accuracy and entity scores (type and span) of the trained model on the held-out set, per language.

    .venv/bin/python scripts/evaluate_nlu.py [--model models/current.tar.gz] [--min-accuracy 0.90 | en=0.90,hi=0.92,...]
                                             [--report FILE]

Exits 1 when any language is below its threshold, so `make test` fails on a regression. A given commit
trains to the same figures every time; small changes to data or configuration move them by about ±0.02.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Dict, List

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rasa.core.agent import Agent  # noqa: E402
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader  # noqa: E402

from tests.assistant.training_data import TEST_FILES  # noqa: E402


def gold_messages(path: Path) -> List[dict]:
    data = RasaYAMLReader().read(path)
    return [
        {"text": message.get("text"), "intent": message.get("intent"),
         "entities": {(e["entity"], e["start"], e["end"]) for e in message.get("entities") or []}}
        for message in data.intent_examples
    ]


async def evaluate(agent: Agent, examples: List[dict]) -> Dict[str, object]:
    correct, confusions = 0, Counter()
    entity_hits = entity_predicted = entity_gold = 0
    started = time.perf_counter()
    for example in examples:
        parsed = await agent.parse_message(example["text"])
        predicted = parsed["intent"]["name"]
        if predicted == example["intent"]:
            correct += 1
        else:
            confusions[(example["intent"], predicted)] += 1
        entities = {(e["entity"], e["start"], e["end"]) for e in parsed.get("entities") or []}
        entity_hits += len(entities & example["entities"])
        entity_predicted += len(entities)
        entity_gold += len(example["entities"])
    precision = entity_hits / entity_predicted if entity_predicted else 1.0
    recall = entity_hits / entity_gold if entity_gold else 1.0
    return {
        "examples": len(examples),
        "intent_accuracy": round(correct / len(examples), 4),
        "entity_precision": round(precision, 4),
        "entity_recall": round(recall, 4),
        "entity_f1": round(2 * precision * recall / (precision + recall), 4) if precision + recall else 0.0,
        "ms_per_message": round(1000 * (time.perf_counter() - started) / len(examples), 2),
        "confusions": [f"{gold} → {predicted} ×{count}" for (gold, predicted), count in confusions.most_common(12)],
    }


def quiet_logging() -> None:
    import logging

    import structlog

    logging.basicConfig(level=logging.WARNING)
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))


def main() -> int:
    quiet_logging()
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="models/current.tar.gz")
    parser.add_argument("--min-accuracy", default="0.90",
                        help="one number for all languages, or language=number pairs")
    parser.add_argument("--report")
    arguments = parser.parse_args()
    agent = Agent.load(arguments.model)
    results = {language: asyncio.run(evaluate(agent, gold_messages(path))) for language, path in TEST_FILES.items()}
    for language, result in results.items():
        print(f"{language:9} n={result['examples']:4}  intent accuracy {result['intent_accuracy']:.3f}  "
              f"entity F1 {result['entity_f1']:.3f}  {result['ms_per_message']} ms/msg")
        for confusion in result["confusions"]:
            print(f"           {confusion}")
    if arguments.report:
        Path(arguments.report).write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    thresholds = parse_thresholds(arguments.min_accuracy, list(results))
    failing = [f"{language} {result['intent_accuracy']:.3f} < {thresholds[language]:.2f}"
               for language, result in results.items() if result["intent_accuracy"] < thresholds[language]]
    if failing:
        print(f"below the intent-accuracy threshold: {'; '.join(failing)}")
        return 1
    return 0


def parse_thresholds(text: str, languages: List[str]) -> Dict[str, float]:
    if "=" not in text:
        return {language: float(text) for language in languages}
    pairs = dict(item.split("=", 1) for item in text.split(","))
    return {language: float(pairs[language]) for language in languages}


if __name__ == "__main__":
    sys.exit(main())
