"""The assistant's only door to the 311 service: an Open311 GeoReport v2 client.

Every call has a timeout; connection failures, timeouts and 5xx answers are retried a bounded number of
times with backoff and then raised as ServiceUnavailable; 4xx answers are failures with the service's
own Open311 error descriptions, never treated as success. Creation carries an Idempotency-Key so a
retry (or a double "yes") never files twice.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union
from urllib.parse import quote

import requests

log = logging.getLogger(__name__)

JsonObject = Dict[str, Any]
"""One Open311 object as the service sends it (a service, a complaint, an acknowledgement)."""
QueryParameters = Mapping[str, Union[str, int, float]]

RETRIED_STATUSES = frozenset({500, 502, 503, 504})


class Open311Error(Exception):
    """The service could not do what was asked."""


class ServiceUnavailable(Open311Error):
    """No answer, or a 5xx, after every retry: worth trying again later."""


class RequestRejected(Open311Error):
    """A 4xx answer: the request itself is wrong or not allowed; retrying will not help."""

    def __init__(self, status: int, descriptions: Sequence[str]) -> None:
        super().__init__(f"{status}: {'; '.join(descriptions)}")
        self.status = status
        self.descriptions = list(descriptions)


class NotFound(RequestRejected):
    pass


class Forbidden(RequestRejected):
    pass


@dataclass(frozen=True)
class ClientSettings:
    base_url: str
    api_key: str
    staff_key: str = field(default="", repr=False)
    timeout_seconds: float = 5.0
    attempts: int = 3
    backoff_seconds: float = 0.3
    catalogue_ttl_seconds: float = 600.0

    @classmethod
    def from_environment(cls) -> ClientSettings:
        port = os.environ.get("SERVICE311_PORT", "8311")
        return cls(
            base_url=os.environ.get("OPEN311_URL", f"http://127.0.0.1:{port}").rstrip("/"),
            api_key=os.environ.get("OPEN311_API_KEY", ""),
            staff_key=os.environ.get("SERVICE311_STAFF_KEY", ""),
            timeout_seconds=float(os.environ.get("OPEN311_TIMEOUT", "5")),
            attempts=int(os.environ.get("OPEN311_ATTEMPTS", "3")),
        )


@dataclass(frozen=True)
class Citizen:
    """Who is asking: a WhatsApp number (phone) or another channel's sender id (account)."""

    phone: Optional[str] = None
    account_id: Optional[str] = None

    @classmethod
    def from_sender(cls, sender_id: str) -> Citizen:
        digits = sender_id.lstrip("+")
        if digits.isdigit() and 8 <= len(digits) <= 15:
            return cls(phone=digits)
        return cls(account_id=f"chat:{sender_id}"[:100])

    def as_parameters(self) -> Dict[str, str]:
        return {"phone": self.phone} if self.phone else {"account_id": self.account_id or ""}


