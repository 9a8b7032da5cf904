#!/usr/bin/env bash
# Prints the path of a Python 3.10 interpreter (Rasa 3.6 runs on 3.8-3.10 only): PATH first, then pyenv.
set -euo pipefail

is_310() { "$1" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 10) else 1)' >/dev/null 2>&1; }

for candidate in python3.10 python3 python; do
  path=$(command -v "$candidate" 2>/dev/null || true)
  if [ -n "$path" ] && is_310 "$path"; then echo "$path"; exit 0; fi
done

pyenv_root=$(pyenv root 2>/dev/null || echo "${PYENV_ROOT:-$HOME/.pyenv}")
for path in $(ls -d "$pyenv_root"/versions/3.10*/bin/python3.10 2>/dev/null | sort -V -r); do
  if is_310 "$path"; then echo "$path"; exit 0; fi
done

echo "error: Python 3.10 not found. Rasa 3.6 needs Python 3.10 (3.11+ is not supported)." >&2
echo "Install it, e.g. 'pyenv install 3.10' or 'apt-get install python3.10 python3.10-venv', then rerun." >&2
exit 1
