# Sourced by serve-all.sh, run-assistant.sh and status.sh: the settings and commands of the embedded default's
# supervisord (deploy/supervisord.embedded.conf), which reads every setting below from the environment.
# Usage: . scripts/supervision.sh PYTHON
EMBEDDED_BIN=${EMBEDDED_BIN:-$(cd "$(dirname "${1:-.venv/bin/python}")" && pwd)}
EMBEDDED_VAR_DIR=${EMBEDDED_VAR_DIR:-$PWD/var}
SERVICE311_PORT=${SERVICE311_PORT:-8311}
# The default endpoints.yml calls the action server on 5055: another ACTIONS_PORT needs an endpoints file to match.
ACTIONS_PORT=${ACTIONS_PORT:-5055}
RASA_PORT=${RASA_PORT:-5005}
RASA_ENDPOINTS=${RASA_ENDPOINTS:-endpoints.yml}
SUPERVISE_RASA_SERVER=${SUPERVISE_RASA_SERVER:-true}
: "${RASA_API_TOKEN:=}"
export EMBEDDED_BIN EMBEDDED_VAR_DIR SERVICE311_PORT ACTIONS_PORT RASA_PORT RASA_ENDPOINTS SUPERVISE_RASA_SERVER \
  RASA_API_TOKEN
SUPERVISOR_CONF=deploy/supervisord.embedded.conf
mkdir -p "$EMBEDDED_VAR_DIR/log" && chmod 0700 "$EMBEDDED_VAR_DIR"

supervisorctl_embedded() {
  "$EMBEDDED_BIN/supervisorctl" -c "$SUPERVISOR_CONF" "$@"
}

supervisord_running() {
  [[ -s "$EMBEDDED_VAR_DIR/supervisord.pid" ]] && kill -0 "$(cat "$EMBEDDED_VAR_DIR/supervisord.pid")" 2>/dev/null
}

wait_until_answers() {  # name, url, seconds
  local deadline=$((SECONDS + $3))
  while ((SECONDS < deadline)); do
    if "$EMBEDDED_BIN/python" -c "import sys,urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)" "$2" \
      2>/dev/null; then return 0; fi
    sleep 0.5
  done
  echo "error: $1 did not answer $2 within $3 s; see $EMBEDDED_VAR_DIR/log/$1.log" >&2
  supervisorctl_embedded status "$1" >&2 || true
  return 1
}

wait_until_stopped() {  # seconds; supervisord itself gives each process stopwaitsecs, then SIGKILL
  local deadline=$((SECONDS + $1))
  while supervisord_running && ((SECONDS < deadline)); do sleep 0.2; done
}
