#!/usr/bin/env bash
# Hostile input: schemathesis over every operation of the OpenAPI document, with real ids.
#
# Starts `ocean-tiktok demo` (the built debug binary, a fresh SQLite database and the in-process
# sandbox) in a temporary directory, connects its shop through the sandbox's consent page, enables
# every feature area, runs a full sync, collects real ids (shop, order, product, SKU, return,
# cancellation, job, category, ERP SKU, webhook event) and runs schemathesis with every check on,
# a fixed seed and a bounded number of examples per operation. Exits non-zero on any failure.
#
#   bash tests/stress/fuzz/run.sh            # after `cargo build` (target/debug/ocean-tiktok)
#   FUZZ_EXAMPLES=50 bash tests/stress/fuzz/run.sh
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../../.." && pwd)"
HERE="$ROOT/tests/stress/fuzz"
BIN="${FUZZ_BIN:-$ROOT/target/debug/ocean-tiktok}"
VENV="$ROOT/target/fuzz-venv"
EXAMPLES="${FUZZ_EXAMPLES:-20}"

[ -x "$BIN" ] || { echo "fuzz: $BIN is missing; run 'cargo build --bin ocean-tiktok' first" >&2; exit 2; }

# The fuzzer, in a venv of its own, made once and reused while the pin matches.
PIN="$(grep -E '^schemathesis==' "$HERE/requirements.txt")"
if ! [ -x "$VENV/bin/schemathesis" ] || [ "$("$VENV/bin/schemathesis" --version 2>/dev/null | awk '{print $NF}')" != "${PIN#schemathesis==}" ]; then
  echo "== fuzz: installing $PIN into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$HERE/requirements.txt"
fi

WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  if [ -n "${FUZZ_KEEP:-}" ]; then echo "fuzz: kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT INT TERM

PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
BASE="http://127.0.0.1:$PORT"

# The service. No rate limits of our own: the fuzzer's volume is not a seller's.
(
  cd "$WORK"
  exec env OCEAN_BIND="127.0.0.1:$PORT" OCEAN_LOG="${FUZZ_LOG:-warn}" \
    TIKTOK_RATE_LIMIT_SHOP=0 TIKTOK_RATE_LIMIT_APP=0 TIKTOK_RETRY_BASE_MS=50 \
    "$BIN" demo >"$WORK/demo.out" 2>"$WORK/demo.log"
) &
SERVER_PID=$!

for _ in $(seq 1 100); do
  if grep -q 'Demo shop' "$WORK/demo.out" 2>/dev/null && curl -fsS -o /dev/null "$BASE/api/health"; then break; fi
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then echo "fuzz: the demo did not start" >&2; cat "$WORK/demo.log" >&2; exit 1; fi
  sleep 0.2
done
curl -fsS -o /dev/null "$BASE/api/health" || { echo "fuzz: the demo did not answer" >&2; exit 1; }

TOKEN="$(cat "$WORK/data/admin.token")"
SHOP="$(sed -n 's/^  Demo shop *\([0-9a-f-]*\),.*/\1/p' "$WORK/demo.out")"
SANDBOX="$(sed -n 's/.*sandbox at \(http:[^)]*\)).*/\1/p' "$WORK/demo.out")"
API="$BASE/api/integrations/tiktok/shops"
AUTH="Authorization: Bearer $TOKEN"
JSON="content-type: application/json"
api() { curl -fsS -H "$AUTH" -H "$JSON" "$@"; }
# One field of a JSON answer read from stdin: a Python expression over `d`.
field() { python3 -c "import json, sys; d = json.load(sys.stdin); print($1)"; }

# Connect through the sandbox's consent page (the demo's curl-only steps).
URL="$(api -X POST "$API/$SHOP/connect" | field 'd["authorize_url"]')"
CALLBACK="$(curl -fsS -o /dev/null -w '%{redirect_url}' -X POST "$SANDBOX/open/authorize" \
  -d "app_key=demo_app_key&state=${URL##*state=}&action=authorize")"
LANDED="$(curl -sS -o /dev/null -w '%{redirect_url}' "$CALLBACK")"
case "$LANDED" in *tiktok_connect=success*) ;; *) echo "fuzz: connect failed: $LANDED" >&2; exit 1 ;; esac

ALL='{"features": {"products": true, "orders": true, "inventory": true, "logistics": true, "promotions": true,
  "returns": true, "live_shopping": true, "affiliate": true, "analytics": true}}'
