#!/usr/bin/env bash
# `make serve`: every service of the embedded default in the foreground, no chat. Ctrl-C stops all.
set -euo pipefail
python=${1:-.venv/bin/python}
bin=$(dirname "$python")
pids=()
stop() { trap - INT TERM EXIT; kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap stop INT TERM EXIT

"$python" -m complaint_service serve & pids+=($!)
"$python" -m complaint_service worker & pids+=($!)
# rasa-sdk binds 0.0.0.0 unless SANIC_HOST says otherwise; only Rasa's bearer token gets in (ACTION_SERVER_TOKEN).
SANIC_HOST=127.0.0.1 "$bin/rasa" run actions --port 5055 --actions actions & pids+=($!)
"$python" -m actions.pending_complaints & pids+=($!)
"$bin/rasa" run --model models/current.tar.gz --endpoints endpoints.yml --credentials credentials.yml \
  --enable-api --auth-token "$RASA_API_TOKEN" --interface 127.0.0.1 --port 5005 & pids+=($!)
echo "311 service :${SERVICE311_PORT:-8311}, actions :5055, Rasa :5005 (REST: /webhooks/rest/webhook). Ctrl-C stops all."
wait -n "${pids[@]}"
