#!/usr/bin/env bash
# `make run`: the 311 service, its worker, the action server and the pending-complaints worker under supervisord
# in the background (deploy/supervisord.embedded.conf; logs in var/log/), then a chat with the assistant in
# this terminal. Leaving the chat (/stop or Ctrl-C) stops all.
set -euo pipefail
# `rasa shell` below is the Rasa server of this run.
export SUPERVISE_RASA_SERVER=false
. "$(dirname "$0")/supervision.sh" "${1:-.venv/bin/python}"

"$EMBEDDED_BIN/supervisord" -c "$SUPERVISOR_CONF"  # returns once it has daemonised, its socket open
stop() { trap - INT TERM EXIT; supervisorctl_embedded shutdown > /dev/null || true; wait_until_stopped 60; }
trap stop INT TERM EXIT

wait_until_answers service311 "http://127.0.0.1:$SERVICE311_PORT/discovery.json" 60
wait_until_answers actions "http://127.0.0.1:$ACTIONS_PORT/health" 120
supervisorctl_embedded status service311 worker311 actions pending || true
echo
echo "311 service: http://127.0.0.1:$SERVICE311_PORT/docs   logs: $EMBEDDED_VAR_DIR/log/   make status (another terminal)"
echo "Chat below (English, हिंदी or Hinglish). Try: \"kachra gaadi 3 din se nahi aayi, Vijay Nagar\". /stop ends."
# Rasa's start-up log and its dependencies' warnings go to the log; the chat itself is on stdout.
"$EMBEDDED_BIN/rasa" shell --model models/current.tar.gz --endpoints "$RASA_ENDPOINTS" --interface 127.0.0.1 \
  2>> "$EMBEDDED_VAR_DIR/log/shell.log"
