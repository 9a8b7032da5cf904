"""A citizen (or officer) on WhatsApp, as the tests drive one: signed deliveries in, the fake's record out."""
from __future__ import annotations

import itertools
from typing import Dict, List, Optional

from tests.assistant import whatsapp_payloads as payloads
from tests.assistant.conftest import Assistant

_numbers = itertools.count(1)


def new_number() -> str:
    return f"9197{next(_numbers):08d}"


def text_of(message: dict) -> str:
    """What the person reads in one outbound message, whatever its type."""
    kind = message.get("type")
    if kind == "text":
        return message["text"]["body"]
    if kind == "interactive":
        return message["interactive"]["body"]["text"]
    if kind == "image":
        return message["image"].get("caption", "")
    if kind == "template":
        return " ".join(p["text"] for c in message["template"]["components"] for p in c["parameters"])
    return ""


def choices_in(message: dict) -> List[dict]:
    """The buttons or list rows of an interactive message, as {"id", "title"}."""
    if message.get("type") != "interactive":
        return []
    interactive = message["interactive"]
    if interactive["type"] == "button":
        return [button["reply"] for button in interactive["action"]["buttons"]]
    return [row for section in interactive["action"]["sections"] for row in section["rows"]]


class WhatsAppPerson:
    def __init__(self, assistant: Assistant, number: Optional[str] = None) -> None:
        self.assistant, self.number = assistant, number or new_number()
        self.turns = 0

    @property
    def received(self) -> List[dict]:
        assert self.assistant.graph is not None, "the assistant runs without WhatsApp"
        return self.assistant.graph.messages_to(self.number)

    def send(self, message: dict) -> List[dict]:
        """Deliver one message and wait for the bot's answer; returns the messages of that answer."""
        before = len(self.received)
        assert self.assistant.whatsapp is not None, "the assistant runs without WhatsApp"
        response = self.assistant.whatsapp.deliver(message)
        assert response.status_code == 200, response.text
        self.turns += 1
        self.assistant.wait_for_user_turns(self.number, self.turns)
        return self.received[before:]

    def says(self, text: str) -> List[dict]:
        return self.send(payloads.text(self.number, text))

    def taps(self, choice: dict) -> List[dict]:
        return self.send(payloads.button_reply(self.number, choice["id"], choice["title"]))

    def slot(self, name: str) -> object:
        return self.assistant.slot(self.number, name)

    def files_a_complaint(self, first: dict, answers: Dict[str, dict], max_turns: int = 10) -> List[dict]:
        """Send the first message, then answer what the form asks: from `answers` by slot, else the first choice."""
        reply = self.send(first)
        for _ in range(max_turns):
            tracker = self.assistant.tracker(self.number)
            asked = tracker["slots"].get("requested_slot")
            if (tracker.get("active_loop") or {}).get("name") != "complaint_form" or asked is None:
                return reply
            if asked in answers:  # a fresh wamid: the same answer again is a new message, not a redelivery
                reply = self.send(dict(answers[asked], id=payloads.new_wamid()))
                continue
            offered = [choice for message in reply for choice in choices_in(message)]
            reply = self.taps(offered[0]) if offered else self.says("1")
        raise AssertionError(f"the form did not finish; last reply: {[text_of(m) for m in reply]}")
