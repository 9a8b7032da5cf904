"""Plugins of the action server, found by rasa-sdk itself: `rasa run actions` imports a package of this exact
name from the working directory and calls `init_hooks` (rasa_sdk/plugin.py)."""
from __future__ import annotations

import pluggy

from rasa_sdk_plugins import caller_token


def init_hooks(manager: pluggy.PluginManager) -> None:
    manager.register(caller_token)
