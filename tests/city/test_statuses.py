"""One status vocabulary: every status has its three labels, and the chat and the notifications say the same word."""
from __future__ import annotations

from pathlib import Path

import pytest

from city.statuses import LANGUAGES, label, vocabulary
from complaint_service.lifecycle import Status, open311_status, status_note


def test_the_vocabulary_names_exactly_the_statuses_the_service_stores() -> None:
    assert set(vocabulary()) == {status.value for status in Status}


@pytest.mark.parametrize("status", [status.value for status in Status])
def test_every_status_has_a_label_in_each_language(status: str) -> None:
    labels = vocabulary()[status].labels

    assert set(labels) == set(LANGUAGES)
    assert all(labels[language].strip() for language in LANGUAGES)
    assert labels["hi"] != labels["en"]


@pytest.mark.parametrize("status", [status.value for status in Status])
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_chat_and_the_notifications_use_the_same_label(status: str, language: str) -> None:
    from actions.complaint_status import status_text
    from complaint_service.whatsapp_notifications import WhatsAppNotificationSender

    in_chat = status_text(language, status)
    in_notification = WhatsAppNotificationSender._status_label(status, language)

    assert in_chat == in_notification == label(status, language)


def test_open311_reads_the_open_or_closed_of_the_vocabulary() -> None:
    assert {status.value: open311_status(status.value) for status in Status} == {
        "submitted": "open", "assigned": "open", "in_progress": "open", "reopened": "open",
        "resolved": "closed", "closed": "closed", "cancelled": "closed"}


def test_the_open311_status_note_is_the_english_and_hindi_label() -> None:
    assert status_note("resolved") == "Resolved / निराकरण हुआ"


def test_an_unknown_status_is_shown_as_it_is_and_an_unknown_language_in_english() -> None:
    assert label("on_hold", "hi") == "on_hold"
    assert label("resolved", "mr") == "Resolved"


def test_a_status_without_a_label_in_one_language_is_refused(tmp_path: Path) -> None:
    broken = tmp_path / "statuses.yml"
    broken.write_text('statuses:\n  resolved:\n    open311: closed\n    label: {en: "Resolved", hi: "निराकरण हुआ"}\n',
                      encoding="utf-8")

    with pytest.raises(ValueError, match="resolved has no label in hinglish"):
        vocabulary(broken)


def test_a_status_that_is_neither_open_nor_closed_is_refused(tmp_path: Path) -> None:
    broken = tmp_path / "statuses.yml"
    broken.write_text('statuses:\n  resolved:\n    open311: done\n    label: {en: "a", hi: "b", hinglish: "c"}\n',
                      encoding="utf-8")

    with pytest.raises(ValueError, match="open311: open or closed"):
        vocabulary(broken)
