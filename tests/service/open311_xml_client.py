"""An Open311 client that calls the service the way FixMyStreet's does (`perllib/Open311.pm`), in XML.

FixMyStreet asks for `services.xml`, `services/<code>.xml`, `requests.xml` (GET with comma-joined ids, and POST
with its form fields) and `servicerequestupdates.xml` (with `api_key`, empty when it has none, and a start and
end date); it adds `jurisdiction_id` to every call and `api_key` to every POST, and it reads the answers with an
XML parser, never JSON. The documents come back as parsed trees, checked for the declaration and content type.
"""
from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from typing import Dict, List, Optional

import requests

XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>'


@dataclass
class XmlAnswer:
    status_code: int
    content_type: str
    root: ElementTree.Element

    def entries(self, tag: str) -> List[Dict[str, Optional[str]]]:
        """The root's `tag` children as {child tag: text} (scalar children only)."""
        return [{child.tag: child.text for child in entry} for entry in self.root.findall(tag)]

    def errors(self) -> List[Dict[str, Optional[str]]]:
        assert self.root.tag == "errors", ElementTree.tostring(self.root, encoding="unicode")[:500]
        return self.entries("error")


class FixMyStreetStyleClient:
    def __init__(self, endpoint: str, jurisdiction: str, api_key: str) -> None:
        self.endpoint = endpoint.rstrip("/") + "/"
        self.jurisdiction = jurisdiction
        self.api_key = api_key

    def get_service_list(self) -> XmlAnswer:
        return self._get("services.xml")

    def get_service_meta_info(self, service_code: str) -> XmlAnswer:
        return self._get(f"services/{service_code}.xml")

    def send_service_request(self, fields: Dict[str, str]) -> XmlAnswer:
        return self._post("requests.xml", fields)

    def get_service_requests(self, report_ids: List[str]) -> XmlAnswer:
        return self._get("requests.xml", {"service_request_id": ",".join(report_ids)})

    def get_service_request_updates(self, start_date: str, end_date: str) -> XmlAnswer:
        return self._get("servicerequestupdates.xml",
                         {"api_key": "", "start_date": start_date, "end_date": end_date})

    def get(self, path: str, **parameters: str) -> XmlAnswer:
        return self._get(path, parameters)

    def _get(self, path: str, parameters: Optional[Dict[str, str]] = None) -> XmlAnswer:
        query = {**(parameters or {}), "jurisdiction_id": self.jurisdiction}
        return _parsed(requests.get(self.endpoint + path, params=query, timeout=30))

    def _post(self, path: str, fields: Dict[str, str]) -> XmlAnswer:
        form = {"jurisdiction_id": self.jurisdiction, "api_key": self.api_key, **fields}
        return _parsed(requests.post(self.endpoint + path, data=form, timeout=30))


def _parsed(response: requests.Response) -> XmlAnswer:
    text = response.content.decode("utf-8")
    assert text.startswith(XML_DECLARATION), text[:200]
    return XmlAnswer(response.status_code, response.headers.get("content-type", ""),
                     ElementTree.fromstring(response.content))
