#!/usr/bin/env bash
# `make serve-production`: the production topology on one machine, in the foreground; Ctrl-C stops all.
#
#   scripts/serve-production.sh [PYTHON] [all|prepare|service311|worker311|actions|rasa|pending]
#
#   prepare     creates the PostgreSQL databases and migrates the 311 and actions schemas to this release's
#               (scripts/prepare_databases.py), then exits; the servers only check the schema and refuse an old one
#   service311  the 311 service: uvicorn, SERVICE311_WORKERS processes on one port, PostgreSQL
#   worker311   its notification and escalation worker
#   actions     the action server: rasa-sdk, ACTION_SERVER_SANIC_WORKERS processes on one port
#   rasa        Rasa: SANIC_WORKERS processes on one port, PostgreSQL tracker store, Redis lock store,
#               RabbitMQ event broker (endpoints.production.yml), token-protected API without /model
#               routes, no CORS (scripts/rasa_server.py)
#   pending     files complaints kept during a 311 outage and tells the citizen
#   all         (default) prepare, then all of the above; logs in var/log/production/
#
# One component runs in the foreground in place of this script (exec): that is how the systemd units of
# docs/deployment.md and tests/production/ start them, so every command line lives here only.
# Settings come from the environment; the defaults below are the local servers of the development
# machines (PostgreSQL with trust authentication, Redis, RabbitMQ's loopback-only guest account). Keys and
# tokens have no default: OPEN311_API_KEY, SERVICE311_STAFF_KEY, RASA_API_TOKEN, ANALYTICS_PSEUDONYM_KEY and
# ACTION_SERVER_TOKEN must be set.
set -euo pipefail
python=${1:-.venv/bin/python}
component=${2:-all}
python=$(cd "$(dirname "$python")" && pwd)/$(basename "$python")
cd "$(dirname "$0")/.."
bin=$(dirname "$python")

: "${OPEN311_API_KEY:?must be set (make setup writes one into var/secrets.env)}"
: "${SERVICE311_STAFF_KEY:?must be set (make setup writes one into var/secrets.env)}"
: "${RASA_API_TOKEN:?must be set (make setup writes one into var/secrets.env)}"
: "${ANALYTICS_PSEUDONYM_KEY:?must be set (scripts/make-local-secrets.sh var/secrets.env adds a local one)}"
: "${ACTION_SERVER_TOKEN:?must be set (scripts/make-local-secrets.sh var/secrets.env adds a local one)}"

