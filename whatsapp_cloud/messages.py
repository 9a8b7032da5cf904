"""Outbound message bodies, built within the Cloud API's limits so that Meta never rejects them.

Titles that must be cut are cut so that they stay unique (Meta rejects duplicate titles as well). The text
rules (`split_text`, `numbered_text`, `Choice`) are WhatsApp's own and serve the Twilio transport as well.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence

TEXT_LIMIT = 4096
INTERACTIVE_BODY_LIMIT = 1024
MAX_BUTTONS = 3
BUTTON_TITLE_LIMIT = 20
MAX_LIST_ROWS = 10
ROW_TITLE_LIMIT = 24
ROW_DESCRIPTION_LIMIT = 72
ROW_ID_LIMIT = 200
BUTTON_ID_LIMIT = 256
CAPTION_LIMIT = 1024
# One label for every language: the channel does not know which the citizen speaks; the rows do.
LIST_BUTTON_LABEL = "Choose / चुनें"


@dataclass(frozen=True)
class Choice:
    title: str
    payload: str


def split_text(text: str, limit: int = TEXT_LIMIT) -> List[str]:
    """Pieces of at most `limit` characters, cut at a paragraph, line or word boundary where there is one."""
    pieces: List[str] = []
    rest = text.strip()
    while len(rest) > limit:
        window = rest[:limit]
        cut = max(window.rfind("\n\n"), window.rfind("\n"), window.rfind(" "))
        cut = cut if cut > limit // 2 else limit
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces


def unique_titles(titles: Sequence[str], limit: int) -> List[str]:
    """Each title cut to `limit` characters; a cut that collides with an earlier one gets a number."""
    result: List[str] = []
    for title in titles:
        candidate = _cut(title.strip() or "…", limit)
        number = 2
        while candidate in result:
            suffix = f" {number}"
            candidate = _cut(title.strip(), limit - len(suffix)) + suffix
            number += 1
        result.append(candidate)
    return result


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def text_message(body: str) -> Dict[str, Any]:
    return {"type": "text", "text": {"body": body, "preview_url": False}}


def numbered_text(body: str, choices: Sequence[Choice]) -> str:
    """Choices as text, one numbered title a line, for the citizen to answer with a number (any transport)."""
    numbered = "\n".join(f"{number}. {choice.title}" for number, choice in enumerate(choices, start=1))
    return f"{body}\n\n{numbered}".strip()


def choice_messages(body: str, choices: Sequence[Choice]) -> List[Dict[str, Any]]:
    """Reply buttons for up to 3 choices, a list for up to 10, numbered text beyond (answered with a number)."""
    interactive = interactive_messages(body, choices)
    if interactive is None:
        return [text_message(piece) for piece in split_text(numbered_text(body, choices))]
    return interactive


def interactive_messages(body: str, choices: Sequence[Choice]) -> Optional[List[Dict[str, Any]]]:
    """Reply buttons for up to 3 choices, a list for up to 10; None where only numbered text can carry them.

    Text longer than an interactive body allows goes first, as plain text.
    """
    usable = [choice for choice in choices if choice.payload and len(choice.payload) <= ROW_ID_LIMIT]
    if len(usable) > MAX_LIST_ROWS or not usable:
        return None
    pieces = split_text(body or "…", INTERACTIVE_BODY_LIMIT)
    leading = [text_message(piece) for piece in pieces[:-1]]
    interactive: Dict[str, Any]
    if len(usable) <= MAX_BUTTONS:
        titles = unique_titles([choice.title for choice in usable], BUTTON_TITLE_LIMIT)
        buttons = [{"type": "reply", "reply": {"id": choice.payload, "title": title}}
                   for choice, title in zip(usable, titles, strict=True)]
        interactive = {"type": "button", "body": {"text": pieces[-1]}, "action": {"buttons": buttons}}
    else:
        titles = unique_titles([choice.title for choice in usable], ROW_TITLE_LIMIT)
        rows = []
        for choice, title in zip(usable, titles, strict=True):
            row = {"id": choice.payload, "title": title}
            if title != choice.title:
                row["description"] = _cut(choice.title, ROW_DESCRIPTION_LIMIT)
            rows.append(row)
        interactive = {"type": "list", "body": {"text": pieces[-1]},
                       "action": {"button": LIST_BUTTON_LABEL, "sections": [{"rows": rows}]}}
    return leading + [{"type": "interactive", "interactive": interactive}]


def image_message(link: str, caption: str = "") -> Dict[str, Any]:
    image: Dict[str, Any] = {"link": link}
    if caption:
        image["caption"] = _cut(caption, CAPTION_LIMIT)
    return {"type": "image", "image": image}


def template_message(name: str, language_code: str, parameters: Sequence[str]) -> Dict[str, Any]:
    body = [{"type": "text", "text": _cut(str(value), 1024)} for value in parameters]
    return {"type": "template", "template": {"name": name, "language": {"code": language_code},
                                             "components": [{"type": "body", "parameters": body}]}}


def addressed(recipient: str, content: Dict[str, Any]) -> Dict[str, Any]:
    return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": recipient, **content}


def read_receipt(message_id: str) -> Dict[str, Any]:
    return {"messaging_product": "whatsapp", "status": "read", "message_id": message_id,
            "typing_indicator": {"type": "text"}}
