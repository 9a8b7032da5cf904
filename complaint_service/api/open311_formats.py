"""GeoReport v2's two wire formats: one answer written as JSON or as the spec's XML, chosen by the path.

The routes build one body (lists and dicts, as the JSON has always been); a `Document` says how that body is
nested in XML: the root element, the element of each entry of a list answer, and the element of each entry of
a list-valued field (`attributes` → `attribute`, `values` → `value`, …). XML is what FixMyStreet and most
deployed Open311 clients read; JSON stays exactly as it was.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Optional

from fastapi.responses import JSONResponse
from starlette.requests import Request
from starlette.responses import Response

XML_MEDIA_TYPE = "text/xml"  # Starlette adds "; charset=utf-8" to text types
JSON_MEDIA_TYPE = "application/json"
_XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n'
# Characters XML 1.0 cannot carry even escaped (the stored text is already free of most of them).
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_XML_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class Document:
    root: str
    item: Optional[str] = None
    """The element of each entry when the answer is a list; None when the answer is one object."""
    list_items: Mapping[str, str] = field(default_factory=dict)
    """A list-valued field → the element of each of its entries."""
    code_value_fields: Mapping[str, str] = field(default_factory=dict)
    """A field holding {code: value(s)} → the element of each pair (<code>, then one <value> per value)."""


SERVICES = Document("services", "service")
SERVICE_DEFINITION = Document("service_definition", list_items={"attributes": "attribute", "values": "value"})
SERVICE_REQUESTS = Document("service_requests", "request", list_items={"notes": "note"},
                            code_value_fields={"attributes": "attribute"})
# mySociety's element names, as FixMyStreet's client and its tests read them.
SERVICE_REQUEST_UPDATES = Document("service_requests_updates", "request_update")
DISCOVERY = Document("discovery", list_items={"endpoints": "endpoint", "formats": "format"})
ERRORS = Document("errors", "error")


def wants_xml(request: Request) -> bool:
    return request.url.path.lower().endswith(".xml")


def open311_answer(request: Request, body: Any, document: Document, status_code: int = 200,
                   headers: Optional[Mapping[str, str]] = None) -> Response:
    """`body` in the format the request's path names (`.xml` or `.json`)."""
    if wants_xml(request):
        return Response(xml_text(body, document), status_code=status_code, headers=dict(headers or {}),
                        media_type=XML_MEDIA_TYPE)
    return JSONResponse(body, status_code=status_code, headers=dict(headers or {}))


def xml_text(body: Any, document: Document) -> str:
    root = ElementTree.Element(document.root)
    if document.item is None:
        _fill(root, body, document)
    else:
        for entry in body:
            _fill(ElementTree.SubElement(root, document.item), entry, document)
    return _XML_DECLARATION + ElementTree.tostring(root, encoding="unicode")


def _fill(element: ElementTree.Element, value: Any, document: Document) -> None:
    if isinstance(value, dict):
        for name, inner in value.items():
            _add_field(element, str(name), inner, document)
    else:
        element.text = _text(value)


def _add_field(parent: ElementTree.Element, name: str, value: Any, document: Document) -> None:
    if name in document.code_value_fields and isinstance(value, dict):
        container = ElementTree.SubElement(parent, name)
        for code, given in value.items():
            pair = ElementTree.SubElement(container, document.code_value_fields[name])
            ElementTree.SubElement(pair, "code").text = _text(code)
            for one in given if isinstance(given, list) else [given]:
                ElementTree.SubElement(pair, "value").text = _text(one)
        return
    if not _XML_NAME.match(name):
        raise ValueError(f"'{name}' cannot be an XML element name; declare it as a code/value field")
    if isinstance(value, list):
        container = ElementTree.SubElement(parent, name)
        item_name = document.list_items.get(name, "item")
        for entry in value:
            _fill(ElementTree.SubElement(container, item_name), entry, document)
        return
    _fill(ElementTree.SubElement(parent, name), value, document)


def _text(value: Any) -> Optional[str]:
    """XML text of a scalar: None is an empty element, booleans are the spec's true/false."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))


Handler = Callable[..., Any]


def in_both_formats(register: Callable[..., Callable[[Handler], Handler]], path: str,
                    **options: Any) -> Callable[[Handler], Handler]:
    """Register a handler at `path.json` and `path.xml` (`register` is `router.get` or `router.post`).

    Only the JSON route is in the OpenAPI document: its schema describes the JSON bodies.
    """
    def decorate(handler: Handler) -> Handler:
        register(path + ".json", **options)(handler)
        register(path + ".xml", include_in_schema=False, **options)(handler)
        return handler
    return decorate
