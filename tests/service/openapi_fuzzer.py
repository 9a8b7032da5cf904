"""HTTP calls generated from an OpenAPI document, with awkward values, sent to a running service.

What schemathesis would do, in a few hundred lines of our own: every operation of the document, its path,
query, header and body parameters, filled either almost correctly (plausible values, then one or two
spoilt) or chaotically (long strings, control characters, Devanagari, emoji, injection strings, numbers out
of range, wrong JSON types, missing required fields, invalid UTF-8 and broken bodies).

Call number `i` of seed `s` is always the same call (it has a random generator of its own), so a failure
report names the call and anyone can rebuild it with `CallGenerator(...).call(i)`.
"""
from __future__ import annotations

import json
import random
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union
from urllib.parse import quote, urlencode

import requests

HTTP_METHODS = ("get", "post", "put", "patch", "delete")
PlausibleValue = Union[str, Callable[[random.Random], str]]

# Fixed awkward strings: each names a way real input has broken real services.
AWKWARD_TEXT: Tuple[str, ...] = (
    "", " ", "\t", "0", "-1", "null", "None", "true", "[]", "{}", "undefined",
    "x" * 10_000,                                   # far past every length limit
    "नल में गंदा पानी " * 600,                        # 10,200 Devanagari characters
    "😀" * 3_000, "👨‍👩‍👧‍👦" * 200, "🏳️‍🌈",            # astral characters and ZWJ sequences
    "\x00", "a\x00b", "\x01\x02\x03\x1b[31m\x7f", "line\r\nbreak", "\u2028\u2029", "\ufeffBOM",
    "\u202eevil\u202c", "\u200b\u200c\u200d", "ज़", "क\u093c", "e\u0301" * 50,  # RTL, zero width, combining
    "\ud800", "a\udfffb",                           # lone surrogates: invalid UTF-8 once encoded
    "'; DROP TABLE complaints;--", "\" OR \"1\"=\"1", "1 OR 1=1", "' UNION SELECT phone FROM complaints--",
    "%' AND 1=0 UNION SELECT NULL--", "admin'--", "1; SELECT pg_sleep(0)--",
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "javascript:alert(1)", "{{7*7}}", "${jndi:ldap://x/a}",
    "../../../../etc/passwd", "%00", "%ff%fe", "%s%s%s%n", "\\", "\\u0000", "\\ud800",
    "IMC-000000-00000", "IMC-999999-99999", "imc 261128 42", "IMC-२६११२८-०००४२", "GARBAGE_DUMP ",
    "2026-11-28T10:00:00", "2026-02-30T10:00:00+05:30", "0001-01-01T00:00:00+05:30",
    "9999-12-31T23:59:59-12:00", "2026-11-28T25:61:00Z", "1e309", "-1e309", "NaN", "inf", "-0",
)
AWKWARD_NUMBERS: Tuple[str, ...] = (
    "0", "-1", "-0", "86", "999", "1000001", "2147483648", "-2147483649", "9223372036854775808", "9" * 400,
    "1e309", "-1e309", "1e-400", "NaN", "nan", "Infinity", "-inf", "1.5", "22.7196.1", "0x1A", "1_000",
    "١٢", "१२", "²", "Ⅻ", " 5 ", "+5", "5 5", "abc", "", "true", "[]", "1,2",
)
AWKWARD_JSON: Tuple[object, ...] = (
    True, False, None, 0, -1, 2 ** 64, -(2 ** 63) - 1, 1.5, 1e308, [], ["a", "b"], [None], {"a": 1}, [[1]],
    {"$gt": ""}, ["'; DROP TABLE complaints;--"],
)
_TEXT_POOLS: Tuple[Tuple[int, int], ...] = (
    (0x20, 0x7E), (0x00, 0x1F), (0x0900, 0x097F), (0x0966, 0x096F), (0x1F300, 0x1FAFF), (0x4E00, 0x4E40),
    (0x0300, 0x036F), (0x0600, 0x06FF), (0x2000, 0x206F), (0xFFF0, 0xFFFF), (0xD800, 0xDFFF),
)


@dataclass(frozen=True, eq=False)  # hashed by identity: a parameter's schema is a dict
class Parameter:
    name: str
    location: str  # path, query, header or body
    schema: dict
    required: bool


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    parameters: Tuple[Parameter, ...]
    body_media_types: Tuple[str, ...] = ()
    body_name_patterns: Tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return f"{self.method.upper()} {self.path}"

    def located(self, location: str) -> List[Parameter]:
        return [parameter for parameter in self.parameters if parameter.location == location]


