"""How personal data (citizens' phone numbers) may appear outside the complaints table."""
from __future__ import annotations

import hashlib
from typing import Optional


def mask_phone(phone: Optional[str]) -> str:
    """A phone number fit for a log line: only the last two digits survive, e.g. ********42."""
    if not phone:
        return "-"
    return "*" * max(len(phone) - 2, 0) + phone[-2:]


def citizen_pseudonym(phone: Optional[str], account_id: Optional[str]) -> str:
    """A stable, non-reversible actor name for audit rows written on a citizen's behalf."""
    identity = f"phone:{phone}" if phone else f"account:{account_id}"
    return "citizen:" + hashlib.sha256(identity.encode("utf-8")).hexdigest()[:12]
