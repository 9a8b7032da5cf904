"""Meta signs each webhook body with the app secret: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256>`."""
from __future__ import annotations

import hashlib
import hmac
from typing import Optional


def signature_for(body: bytes, app_secret: str) -> str:
    return "sha256=" + hmac.new(app_secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def is_signed_by(body: bytes, header: Optional[str], app_secret: str) -> bool:
    """True only for the exact signature of these raw bytes; compared in constant time."""
    if not header or not app_secret:
        return False
    expected = signature_for(body, app_secret).encode("ascii")
    return hmac.compare_digest(expected, header.strip().encode("ascii", "replace"))
