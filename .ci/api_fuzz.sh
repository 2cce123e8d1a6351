#!/usr/bin/env bash
# API fuzzing gate: serve Sight on 127.0.0.1 (fake models, throwaway data dir, no API keys)
# and let schemathesis check, on every operation of /openapi.json, that no request gets a
# 5xx and that every response matches the documented status codes, headers and schemas.
# Bounded: at most ST_MAX_EXAMPLES cases per operation and ST_MAX_TIME seconds in all.
# Exit code: schemathesis's (non-zero on any failure), or 1 if the server does not start.
set -euo pipefail
cd "$(dirname "$0")/.."

port="${ST_PORT:-$(.venv/bin/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"
work="$(mktemp -d)"
cleanup() {
  if [[ -n "${server_pid:-}" ]]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

SIGHT_DATA_DIR="$work/data" SIGHT_PROVIDER=fake SIGHT_API_KEYS='[]' SIGHT_LOG_LEVEL=warning \
  .venv/bin/sight serve --host 127.0.0.1 --port "$port" >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 120); do
  if curl -fsS "http://127.0.0.1:$port/ok" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$server_pid" 2>/dev/null; then cat "$work/server.log" >&2; exit 1; fi
  sleep 0.5
done

start=$(date +%s)
status=0
# Stateful phase left out: links between operations are not documented. Checks: no 5xx,
# documented status codes, content types, headers and bodies; unknown methods get a 405
# with an Allow header naming the documented ones. Run from the temp dir: schemathesis keeps
# a cache folder in the working directory. `timeout` bounds the run (--max-time would make
# the fuzzing phase repeat until the time is spent).
(cd "$work" && timeout "${ST_MAX_TIME:-600}" "$OLDPWD/.venv/bin/schemathesis" run \
  "http://127.0.0.1:$port/openapi.json" \
  --phases examples,coverage,fuzzing \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance,unsupported_method,allow_header_conformance \
  --max-examples "${ST_MAX_EXAMPLES:-20}" \
  --request-timeout 20 \
  --workers "${ST_WORKERS:-2}" \
  --seed "${ST_SEED:-1}" \
  --no-shrink \
  --suppress-health-check all \
  --warnings off \
  --report junit --report-dir "${ST_REPORT_DIR:-$work/report}") || status=$?
echo "schemathesis: exit $status in $(( $(date +%s) - start )) s"
# Runs that failed inside the graph are not API errors, but are worth a look.
if grep -q "Traceback" "$work/server.log"; then
  echo "exceptions in the server log:" >&2
  grep -E "^[A-Za-z_.]*(Error|Exception)\b" "$work/server.log" | cut -c1-160 | sort | uniq -c >&2
fi
exit "$status"
