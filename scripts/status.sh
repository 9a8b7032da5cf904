#!/usr/bin/env bash
# `make status`: one line per service of the embedded default, from its supervisord.
set -uo pipefail
. "$(dirname "$0")/supervision.sh" "${1:-.venv/bin/python}"
if ! supervisord_running; then
  echo "The embedded default is not running: make serve (or make run) starts it." >&2
  exit 3
fi
supervisorctl_embedded status
