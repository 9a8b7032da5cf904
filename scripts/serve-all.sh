#!/usr/bin/env bash
# Starts every service of the embedded default in the foreground; Ctrl-C stops all it started.
set -euo pipefail
python=${1:-.venv/bin/python}
pids=()
stop() { trap - INT TERM EXIT; kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap stop INT TERM EXIT

"$python" -m complaint_service serve & pids+=($!)
"$python" -m complaint_service worker & pids+=($!)
echo "311 service on http://${SERVICE311_HOST:-127.0.0.1}:${SERVICE311_PORT:-8311} (OpenAPI at /docs); Ctrl-C stops it."
wait -n "${pids[@]}"
