#!/usr/bin/env bash
# The README's operator path without containers, checked end to end: deploy/install.sh into a
# fresh virtual environment from the lock file, a PostgreSQL database, the fake Slack standing
# in for slack.com, `serve --http --no-worker` and `worker` side by side, both probes, a digest
# posted, then SIGTERM to each: exit 0, nothing left behind.
# Needs TEST_POSTGRES_URL (a server where it may create a database) and .venv (for the fake).
set -euo pipefail
cd "$(dirname "$0")/.."

work="$(mktemp -d)"
venv="${DEPLOY_VENV:-$work/venv}"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
say() { echo "deploy-check: $*" >&2; }

bash deploy/install.sh "$venv"
bs="$venv/bin/batchscout"

database="batchscout_deploy_check"
"$venv/bin/python" - "$TEST_POSTGRES_URL" "$database" <<'PY'
import sys
import psycopg
with psycopg.connect(sys.argv[1], autocommit=True) as connection:
    connection.execute(f'DROP DATABASE IF EXISTS "{sys.argv[2]}" WITH (FORCE)')
    connection.execute(f'CREATE DATABASE "{sys.argv[2]}"')
PY
DATABASE_URL="${TEST_POSTGRES_URL%/*}/$database"
fake_port=8911
http_port=8912
.venv/bin/python -m tests.fakes.slack_api --port "$fake_port" > "$work/slack.log" 2>&1 &
pids+=($!)
export DATABASE_URL SLACK_API_URL="http://127.0.0.1:$fake_port/api/"
export SLACK_BOT_TOKEN=xoxb-deploy-check SLACK_SIGNING_SECRET=deploy-check-secret
unset SLACK_APP_TOKEN SLACK_CLIENT_ID SLACK_CLIENT_SECRET SLACK_STATE_SECRET

"$bs" serve --http --host 127.0.0.1 --port "$http_port" --no-worker > "$work/serve.log" 2>&1 &
serve_pid=$!
pids+=("$serve_pid")
"$bs" worker > "$work/worker.log" 2>&1 &
worker_pid=$!
pids+=("$worker_pid")

wait_for() {  # wait_for WHAT COMMAND...: poll for up to 180 s
  local what="$1"
  shift
  for _ in $(seq 1 360); do
    if "$@" > /dev/null 2>&1; then say "$what: ok"; return 0; fi
    sleep 0.5
  done
  say "$what: timed out"
  cat "$work/serve.log" "$work/worker.log" >&2
  return 1
}
healthz() {
  "$venv/bin/python" -c "import sys, urllib.request; sys.exit(urllib.request.urlopen(sys.argv[1], timeout=5).status != 200)" \
    "http://127.0.0.1:$http_port/healthz"
}
wait_for "GET /healthz" healthz
wait_for "batchscout health --role serve" "$bs" health --role serve
wait_for "batchscout health --role worker" "$bs" health --role worker
"$bs" health

"$bs" import cli/sample_inventory.csv --team T0TEST
"$bs" digest now --team T0TEST --channel C0DEPLOY --wait 0
wait_for "the digest reached Slack" grep -q "chat.postMessage C0DEPLOY" "$work/slack.log"

for pid in "$serve_pid" "$worker_pid"; do
  kill -TERM "$pid"
  code=0
  wait "$pid" || code=$?
  if [ "$code" -ne 0 ]; then
    say "process $pid exited $code after SIGTERM"
    cat "$work/serve.log" "$work/worker.log" >&2
    exit 1
  fi
done
pids=("${pids[0]}")
say "serve and worker exited 0 on SIGTERM"
if "$bs" health --all-hosts; then
  say "a heartbeat outlived its process"
  exit 1
fi
say "passed"
