"""`make review-nlu` turns what the bot misread in real conversations into NLU blocks a trainer can label."""
import asyncio
import subprocess
import sys
import time

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

from tests.assistant.training_data import PROJECT_ROOT

CITIZEN = "whatsapp:919876501234"


def said(text, intent, confidence, ranking=(), language="hinglish"):
    return UserUttered(text, intent={"name": intent, "confidence": confidence},
                       parse_data={"text": text, "intent": {"name": intent, "confidence": confidence},
                                   "intent_ranking": [{"name": n, "confidence": c} for n, c in ranking],
                                   "entities": [], "detected_language": language},
                       timestamp=time.time())


@pytest.fixture
def tracker_store_with_a_conversation(tmp_path):
    database = tmp_path / "conversations.db"
    domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    store = SQLTrackerStore(domain, dialect="sqlite", db=str(database))
    events = [
        ActionExecuted("action_listen"),
        said("hamare yaha sab ganda pada h mera no 9876501234 h", "nlu_fallback", 0.3,
             [("nlu_fallback", 0.3), ("report_garbage", 0.28), ("report_drainage", 0.25)]),
        BotUttered("Did you mean…?"),
        ActionExecuted("action_listen"),
        said("/report_garbage", "report_garbage", 1.0),
        ActionExecuted("action_listen"),
        said("naali ka paani ghar me aa rha complaint IMC-261204-00042 dekho", "report_drainage", 0.41,
             [("report_drainage", 0.41), ("check_status", 0.39)]),
        ActionExecuted("action_listen"),
        said("कचरा गाड़ी तीन दिन से नहीं आई", "report_garbage", 0.97, [("report_garbage", 0.97)], language="hi"),
    ]
    asyncio.run(store.save(DialogueStateTracker.from_events(CITIZEN, events)))
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(f"tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {database}\n", encoding="utf-8")
    return endpoints


def run_review(endpoints, out):
    return subprocess.run([sys.executable, "scripts/review_nlu.py", "--endpoints", str(endpoints), "--out", str(out)],
                          cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)


def test_review_file_holds_fallbacks_corrections_and_unsure_messages_ready_to_label(
    tracker_store_with_a_conversation, tmp_path
):
    out = tmp_path / "review.yml"
    result = run_review(tracker_store_with_a_conversation, out)
    assert result.returncode == 0, result.stderr
    written = out.read_text(encoding="utf-8")
    examples = {m.get("text"): m.get("intent") for m in RasaYAMLReader().reads(written).intent_examples}
    assert examples == {
        "hamare yaha sab ganda pada h mera no <number> h": "report_garbage",  # the citizen's correction
        "naali ka paani ghar me aa rha complaint IMC-261204-00042 dekho": "report_drainage",  # unsure
    }
    assert "corrected" in written and "unsure" in written and "# Hinglish" in written


def test_review_file_shows_no_phone_number_or_conversation_id(tracker_store_with_a_conversation, tmp_path):
    out = tmp_path / "review.yml"
    assert run_review(tracker_store_with_a_conversation, out).returncode == 0
    written = out.read_text(encoding="utf-8")
    assert "9876501234" not in written and "919876501234" not in written


def test_an_in_memory_tracker_store_is_refused_with_a_clear_message(tmp_path):
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text("action_endpoint:\n  url: http://127.0.0.1:5055/webhook\n", encoding="utf-8")
    result = run_review(endpoints, tmp_path / "review.yml")
    assert result.returncode == 2
    assert "in memory" in result.stderr