api -X PUT "$API/$SHOP/features" -d "$ALL" >/dev/null
JOB="$(api -X POST "$API/$SHOP/sync" -d '{"mode": "full"}' | field 'd["job_id"]')"
for i in $(seq 1 150); do
  STATES="$(api "$API/$SHOP/sync/jobs?limit=50" | field '" ".join(sorted({j["state"] for j in d["items"]}))')"
  [ "$STATES" = "succeeded" ] && break
  case "$STATES" in *failed*|*dead*) echo "fuzz: a sync job failed: $STATES" >&2; exit 1 ;; esac
  [ "$i" = 150 ] && { echo "fuzz: the sync did not finish: $STATES" >&2; exit 1; }
  sleep 0.2
done

# The seller's second shop (connected by the same consent) takes the operations that change or end
# a shop's connection, so they do not take the real shop from under the others; a shop made here,
# never connected, takes the delete.
OTHER="$(api "$API?limit=200" | field "[s['id'] for s in d['items'] if s['id'] != '$SHOP'][0]")"
DOOMED="$(api -X POST "$API" -d '{"name": "Fuzz target", "app_key": "fuzzappkey", "app_secret": "fuzz-app-secret-123", "region": "US"}' | field 'd["id"]')"

# A webhook event: the living shop places orders and TikTok (the sandbox) tells us.
EVENT=""
for _ in $(seq 1 60); do
  curl -fsS -o /dev/null -X POST "$SANDBOX/_sandbox/living/tick" -H "$JSON" -d '{"minutes": 1, "orders_per_minute": 2}' || true
  curl -fsS -o /dev/null -X POST "$SANDBOX/_sandbox/webhooks/flush" || true
  EVENT="$(api "$API/$SHOP/webhooks/events?limit=1" | field 'd["items"][0]["id"] if d["items"] else ""')"
  [ -n "$EVENT" ] && break
  sleep 0.5
done
[ -n "$EVENT" ] || { echo "fuzz: no webhook event arrived" >&2; exit 1; }