def operations_from(document: dict) -> List[Operation]:
    """Every operation of an OpenAPI 3 document with its parameters; body fields become `body` parameters."""
    operations = []
    for path, item in document["paths"].items():
        shared = item.get("parameters", [])
        for method, spec in item.items():
            if method not in HTTP_METHODS:
                continue
            parameters = [
                Parameter(raw["name"], raw["in"], _resolve(document, raw.get("schema", {})), bool(raw.get("required")))
                for raw in (_resolve(document, p) for p in shared + spec.get("parameters", []))
            ]
            media_types: Tuple[str, ...] = ()
            patterns: Tuple[str, ...] = ()
            body = _resolve(document, spec.get("requestBody") or {})
            if body.get("content"):
                media_types = tuple(body["content"])
                schema = _resolve(document, next(iter(body["content"].values())).get("schema", {}))
                required = set(schema.get("required", []))
                parameters += [Parameter(name, "body", _resolve(document, field_schema), name in required)
                               for name, field_schema in schema.get("properties", {}).items()]
                patterns = tuple(schema.get("patternProperties", {}))
            operations.append(Operation(method, path, tuple(parameters), media_types, patterns))
    return operations


def _resolve(document: dict, node: dict) -> dict:
    while "$ref" in node:
        target: Any = document  # a JSON document: any node may be the next one
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


@dataclass
class GeneratedCall:
    index: int
    operation: Operation
    path: str
    query: str
    headers: Dict[str, str]
    body: Optional[bytes]
    shape: str  # how the call was made: near-valid or chaos, and how its body was encoded

    def describe(self, limit: int = 300) -> str:
        query = f"?{self.query[:limit]}" if self.query else ""
        body = f" body={self.body[:limit]!r}" if self.body is not None else ""
        return f"call #{self.index} ({self.shape}) {self.operation.method.upper()} {self.path[:limit]}{query}{body}"


