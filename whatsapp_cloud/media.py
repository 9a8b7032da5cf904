"""Citizens' photos, kept in our own storage under unguessable names and served from our own URL.

Meta's download URL lives five minutes and needs our token, so it is never stored or shown.
"""
from __future__ import annotations

import re
import secrets
from pathlib import Path
from typing import Optional

EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp"}
STORED_NAME = re.compile(r"^[A-Za-z0-9_-]{20,64}\.(jpg|png|webp)$")


class UnsupportedMedia(ValueError):
    pass


class MediaStore:
    def __init__(self, directory: Path, public_base_url: str) -> None:
        self.directory = directory
        self.public_base_url = public_base_url.rstrip("/")

    def save(self, content: bytes, mime_type: str) -> str:
        """Write the photo; returns the public URL that goes on the complaint as `media_url`."""
        extension = EXTENSIONS.get(mime_type.split(";")[0].strip().lower())
        if extension is None:
            raise UnsupportedMedia(mime_type)
        self.directory.mkdir(parents=True, exist_ok=True)
        name = secrets.token_urlsafe(24) + extension
        temporary = self.directory / (name + ".part")
        temporary.write_bytes(content)
        temporary.replace(self.directory / name)
        return f"{self.public_base_url}/{name}"

    def path_of(self, name: str) -> Optional[Path]:
        """The file for a name this store gave out, or None for anything else (no path tricks)."""
        if not STORED_NAME.match(name):
            return None
        path = self.directory / name
        return path if path.is_file() else None
