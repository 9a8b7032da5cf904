"""The trainer's loop: messages the assistant did not understand well, from the tracker store, ready to label.

    .venv/bin/python scripts/review_nlu.py --endpoints endpoints.production.yml [--out var/review/nlu_review.yml]
        [--unsure-below 0.6] [--since-days 30]

Picks every citizen message where the NLU fell back, was unsure (top confidence below --unsure-below), or the
citizen corrected it (after a fallback they tapped or typed another intent's button). Each becomes its own block
in Rasa's NLU YAML, under the intent the citizen chose or the model's best guess, with its language comment line
and a comment saying why it is there. A trainer checks the intent line, fixes it where it is wrong, and moves the
block into the data/nlu/ file of that intent. Phone and Aadhaar-like numbers are masked and no conversation id
is written, so the file can be shared with trainers; tracking numbers are kept.
"""
from __future__ import annotations

import argparse
import asyncio
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, List, Optional

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rasa.core.tracker_store import InMemoryTrackerStore, TrackerStore  # noqa: E402
from rasa.shared.core.domain import Domain  # noqa: E402
from rasa.shared.core.events import UserUttered  # noqa: E402
from rasa.utils.endpoints import read_endpoint_config  # noqa: E402

FALLBACK_INTENT = "nlu_fallback"
LANGUAGE_COMMENTS = {"en": "# English", "hi": "# Devanagari Hindi", "hinglish": "# Hinglish"}
# Indian mobile numbers (with or without +91) and 12-digit Aadhaar-like runs; tracking numbers
# (IMC-YYMMDD-NNNNN) have no run of ten digits and survive.
PERSONAL_NUMBER = re.compile(
    r"(?<![\d-])(?:\+?91[\s-]?)?[6-9]\d{4}[\s-]?\d{5}(?![\d-])|(?<!\d)\d{4}\s?\d{4}\s?\d{4}(?!\d)"
)
BUTTON_PAYLOAD = re.compile(r"^/([A-Za-z_]+)")


@dataclass(frozen=True)
class ReviewItem:
    text: str
    suggested_intent: str
    reason: str
    language: Optional[str]


def masked(text: str) -> str:
    return PERSONAL_NUMBER.sub("<number>", text)


def items_of_conversation(events: Iterable, unsure_below: float, since: float) -> List[ReviewItem]:
    """Review items of one conversation, in order: the citizen's own words only, never button payloads."""
    utterances = [event for event in events if isinstance(event, UserUttered) and (event.timestamp or 0) >= since]
    found: List[ReviewItem] = []
    for index, event in enumerate(utterances):
        text = (event.text or "").strip()
        if not text or text.startswith("/"):
            continue
        parse = event.parse_data or {}
        intent = (parse.get("intent") or {}).get("name") or ""
        ranking = [item for item in parse.get("intent_ranking") or [] if item.get("name") != FALLBACK_INTENT]
        best_guess = (
            ranking[0]
            if ranking
            else {"name": intent, "confidence": (parse.get("intent") or {}).get("confidence", 0.0)}
        )
        following = utterances[index + 1] if index + 1 < len(utterances) else None
        chosen = BUTTON_PAYLOAD.match((following.text or "") if following else "")
        if intent == FALLBACK_INTENT and chosen:
            reason, suggestion = f"corrected: the citizen chose {chosen.group(1)} after a fallback", chosen.group(1)
        elif intent == FALLBACK_INTENT:
            reason, suggestion = "fell back", best_guess["name"]
        elif float(best_guess.get("confidence") or 0.0) < unsure_below:
            reason, suggestion = "unsure", best_guess["name"]
        else:
            continue
        if not suggestion or suggestion == FALLBACK_INTENT:
            continue
        reason += f" (model's guess {best_guess['name']} {float(best_guess.get('confidence') or 0.0):.2f})"
        found.append(ReviewItem(masked(text), suggestion, reason, parse.get("detected_language")))
    return found


def review_file(items: List[ReviewItem]) -> str:
    lines = ['version: "3.1"', "# Check each block's intent (fix it where it is wrong), then move the block, with its",
             "# language line, into the data/nlu/ file of that intent. Lines without a language line need one.", "nlu:"]
    for item in items:
        lines += [f"# {item.reason}", LANGUAGE_COMMENTS.get(item.language or "", "# language: ?"),
                  f"- intent: {item.suggested_intent}", "  examples: |", f"    - {item.text}"]
    return "\n".join(lines) + "\n"


async def collect(store: TrackerStore, unsure_below: float, since: float) -> List[ReviewItem]:
    items: List[ReviewItem] = []
    seen = set()
    for conversation_id in sorted(await store.keys()):
        tracker = await store.retrieve_full_tracker(conversation_id)
        if tracker is None:
            continue
        for item in items_of_conversation(tracker.events, unsure_below, since):
            if item.text.casefold() not in seen:
                seen.add(item.text.casefold())
                items.append(item)
    return items


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoints", default="endpoints.yml", help="the endpoints file naming the tracker store")
    parser.add_argument("--domain", default="domain.yml")
    parser.add_argument("--out", default="var/review/nlu_review.yml")
    parser.add_argument("--unsure-below", type=float, default=0.6)
    parser.add_argument("--since-days", type=float, default=30.0)
    arguments = parser.parse_args()
    store = TrackerStore.create(
        read_endpoint_config(arguments.endpoints, "tracker_store"), Domain.load(arguments.domain)
    )
    if isinstance(store, InMemoryTrackerStore):
        print(f"{arguments.endpoints} keeps conversations in memory only: nothing to review. Point --endpoints at a "
              "file whose tracker_store is an SQL (or other persistent) store.", file=sys.stderr)
        return 2
    items = asyncio.run(collect(store, arguments.unsure_below, time.time() - 86_400 * arguments.since_days))
    out = Path(arguments.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(review_file(items), encoding="utf-8")
    print(f"{len(items)} messages to review in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