class CallGenerator:
    """Builds call number `index` of a seeded run; the same seed and index always give the same call."""

    def __init__(self, operations: Sequence[Operation], plausible: Dict[str, Sequence[PlausibleValue]],
                 extra_body_names: Sequence[str] = (), credentials: Sequence[str] = ("api_key",),
                 together: Sequence[Sequence[str]] = (), seed: int = 311) -> None:
        """`plausible` holds values by parameter name (or by "METHOD /path name"). A near-valid call always
        carries the `credentials` parameters, so that it gets past the key check to the code behind it, and
        all of a `together` group (lat and long) or none: rules a document cannot state for query parameters."""
        self.operations = list(operations)
        self.together = [set(group) for group in together]
        self.plausible = plausible
        self.extra_body_names = list(extra_body_names)
        self.credentials = set(credentials)
        self.seed = seed

    def call(self, index: int) -> GeneratedCall:
        rng = random.Random(f"{self.seed}:{index}")
        operation = self.operations[index % len(self.operations)]  # round robin: every operation gets its share
        near_valid = rng.random() < 0.45
        values = self._near_valid_values(rng, operation) if near_valid else self._chaotic_values(rng, operation)

        def present(location: str) -> List[Tuple[str, object]]:
            return [(p.name, values[p]) for p in operation.located(location) if values[p] is not _MISSING]

        path = operation.path
        for parameter in operation.located("path"):
            text = "" if values[parameter] is _MISSING else _as_text(values[parameter])
            path = path.replace("{" + parameter.name + "}", quote(text, safe="", errors="surrogatepass"))
        query = urlencode([(name, _as_text(value)) for name, value in present("query")], errors="surrogatepass")
        headers = {name: _header_safe(_as_text(value)) for name, value in present("header")}
        body, encoding = None, "no body"
        if operation.body_media_types:
            fields = present("body") + self._extra_fields(rng, operation)
            body, content_type, encoding = self._body(rng, fields, broken_allowed=not near_valid)
            if content_type is not None:
                headers["Content-Type"] = content_type
        shape = f"{'near-valid' if near_valid else 'chaos'}, {encoding}"
        return GeneratedCall(index, operation, path, query, headers, body, shape)

    def _near_valid_values(self, rng: random.Random, operation: Operation) -> Dict[Parameter, object]:
        """Plausible values for the required parameters, the credentials and some optional ones; then one or
        two of them spoilt (left out or made awkward)."""
        presence = rng.uniform(0.1, 0.6)
        values: Dict[Parameter, object] = {}
        for parameter in operation.parameters:
            wanted = parameter.required or parameter.name in self.credentials or rng.random() < presence
            values[parameter] = self._plausible(rng, operation, parameter) if wanted else _MISSING
        for group in self.together:
            members = [parameter for parameter in operation.parameters if parameter.name in group]
            if any(values[member] is not _MISSING for member in members):
                for member in members:
                    if values[member] is _MISSING:
                        values[member] = self._plausible(rng, operation, member)
        spoilt = rng.sample(operation.parameters, k=min(len(operation.parameters), rng.choice([0, 1, 1, 2])))
        for parameter in spoilt:
            values[parameter] = _MISSING if rng.random() < 0.3 else self._awkward(rng, parameter)
        return values

    def _chaotic_values(self, rng: random.Random, operation: Operation) -> Dict[Parameter, object]:
        """Each parameter on its own: left out (even when required), plausible, or awkward."""
        values: Dict[Parameter, object] = {}
        for parameter in operation.parameters:
            roll = rng.random()
            if roll < (0.1 if parameter.required else 0.4):
                values[parameter] = _MISSING
            elif roll < 0.7:
                values[parameter] = self._plausible(rng, operation, parameter)
            else:
                values[parameter] = self._awkward(rng, parameter)
        return values

    def _plausible(self, rng: random.Random, operation: Operation, parameter: Parameter) -> str:
        """A value from the pool for `"METHOD /path name"` or for the name, else one that fits the schema."""
        pool = self.plausible.get(f"{operation.label} {parameter.name}") or self.plausible.get(parameter.name)
        if pool:
            chosen = rng.choice(list(pool))
            return chosen(rng) if callable(chosen) else chosen
        schema = parameter.schema
        if "enum" in schema:
            return str(rng.choice(schema["enum"]))
        if schema.get("type") == "integer":
            return str(rng.randint(int(schema.get("minimum", 0)), int(schema.get("maximum", 100))))
        if schema.get("type") == "number":
            return repr(rng.uniform(float(schema.get("minimum", -1000)), float(schema.get("maximum", 1000))))
        if schema.get("format") == "date-time":
            return _recent_datetime(rng)
        if schema.get("type") == "boolean":
            return rng.choice(["true", "false"])
        return rng.choice(["kachra", "Rajwada, Indore", "test", "नमस्ते", "abc123"])

    def _awkward(self, rng: random.Random, parameter: Parameter) -> object:
        roll = rng.random()
        if parameter.location == "body" and roll < 0.15:
            return rng.choice(AWKWARD_JSON)
        if parameter.schema.get("type") in ("integer", "number") and roll < 0.6:
            return _out_of_range(rng, parameter.schema)
        if roll < 0.75:
            return rng.choice(AWKWARD_TEXT)
        return random_text(rng)

    def _extra_fields(self, rng: random.Random, operation: Operation) -> Fields:
        """Fields the document allows by pattern (attribute[code]) and some it does not mention at all."""
        allowed = [name for name in self.extra_body_names
                   if any(re.fullmatch(pattern, name) for pattern in operation.body_name_patterns)]
        extra: Fields = []
        for name in rng.sample(allowed, k=min(len(allowed), rng.choice([0, 0, 1, 2]))):
            pool = self.plausible.get(name)
            chosen = rng.choice(list(pool)) if pool and rng.random() < 0.6 else rng.choice(AWKWARD_TEXT)
            extra.append((name, chosen(rng) if callable(chosen) else chosen))
        if rng.random() < 0.1:
            unknown = rng.choice(["attribute[]", "attribute[x", "attribute[" + "a" * 100 + "]", "unknown_field",
                                  "api_key[]", "", "\x00", "नाम", "attribute[landmark][]"])
            extra.append((unknown, rng.choice(AWKWARD_TEXT)))
        return extra

    def _body(self, rng: random.Random, fields: Fields, broken_allowed: bool) -> Tuple[bytes, Optional[str], str]:
        roll = rng.random() * (1.0 if broken_allowed else 0.86)
        if roll < 0.6:
            encoded = _form(fields).encode("ascii")
            if rng.random() < 0.04:  # raw bytes that are no UTF-8 at all, after the fields
                encoded += b"&description=" + rng.choice([b"\xff\xfe", b"\xc3\x28", b"\xed\xa0\x80", b"\xf8\x88\x80"])
            return encoded, FORM, "form"
        if roll < 0.86:
            document = {name: value for name, value in fields}
            ascii_only = rng.random() < 0.5  # \ud800 escapes, or raw surrogates that are not UTF-8 at all
            text = json.dumps(document, ensure_ascii=ascii_only)
            return text.encode("utf-8", errors="surrogatepass"), "application/json", "json"
        name, build = rng.choice(_BROKEN_BODIES)
        body, content_type = build(rng, fields)
        return body, content_type, f"broken body: {name}"


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