export FUZZ_TOKEN="$TOKEN" FUZZ_SHOP="$SHOP" FUZZ_OTHER="$OTHER" FUZZ_DOOMED="$DOOMED" FUZZ_JOB="$JOB" FUZZ_EVENT="$EVENT"
FUZZ_ORDER="$(api "$API/$SHOP/orders?limit=1" | field 'd["items"][0]["id"]')"
# A SKU and its own product (a price write names a SKU of the product).
FUZZ_SKU="$(api "$API/$SHOP/inventory?limit=1" | field 'd["items"][0]["sku_id"]')"
FUZZ_PRODUCT="$(api "$API/$SHOP/inventory?limit=1" | field 'd["items"][0]["product_id"]')"
FUZZ_WAREHOUSE="$(api "$API/$SHOP/warehouses" | field '[w["id"] for w in d["items"] if w["type"] == "SALES_WAREHOUSE"][0]')"
FUZZ_RETURN="$(api "$API/$SHOP/returns?limit=1" | field 'd["items"][0]["id"]')"
FUZZ_CANCEL="$(api "$API/$SHOP/cancellations?limit=1" | field 'd["items"][0]["id"]')"
FUZZ_CATEGORY="$(api "$API/$SHOP/categories?name=a&limit=50" | field '[c["id"] for c in d["items"] if c["is_leaf"]][0]')"
FUZZ_ERP_SKU="$(api "$API/$SHOP/sku-mappings?limit=1" | field 'd["items"][0]["erp_sku"]')"
# A promotion activity and a voucher as synced, and a live session planned on a SKU with stock.
FUZZ_ACTIVITY="$(api "$API/$SHOP/promotions?limit=1" | field 'd["items"][0]["id"]')"
FUZZ_COUPON="$(api "$API/$SHOP/coupons?limit=1" | field 'd["items"][0]["id"]')"
LINE="$(api "$API/$SHOP/inventory?limit=200" | field "next(f'{i[\"product_id\"]} {i[\"sku_id\"]}' for i in d['items'] if any(s['warehouse_id'] == '$FUZZ_WAREHOUSE' and s['quantity'] > 0 for s in i['stock']))")"
LIVE_AT="$(python3 -c 'import datetime as t; print((t.datetime.now(t.timezone.utc) + t.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ"))')"
FUZZ_SESSION="$(api -X POST "$API/$SHOP/live-sessions" -d "{\"title\": \"Fuzz live\", \"host\": \"shop\", \"scheduled_start\": \"$LIVE_AT\", \"duration_minutes\": 60, \"lines\": [{\"product_id\": \"${LINE% *}\", \"sku_id\": \"${LINE#* }\", \"special_price\": {\"amount\": \"0.01\", \"currency\": \"USD\"}, \"stock_limit\": 1, \"warehouse_id\": \"$FUZZ_WAREHOUSE\"}]}" | field 'd["id"]')"
export FUZZ_ORDER FUZZ_PRODUCT FUZZ_SKU FUZZ_WAREHOUSE FUZZ_RETURN FUZZ_CANCEL FUZZ_CATEGORY FUZZ_ERP_SKU
# A video linked to that product, a target collaboration with one of TikTok's creators, a sample request.
FUZZ_VIDEO=7390000000000000999
api -X POST "$API/$SHOP/videos" -d "{\"video_id\": \"$FUZZ_VIDEO\", \"product_ids\": [\"${LINE% *}\"]}" >/dev/null
CREATOR="$(curl -fsS "$SANDBOX/_sandbox/creators" | field 'd["creators"][0]["open_id"]')"
FUZZ_TARGET="$(api -X POST "$API/$SHOP/affiliate/target-collaborations" -d "{\"name\": \"Fuzz invite\", \"end_time\": \"$LIVE_AT\", \"products\": [{\"product_id\": \"${LINE% *}\", \"commission_rate\": 10}], \"creators\": [\"$CREATOR\"], \"contact\": {\"email\": \"fuzz@ocean.example\"}}" | field 'd["id"]')"
FUZZ_SAMPLE="$(api "$API/$SHOP/affiliate/samples" | field 'd["items"][0]["id"]')"
export FUZZ_ACTIVITY FUZZ_COUPON FUZZ_SESSION FUZZ_VIDEO FUZZ_TARGET FUZZ_SAMPLE
echo "== fuzz: $BASE shop $SHOP (order $FUZZ_ORDER, product $FUZZ_PRODUCT, sku $FUZZ_SKU, warehouse $FUZZ_WAREHOUSE," \
  "return $FUZZ_RETURN, cancel $FUZZ_CANCEL, category $FUZZ_CATEGORY, erp sku $FUZZ_ERP_SKU, job $JOB, event $EVENT," \
  "activity $FUZZ_ACTIVITY, coupon $FUZZ_COUPON, live session $FUZZ_SESSION, video $FUZZ_VIDEO," \
  "target $FUZZ_TARGET, sample $FUZZ_SAMPLE)"

START=$(date +%s)
set +e
# From the work directory: schemathesis keeps its cache (.schemathesis/) where it runs.
cd "$WORK"
"$VENV/bin/schemathesis" --no-color --config-file "$HERE/schemathesis.toml" run "$BASE/api/openapi.json" \
  --max-examples "$EXAMPLES" --report junit,ndjson --report-dir "$WORK/report" ${FUZZ_ARGS:-} >"$WORK/schemathesis.out" 2>&1
STATUS=$?
set -e
SECONDS_TAKEN=$(($(date +%s) - START))
cat "$WORK/schemathesis.out"
if [ -n "${FUZZ_KEEP:-}" ]; then cp "$WORK/schemathesis.out" "$ROOT/target/fuzz-last.out"; fi

# The summary: operations and requests from the run's own events, failures from its closing line.
"$VENV/bin/python" - "$WORK/report" "$WORK/schemathesis.out" "$STATUS" "$SECONDS_TAKEN" <<'PY'
import glob, json, re, sys
report, out, status, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
operations, requests = set(), 0
for path in glob.glob(f"{report}/*.ndjson"):
    for line in open(path):
        for name, body in json.loads(line).items():
            if name == "ScenarioFinished":
                recorder = body.get("recorder", {})
                if recorder.get("label"):
                    operations.add(recorder["label"])
                requests += len(recorder.get("interactions", {}))
closing = open(out).read().strip().splitlines()[-1]
found = re.search(r"(\d+) failures?", closing)
failures = int(found.group(1)) if found else (0 if status == 0 else -1)
print(f"== fuzz summary: {len(operations)} operations, {requests} requests, {failures} failures, "
      f"{seconds} s (schemathesis exit {status})")
PY
exit "$STATUS"
