#!/usr/bin/env bash
# `make serve`: every service of the embedded default under supervisord, in the foreground, no chat. A service
# that dies is started again (deploy/supervisord.embedded.conf); its output is in var/log/. Ctrl-C stops all.
set -euo pipefail
. "$(dirname "$0")/supervision.sh" "${1:-.venv/bin/python}"

"$EMBEDDED_BIN/supervisord" -c "$SUPERVISOR_CONF" --nodaemon & supervisor=$!
stop() { trap - INT TERM EXIT; kill -TERM "$supervisor" 2>/dev/null || true; wait "$supervisor" 2>/dev/null || true; }
trap stop INT TERM EXIT

wait_until_answers service311 "http://127.0.0.1:$SERVICE311_PORT/discovery.json" 60
wait_until_answers actions "http://127.0.0.1:$ACTIONS_PORT/health" 120
wait_until_answers rasa "http://127.0.0.1:$RASA_PORT/" 300
supervisorctl_embedded status || true
cat <<TEXT

311 service   http://127.0.0.1:$SERVICE311_PORT/docs
Rasa (REST)   http://127.0.0.1:$RASA_PORT/webhooks/rest/webhook
Try:  curl -s http://127.0.0.1:$RASA_PORT/webhooks/rest/webhook -d '{"sender": "919800000001", "message": "kachra gaadi 3 din se nahi aayi, Vijay Nagar"}'
make status shows these lines again; logs in $EMBEDDED_VAR_DIR/log/. Ctrl-C stops all.
TEXT
wait "$supervisor"