_MISSING = _Missing()


def _form(fields: Fields) -> str:
    """Form encoding; a lone surrogate becomes percent-encoded bytes that are not UTF-8."""
    return urlencode([(name, _as_text(value)) for name, value in fields], errors="surrogatepass")


def _as_text(value: object) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value) if isinstance(value, (list, dict, bool)) or value is None else str(value)


def _header_safe(value: str) -> str:
    """What a header can carry at all: bytes on the wire, no line breaks or NUL, no leading white space."""
    raw = value.encode("utf-8", errors="surrogatepass")[:4000].decode("latin-1")
    return re.sub(r"[\r\n\x00]", "", raw).lstrip()


def _out_of_range(rng: random.Random, schema: dict) -> str:
    bounds = [str(schema[key] + step) for key, step in (("minimum", -1), ("maximum", 1)) if key in schema]
    return rng.choice(list(AWKWARD_NUMBERS) + bounds)


def _recent_datetime(rng: random.Random) -> str:
    india = timezone(timedelta(hours=5, minutes=30))
    moment = datetime.now(india) - timedelta(days=rng.uniform(-2, 100))
    return moment.replace(microsecond=0).isoformat()


def random_text(rng: random.Random) -> str:
    length = rng.choice([1, 2, 5, 20, 100, 500])
    characters = []
    for _ in range(length):
        low, high = rng.choice(_TEXT_POOLS)
        characters.append(chr(rng.randint(low, high)))
    return "".join(characters)


Fields = List[Tuple[str, object]]
FORM = "application/x-www-form-urlencoded"


def _random_bytes(rng: random.Random, _fields: Fields) -> Tuple[bytes, Optional[str]]:
    return bytes(rng.getrandbits(8) for _ in range(rng.choice([1, 10, 300, 2000]))), FORM


def _invalid_utf8_json(rng: random.Random, fields: Fields) -> Tuple[bytes, Optional[str]]:
    text = json.dumps({name: _as_text(value) for name, value in fields} | {"description": "__BAD__"})
    bad = rng.choice([b"\xff", b"\xc0\xaf", b"\xed\xa0\x80"])
    return text.encode("utf-8", errors="surrogatepass").replace(b"__BAD__", bad), "application/json"


def _not_an_object(rng: random.Random, _fields: Fields) -> Tuple[bytes, Optional[str]]:
    return rng.choice([b"[1,2,3]", b'"text"', b"42", b"null", b"true", b"[]", b"[{}]"]), "application/json"


def _truncated_json(rng: random.Random, fields: Fields) -> Tuple[bytes, Optional[str]]:
    text = json.dumps({name: _as_text(value) for name, value in fields}, ensure_ascii=True)
    return text[: rng.randint(0, max(len(text) - 1, 0))].encode("ascii"), "application/json"


def _deeply_nested_json(rng: random.Random, _fields: Fields) -> Tuple[bytes, Optional[str]]:
    depth = rng.choice([50, 2_000, 20_000])
    return ('{"description": ' + "[" * depth + "]" * depth + "}").encode("ascii"), "application/json"


def _oversized(rng: random.Random, fields: Fields) -> Tuple[bytes, Optional[str]]:
    padding = "&description=" + "y" * rng.choice([65_000, 70_000, 200_000])
    return (_form(fields) + padding).encode("ascii"), FORM


def _wrong_content_type(rng: random.Random, fields: Fields) -> Tuple[bytes, Optional[str]]:
    content_type = rng.choice([None, "text/plain", "multipart/form-data", "multipart/form-data; boundary=xyz",
                               "application/xml", "application/json; charset=latin-1", FORM + "; charset=utf-16"])
    return _form(fields).encode("ascii"), content_type


def _bad_percent_encoding(rng: random.Random, fields: Fields) -> Tuple[bytes, Optional[str]]:
    tail = rng.choice(["&description=%", "&description=%ZZ", "&description=%FF%FE", "&%E0%A4=x", "&&&==&"])
    return (_form(fields) + tail).encode("ascii"), FORM


