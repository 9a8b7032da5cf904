"""K-fold cross-validation of the NLU on the training data, per language, and the fallback threshold it suggests.

    .venv/bin/python scripts/cross_validate_nlu.py [--folds 5] [--only-folds N] [--config config.yml]
        [--report var/cross_validation.json]

Every example is held out exactly once: the folds are stratified by intent and language, drawn with a fixed
seed, and each fold trains an NLU-only model on the other folds. The out-of-fold predictions give the same
figures as the held-out evaluation (scripts/nlu_scores.py) and a table of fallback thresholds, so the
threshold is chosen on data the model did not see and never on the held-out test set.
`--only-folds 1` trains one fold only: a quick 80/20 comparison for ablations.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import asdict
from pathlib import Path
from typing import Dict, List

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rasa.core.agent import Agent  # noqa: E402
from rasa.model_training import train_nlu  # noqa: E402

from scripts.evaluate_nlu import gold_messages, predict, print_scores, quiet_logging  # noqa: E402
from scripts.nlu_scores import Prediction, score, threshold_outcomes  # noqa: E402
from tests.assistant.training_data import Example, training_examples  # noqa: E402

SEED = 20261206
THRESHOLDS = [round(0.10 + 0.05 * step, 2) for step in range(13)]


def folds_of(examples: List[Example], folds: int) -> List[List[Example]]:
    """Stratified by (intent, language): each fold holds about 1/k of every intent in every language."""
    by_stratum: Dict[tuple, List[Example]] = defaultdict(list)
    for example in examples:
        by_stratum[(example.intent, example.language)].append(example)
    assigned: List[List[Example]] = [[] for _ in range(folds)]
    shuffler = random.Random(SEED)
    offset = 0
    for stratum in sorted(by_stratum):
        members = sorted(by_stratum[stratum], key=lambda e: e.annotated)
        shuffler.shuffle(members)
        for index, example in enumerate(members):
            assigned[(index + offset) % folds].append(example)
        offset += len(members)
    return assigned


def write_nlu_file(examples: List[Example], path: Path) -> None:
    """A Rasa NLU YAML file with one block per intent, the annotated lines exactly as the trainers wrote them."""
    by_intent: Dict[str, List[str]] = defaultdict(list)
    for example in examples:
        by_intent[example.intent].append(example.annotated)
    lines = ['version: "3.1"', "nlu:"]
    for intent in sorted(by_intent):
        lines += [f"- intent: {intent}", "  examples: |"] + [f"    - {text}" for text in by_intent[intent]]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def run_fold(
    index: int, train: List[Example], held_out: List[Example], config: str, workdir: Path
) -> Dict[str, List[Prediction]]:
    train_file, test_file = workdir / f"train_{index}.yml", workdir / f"test_{index}.yml"
    write_nlu_file(train, train_file)
    started = time.perf_counter()
    model = train_nlu(config, str(train_file), str(workdir / "models"), fixed_model_name=f"fold_{index}",
                      domain="domain.yml")
    print(f"fold {index}: trained on {len(train)} in {time.perf_counter() - started:.0f} s", flush=True)
    agent = Agent.load(model)
    predictions: Dict[str, List[Prediction]] = {}
    started = time.perf_counter()
    for language in ("en", "hi", "hinglish"):
        of_language = [example for example in held_out if example.language == language]
        if not of_language:
            continue
        write_nlu_file(of_language, test_file)
        predictions[language] = asyncio.run(predict(agent, gold_messages(test_file)))
    parsed = sum(len(found) for found in predictions.values())
    print(
        f"fold {index}: {1000 * (time.perf_counter() - started) / max(1, parsed):.1f} ms per parsed message", flush=True
    )
    return predictions


def main() -> int:
    quiet_logging()
    parser = argparse.ArgumentParser()
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--only-folds", type=int, help="train only the first N folds (quick comparisons)")
    parser.add_argument("--config", default="config.yml")
    parser.add_argument("--data", default="data/nlu", help="the folder of NLU files to cross-validate")
    parser.add_argument("--report", help="write the figures and the out-of-fold predictions as JSON")
    arguments = parser.parse_args()
    examples = [e for e in training_examples(Path(arguments.data)) if e.language in ("en", "hi", "hinglish")]
    folds = folds_of(examples, arguments.folds)
    out_of_fold: Dict[str, List[Prediction]] = defaultdict(list)
    with tempfile.TemporaryDirectory(prefix="nlu_cv_") as scratch:
        for index in range(arguments.only_folds or arguments.folds):
            train = [example for other, fold in enumerate(folds) if other != index for example in fold]
            for language, predictions in run_fold(index, train, folds[index], arguments.config, Path(scratch)).items():
                out_of_fold[language].extend(predictions)
    results = {language: score(predictions) for language, predictions in out_of_fold.items()}
    for language, scores in results.items():
        print_scores(language, scores, 0.0, per_intent=False)
    everything = [p for predictions in out_of_fold.values() for p in predictions]
    outcomes = threshold_outcomes(everything, THRESHOLDS)
    print("threshold  acted on wrongly  asked needlessly  asked   cost")
    for outcome in outcomes:
        print(f"{outcome.threshold:9.2f}  {outcome.acted_on_wrongly:16.3f}  {outcome.asked_needlessly:16.3f}  "
              f"{outcome.asked:5.3f}  {outcome.cost:5.3f}")
    best = min(outcomes, key=lambda outcome: (outcome.cost, outcome.threshold))
    print(f"lowest cost at threshold {best.threshold:.2f}")
    if arguments.report:
        report = {"folds": arguments.folds, "trained_folds": arguments.only_folds or arguments.folds,
                  "scores": {language: asdict(scores) for language, scores in results.items()},
                  "thresholds": [asdict(outcome) for outcome in outcomes],
                  "predictions": {language: [asdict(p) for p in predictions]
                                  for language, predictions in out_of_fold.items()}}
        Path(arguments.report).parent.mkdir(parents=True, exist_ok=True)
        Path(arguments.report).write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
