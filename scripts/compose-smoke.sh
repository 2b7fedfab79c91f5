#!/usr/bin/env bash
# Smoke test of `docker compose up` (CI job compose-smoke): two api instances and one worker on
# EventStoreDB and MongoDB. Registers a customer and a complaint on one api instance and reads them
# back on the other with ?minPosition= (the worker projects them), checks that neither api instance
# holds the worker lease and both name the same holder, rebuilds a projection through the CLI (which
# hands it to the holder), and verifies every read model against a rebuild from the log.
# Needs: curl, jq; the stack started with .github/compose/smoke.yml (known admin key, api2 on :3001).
set -euo pipefail

A=${SMOKE_APP_URL:-http://localhost:3000}
B=${SMOKE_APP2_URL:-http://localhost:3001}
ADMIN=${SMOKE_ADMIN_KEY:-rk_SmokeAdm_SmokeTestSmokeTestSmokeTestSmoke}
COMPOSE=${SMOKE_COMPOSE:-docker compose -f docker-compose.yml -f .github/compose/smoke.yml}

fail() { echo "smoke: $*" >&2; exit 1; }

# call METHOD URL TOKEN [BODY]: prints the body, fails on a status other than 2xx.
call() {
  local method=$1 url=$2 token=$3 body=${4:-}
  local args=(-sS -o /tmp/smoke-body -w '%{http_code}' -X "$method" -H "authorization: Bearer $token")
  if [ -n "$body" ]; then args+=(-H 'content-type: application/json' --data "$body"); fi
  local status
  status=$(curl "${args[@]}" "$url")
  if [ "${status:0:1}" != "2" ]; then
    echo "smoke: $method $url answered $status:" >&2
    cat /tmp/smoke-body >&2
    exit 1
  fi
  cat /tmp/smoke-body
}

for url in "$A" "$B"; do
  for _ in $(seq 1 60); do
    curl -fsS "$url/health" >/dev/null 2>&1 && break
    sleep 2
  done
  curl -fsS "$url/health" >/dev/null || fail "$url/health never answered"
done

KEY=$(call POST "$A/admin/keys" "$ADMIN" '{"name":"smoke","roles":["agent","supervisor","analyst","auditor","admin"],"pii":true}' | jq -r .key)
[ -n "$KEY" ] && [ "$KEY" != null ] || fail "no API key created"

customer=$(call POST "$A/customers" "$KEY" '{"name":"Smoke Test","email":"smoke@example.com","kind":"prospect","acquisitionChannel":"web"}')
CUSTOMER_ID=$(jq -r .id <<<"$customer")
POSITION=$(jq -r .position <<<"$customer")
call GET "$B/customers/$CUSTOMER_ID?minPosition=$POSITION" "$KEY" | jq -e '.name == "Smoke Test"' >/dev/null || fail "customer not read back on the other instance"

complaint=$(call POST "$B/complaints" "$KEY" "{\"customerId\":\"$CUSTOMER_ID\",\"channel\":\"phone\",\"category\":\"billing\",\"description\":\"Charged twice\"}")
COMPLAINT_ID=$(jq -r .id <<<"$complaint")
POSITION=$(jq -r .position <<<"$complaint")
call GET "$A/complaints/$COMPLAINT_ID?minPosition=$POSITION" "$KEY" | jq -e --arg c "$CUSTOMER_ID" '.customerId == $c' >/dev/null || fail "complaint not read back on the other instance"

# The worker runs the projections (the worker lease); the api instances never do, and both name it.
HOLDER=""
for _ in $(seq 1 30); do
  a=$(call GET "$A/projections" "$KEY"); b=$(call GET "$B/projections" "$KEY")
  [ "$(jq -r .lease.active <<<"$a")" = false ] && [ "$(jq -r .lease.active <<<"$b")" = false ] || fail "an api instance holds the worker lease"
  holder_a=$(jq -r .lease.holder <<<"$a"); holder_b=$(jq -r .lease.holder <<<"$b")
  if [ "$holder_a" != null ] && [ "$holder_a" = "$holder_b" ]; then HOLDER=$holder_a; break; fi
  sleep 1
done
[ -n "$HOLDER" ] || fail "the api instances do not name one worker lease holder"
curl -fsS "$A/ready" | jq -e '.info.worker.status == "up"' >/dev/null || fail "$A/ready does not see the worker"

# Handed to the holder (the worker), which rebuilds and switches readers over; the CLI waits for it.
$COMPOSE exec -T api node dist/cli/relata.js projections rebuild customer-profile || fail "projections rebuild failed"
call GET "$A/customers/$CUSTOMER_ID" "$KEY" | jq -e '.name == "Smoke Test"' >/dev/null || fail "customer missing after the rebuild"

$COMPOSE exec -T api node dist/cli/relata.js projections verify || fail "projections verify found differences"
echo "smoke: ok"