_BROKEN_BODIES: List[Tuple[str, Callable[[random.Random, Fields], Tuple[bytes, Optional[str]]]]] = [
    ("random bytes", _random_bytes), ("invalid UTF-8 in JSON", _invalid_utf8_json),
    ("JSON not an object", _not_an_object), ("truncated JSON", _truncated_json),
    ("deeply nested JSON", _deeply_nested_json), ("over 64 KB", _oversized),
    ("wrong content type", _wrong_content_type), ("bad percent-encoding", _bad_percent_encoding),
]


@dataclass
class FuzzReport:
    """What a run did: how many calls, which statuses, and every response that broke a rule."""

    back_end: str
    planned: int
    seed: int
    made: int = 0
    seconds: float = 0.0
    statuses: Counter = field(default_factory=Counter)
    by_operation: Dict[str, Counter] = field(default_factory=dict)
    failures: List[str] = field(default_factory=list)
    stopped_by_time_limit: bool = False

    @property
    def server_errors(self) -> int:
        return sum(count for status, count in self.statuses.items() if status >= 500)

    def breakdown(self) -> str:
        """The status histogram of each operation, one line each."""
        return "\n".join(f"  {label}: " + " ".join(f"{status}:{count}" for status, count in sorted(statuses.items()))
                         for label, statuses in sorted(self.by_operation.items()))

    def summary_line(self) -> str:
        histogram = " ".join(f"{status}:{count}" for status, count in sorted(self.statuses.items()))
        cut = f" (time limit reached after {self.made} of {self.planned})" if self.stopped_by_time_limit else ""
        return (f"OpenAPI fuzzing on {self.back_end}: {self.made} calls to {len(self.by_operation)} operations in "
                f"{self.seconds:.1f} s{cut}, seed {self.seed}; statuses {histogram}; "
                f"{self.server_errors} responses >= 500, {len(self.failures)} rule violations")


def run_calls(base_url: str, generator: CallGenerator, back_end: str, calls: int, time_limit: float,
              workers: int = 8) -> FuzzReport:
    """Send calls 0..calls-1 from `workers` threads until all are made or `time_limit` seconds have passed."""
    report = FuzzReport(back_end, calls, generator.seed)
    lock = threading.Lock()
    next_index = iter(range(calls))
    started = time.monotonic()
    deadline = started + time_limit

    def work() -> None:
        previous: Optional[GeneratedCall] = None
        with requests.Session() as session:
            while True:
                with lock:
                    if time.monotonic() > deadline:
                        report.stopped_by_time_limit = True
                        return
                    index = next(next_index, None)
                if index is None:
                    return
                call = generator.call(index)
                outcome = _send(session, base_url, call, previous)
                previous = call
                with lock:
                    report.made += 1
                    statuses = report.by_operation.setdefault(call.operation.label, Counter())
                    if isinstance(outcome, str):
                        report.failures.append(outcome)
                        continue
                    report.statuses[outcome.status_code] += 1
                    statuses[outcome.status_code] += 1
                    problem = broken_rule(outcome)
                    if problem:
                        report.failures.append(
                            f"{call.describe()} -> {outcome.status_code} {problem}: {outcome.text[:300]!r}")

    threads = [threading.Thread(target=work, name=f"fuzz-{number}") for number in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    report.seconds = time.monotonic() - started
    return report


def _send(session: requests.Session, base_url: str, call: GeneratedCall,
          previous: Optional[GeneratedCall]) -> Union[requests.Response, str]:
    url = base_url + call.path + (f"?{call.query}" if call.query else "")
    try:
        return session.request(call.operation.method.upper(), url, headers=call.headers, data=call.body,
                               timeout=30, allow_redirects=False)
    except requests.RequestException as error:
        after = f" (the call before on this connection: {previous.describe(150)})" if previous else ""
        return f"{call.describe()} -> no response: {type(error).__name__}: {error}{after}"


def broken_rule(response: requests.Response) -> Optional[str]:
    """What is wrong with a response, if anything: a 5xx, a 2xx that is not JSON, an app 4xx not in Open311's shape.

    A 4xx in plain text comes from the HTTP server itself (a request line too long to parse) and is fine.
    """
    if response.status_code >= 500:
        return "server error"
    is_json = response.headers.get("content-type", "").startswith("application/json")
    if response.status_code < 300 and not is_json:
        return "2xx that is not JSON"
    if 400 <= response.status_code < 500 and is_json:
        body = response.json()
        well_formed = isinstance(body, list) and body and all(
            isinstance(item, dict) and isinstance(item.get("code"), int) and isinstance(item.get("description"), str)
            and item["description"] for item in body)
        if not well_formed:
            return "4xx that is not an Open311 error array"
    return None