# Addresses: every server on loopback unless told otherwise; a TLS proxy in front publishes the webhook.
export RASA_INTERFACE=${RASA_INTERFACE:-127.0.0.1} RASA_PORT=${RASA_PORT:-5005}
export ACTIONS_HOST=${ACTIONS_HOST:-127.0.0.1} ACTIONS_PORT=${ACTIONS_PORT:-5055}
export SERVICE311_HOST=${SERVICE311_HOST:-127.0.0.1} SERVICE311_PORT=${SERVICE311_PORT:-8311}
export ACTION_ENDPOINT_URL=${ACTION_ENDPOINT_URL:-http://127.0.0.1:$ACTIONS_PORT/webhook}
export OPEN311_URL=${OPEN311_URL:-http://127.0.0.1:$SERVICE311_PORT}
export RASA_URL=${RASA_URL:-http://127.0.0.1:$RASA_PORT}
# Processes per server, each group behind one address. Rasa honours SANIC_WORKERS only with a Redis lock
# store and falls back to 1 silently: var/log/production/rasa.log has one "Rasa server is up and running"
# per worker.
export SANIC_WORKERS=${SANIC_WORKERS:-2} ACTION_SERVER_SANIC_WORKERS=${ACTION_SERVER_SANIC_WORKERS:-2}
export SERVICE311_WORKERS=${SERVICE311_WORKERS:-2}
# Databases: one per component, so that each can move to its own server.
export SERVICE311_DATABASE_URL=${SERVICE311_DATABASE_URL:-postgresql+psycopg2://postgres@127.0.0.1:5432/indore311}
export ACTIONS_DATABASE_URL=${ACTIONS_DATABASE_URL:-postgresql+psycopg2://postgres@127.0.0.1:5432/indore311_actions}
export WHATSAPP_STORE_URL=${WHATSAPP_STORE_URL:-postgresql+psycopg2://postgres@127.0.0.1:5432/indore311_whatsapp}
export RASA_DB_HOST=${RASA_DB_HOST:-127.0.0.1} RASA_DB_PORT=${RASA_DB_PORT:-5432}
export RASA_DB_NAME=${RASA_DB_NAME:-indore311_rasa} RASA_DB_USER=${RASA_DB_USER:-postgres}
export RASA_DB_PASSWORD=${RASA_DB_PASSWORD:-}
# Schemas: migrated by `prepare` alone; a server that finds an old schema stops with what to run instead of
# migrating (several workers would migrate at once, and a schema change wants a backup before it).
export SERVICE311_MIGRATE_ON_START=${SERVICE311_MIGRATE_ON_START:-false} ACTIONS_MIGRATE_ON_START=${ACTIONS_MIGRATE_ON_START:-false}
export REDIS_HOST=${REDIS_HOST:-127.0.0.1} REDIS_PORT=${REDIS_PORT:-6379} REDIS_DB=${REDIS_DB:-1}
export REDIS_PASSWORD=${REDIS_PASSWORD:-} REDIS_KEY_PREFIX=${REDIS_KEY_PREFIX:-indore311}
export RABBITMQ_HOST=${RABBITMQ_HOST:-127.0.0.1} RABBITMQ_PORT=${RABBITMQ_PORT:-5672}
export RABBITMQ_USER=${RABBITMQ_USER:-guest} RABBITMQ_PASSWORD=${RABBITMQ_PASSWORD:-guest}
export RABBITMQ_EXCHANGE=${RABBITMQ_EXCHANGE:-indore311} RABBITMQ_QUEUE=${RABBITMQ_QUEUE:-indore311_events}
# Request bodies: Sanic's default is 100 MB. The action server receives whole trackers, so it gets more.
export RASA_REQUEST_MAX_SIZE=${RASA_REQUEST_MAX_SIZE:-1000000} ACTIONS_REQUEST_MAX_SIZE=${ACTIONS_REQUEST_MAX_SIZE:-20000000}
# Rasa's tracker store would keep up to 150 PostgreSQL connections per worker; it uses one at a time.
export SQL_POOL_SIZE=${SQL_POOL_SIZE:-5} SQL_MAX_OVERFLOW=${SQL_MAX_OVERFLOW:-5}
# Connections waiting to be accepted by Rasa (Rasa's default 100 resets the rest when many citizens write at once).
export SANIC_BACKLOG=${SANIC_BACKLOG:-1024}
# One OpenMP thread per Rasa worker, and no spinning while it waits: the workers share the cores.
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
export RASA_TELEMETRY_ENABLED=false SQLALCHEMY_SILENCE_UBER_WARNING=1

run_prepare() { exec "$python" scripts/prepare_databases.py; }
run_service311() {
  exec "$python" -m uvicorn complaint_service.api.app:create_app --factory --host "$SERVICE311_HOST" \
    --port "$SERVICE311_PORT" --workers "$SERVICE311_WORKERS" --ws none --no-server-header --timeout-keep-alive 5
}
run_worker311() { exec "$python" -m complaint_service worker; }
run_actions() {
  SANIC_HOST=$ACTIONS_HOST SANIC_REQUEST_MAX_SIZE=$ACTIONS_REQUEST_MAX_SIZE \
    exec "$bin/rasa" run actions --port "$ACTIONS_PORT" --actions actions
}
run_rasa() {
  SANIC_REQUEST_MAX_SIZE=$RASA_REQUEST_MAX_SIZE exec "$python" scripts/rasa_server.py \
    --endpoints endpoints.production.yml --credentials credentials.yml \
    --interface "$RASA_INTERFACE" --port "$RASA_PORT" --response-timeout 120
}
run_pending() { exec "$python" -m actions.pending_complaints; }

case "$component" in
  prepare|service311|worker311|actions|rasa|pending) "run_$component" ;;
  all) ;;
  *) echo "usage: $0 [PYTHON] [all|prepare|service311|worker311|actions|rasa|pending]" >&2; exit 2 ;;
esac

logs=var/log/production
mkdir -p "$logs"
pids=()
stopping=
stop() { stopping=1; trap - INT TERM EXIT; kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap stop INT TERM EXIT

wait_for() {  # url, name
  for _ in $(seq 1 360); do
    if "$python" -c "import sys,urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)" "$1" 2>/dev/null; then return 0; fi
    kill -0 "${pids[-1]}" 2>/dev/null || break
    sleep 0.5
  done
  echo "error: $2 did not start; see $logs/$2.log" >&2; exit 1
}
start() {  # component
  ( "run_$1" ) >> "$logs/$1.log" 2>&1 & pids+=($!)
}
local_address() { [ "$1" = 0.0.0.0 ] && echo 127.0.0.1 || echo "$1"; }

( run_prepare ) > "$logs/prepare.log" 2>&1 || { cat "$logs/prepare.log" >&2; exit 1; }
start service311
wait_for "http://$(local_address "$SERVICE311_HOST"):$SERVICE311_PORT/discovery.json" service311
start worker311
start actions
wait_for "http://$(local_address "$ACTIONS_HOST"):$ACTIONS_PORT/health" actions
start rasa
wait_for "http://$(local_address "$RASA_INTERFACE"):$RASA_PORT/" rasa
start pending

echo "Rasa :$RASA_PORT ($SANIC_WORKERS workers; REST /webhooks/rest/webhook), actions :$ACTIONS_PORT" \
     "($ACTION_SERVER_SANIC_WORKERS), 311 service :$SERVICE311_PORT ($SERVICE311_WORKERS). Logs: $logs/. Ctrl-C stops all."
wait -n "${pids[@]}" || true
[ -n "$stopping" ] && exit 0
echo "a server stopped; stopping the others (see $logs/)" >&2
exit 1
