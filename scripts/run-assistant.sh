#!/usr/bin/env bash
# `make run`: the 311 service, its worker, the action server and the pending-complaints worker in the
# background, then a chat with the assistant in this terminal. Ctrl-C (or leaving the chat) stops all.
set -euo pipefail
python=${1:-.venv/bin/python}
bin=$(dirname "$python")
mkdir -p var/log
pids=()
stop() { trap - INT TERM EXIT; kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap stop INT TERM EXIT

wait_for() {  # url, name
  for _ in $(seq 1 240); do
    if "$python" -c "import sys,urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)" "$1" 2>/dev/null; then return 0; fi
    sleep 0.5
  done
  echo "error: $2 did not start; see var/log/$2.log" >&2; exit 1
}

port=${SERVICE311_PORT:-8311}
"$python" -m complaint_service serve > var/log/service311.log 2>&1 & pids+=($!)
"$python" -m complaint_service worker > var/log/worker311.log 2>&1 & pids+=($!)
# rasa-sdk binds 0.0.0.0 unless SANIC_HOST says otherwise; only Rasa's bearer token gets in (ACTION_SERVER_TOKEN).
SANIC_HOST=127.0.0.1 "$bin/rasa" run actions --port 5055 --actions actions > var/log/actions.log 2>&1 & pids+=($!)
"$python" -m actions.pending_complaints > var/log/pending.log 2>&1 & pids+=($!)
wait_for "http://127.0.0.1:$port/discovery.json" service311
wait_for "http://127.0.0.1:5055/health" actions
echo "311 service: http://127.0.0.1:$port/docs   logs: var/log/"
echo "Chat below (English, हिंदी or Hinglish). Try: \"kachra gaadi 3 din se nahi aayi, Vijay Nagar\". /stop ends."
"$bin/rasa" shell --model models/current.tar.gz --endpoints endpoints.yml --interface 127.0.0.1