class Open311Client:
    def __init__(self, settings: ClientSettings) -> None:
        self.settings = settings
        self._http = requests.Session()
        self._catalogue: Dict[str, Tuple[float, List[JsonObject]]] = {}
        self._lock = threading.Lock()

    # --- reads -----------------------------------------------------------------------------------
    def services(self, language: str = "en") -> List[JsonObject]:
        """The catalogue in a language, cached for a while (it changes only when the city edits it)."""
        with self._lock:
            cached = self._catalogue.get(language)
            if cached and time.monotonic() - cached[0] < self.settings.catalogue_ttl_seconds:
                return cached[1]
        try:
            services = self._call("GET", "/services.json", params={"lang": language})
        except ServiceUnavailable:
            if cached:  # a stale catalogue beats none while the service is down
                return cached[1]
            raise
        with self._lock:
            self._catalogue[language] = (time.monotonic(), services)
        return services

    def complaint(self, tracking_number: str, language: str = "en") -> JsonObject:
        return self._call("GET", f"/requests/{quote(tracking_number)}.json", params={"lang": language})[0]

    def complaints_of(self, citizen: Citizen, language: str = "en", page_size: int = 10) -> List[JsonObject]:
        params: Dict[str, Union[str, int, float]] = {"lang": language, "page_size": page_size,
                                                     "api_key": self.settings.api_key, **citizen.as_parameters()}
        return self._call("GET", "/requests.json", params=params)

    def open_nearby(self, service_code: str, language: str, since_iso: str, locality: Optional[str] = None,
                    lat: Optional[float] = None, long: Optional[float] = None,
                    radius_metres: int = 250) -> List[JsonObject]:
        """Open complaints of the same category near a place: the nearby-duplicate query."""
        params: Dict[str, Union[str, int, float]] = {"service_code": service_code, "status": "open",
                                                     "start_date": since_iso, "lang": language}
        if lat is not None and long is not None:
            params.update(lat=lat, long=long, radius=radius_metres)
        elif locality:
            params["locality"] = locality
        else:
            return []
        return self._call("GET", "/requests.json", params=params)

    # --- writes ----------------------------------------------------------------------------------
    def file(self, fields: Dict[str, object], idempotency_key: str) -> JsonObject:
        body = {name: value for name, value in fields.items() if value not in (None, "")}
        body["api_key"] = self.settings.api_key
        return self._call("POST", "/requests.json", data=body, headers={"Idempotency-Key": idempotency_key})[0]

    def citizen_action(self, tracking_number: str, action: str, citizen: Citizen, idempotency_key: str,
                       **fields: object) -> JsonObject:
        """cancel, reopen, rating or supporters, on the citizen's behalf; the key makes a retry act once."""
        body = {"api_key": self.settings.api_key, **citizen.as_parameters(), **fields}
        path = f"/requests/{quote(tracking_number)}/{action}.json"
        return self._call("POST", path, data=body, headers={"Idempotency-Key": idempotency_key})[0]

    def officer_update(self, tracking_number: str, status: str, note: str, officer_phone: str, update_id: str,
                       media_url: Optional[str] = None) -> JsonObject:
        """A status change by a registered officer (mySociety's servicerequestupdates, staff key).

        The service decides whether `officer_phone` may act on the complaint (403 otherwise); `update_id`
        makes a repeated command a no-op.
        """
        body = {"api_key": self.settings.staff_key, "service_request_id": tracking_number, "status": status,
                "officer_phone": officer_phone, "update_id": update_id,
                "updated_datetime": datetime.now(timezone.utc).isoformat(timespec="seconds")}
        if note:
            body["description"] = note
        if media_url:
            body["media_url"] = media_url
        return self._call("POST", "/servicerequestupdates.json", data=body)[0]

    # --- transport -------------------------------------------------------------------------------
    def _call(self, method: str, path: str, params: Optional[QueryParameters] = None,
              data: Optional[Mapping[str, object]] = None,
              headers: Optional[Mapping[str, str]] = None) -> List[JsonObject]:
        """The service's answer: every GeoReport v2 resource, even a single one, is a JSON list."""
        url = self.settings.base_url + path
        last_problem = "no attempt made"
        for attempt in range(1, self.settings.attempts + 1):
            try:
                response = self._http.request(method, url, params=params, data=data, headers=headers,
                                              timeout=self.settings.timeout_seconds)
            except requests.RequestException as error:
                last_problem = type(error).__name__
            else:
                if response.status_code < 400:
                    answer: List[JsonObject] = response.json()
                    return answer
                if response.status_code not in RETRIED_STATUSES:
                    raise _rejection(response)
                last_problem = f"HTTP {response.status_code}"
            if attempt < self.settings.attempts:
                time.sleep(self.settings.backoff_seconds * (2 ** (attempt - 1)))
        log.warning("311 service unavailable for %s %s: %s", method, path, last_problem)
        raise ServiceUnavailable(last_problem)


def _rejection(response: requests.Response) -> RequestRejected:
    try:
        descriptions = [str(error.get("description", "")) for error in response.json()]
    except (ValueError, AttributeError, TypeError):
        descriptions = [response.text[:200]]
    kind = {404: NotFound, 403: Forbidden}.get(response.status_code, RequestRejected)
    return kind(response.status_code, descriptions)


_shared_client: Optional[Open311Client] = None
_shared_lock = threading.Lock()


def shared_client() -> Open311Client:
    """One client per action-server process, configured from the environment on first use."""
    global _shared_client
    with _shared_lock:
        if _shared_client is None:
            _shared_client = Open311Client(ClientSettings.from_environment())
        return _shared_client
