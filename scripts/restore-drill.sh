#!/usr/bin/env bash
# Restore drill (CI): for Postgres (when DATABASE_URL, an admin connection, and REDIS_URL are set) and
# for the embedded database, start Kyro on a fresh database, populate it through the API (sign-up,
# org, bots, edits: each one an audited mutation), stop it, back it up with scripts/backup.sh, restore
# into a fresh database with scripts/restore.sh, start Kyro on the copy and check that the data, the
# sessions and the audit chain (audit.verify: ok, same count and head) came back, and that the chain
# continues after one more change.
set -euo pipefail
cd "$(dirname "$0")/.."
node scripts/built.mjs

work="$(mktemp -d)"
pid=""
databases=()
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; fi
  for db in "${databases[@]}"; do psql -q "$DATABASE_URL" -c "drop database if exists \"$db\" with (force)" >/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

secret="$(node -e 'console.log(require("node:crypto").randomBytes(32).toString("hex"))')"
json() { node -e 'const v=process.argv[2].split(".").reduce((o,k)=>o[k],JSON.parse(process.argv[1]));console.log(typeof v==="object"?JSON.stringify(v):v)' "$1" "$2"; }

# start <data dir> [database url]: runs Kyro in the background, sets pid and base.
start() {
  local port
  port="$(node -e 'const s=require("node:net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
  base="http://127.0.0.1:$port"
  if [ -n "${2:-}" ]; then
    env KYRO_SECRET="$secret" KYRO_DATA_DIR="$1" DATABASE_URL="$2" REDIS_URL="$REDIS_URL" PORT="$port" \
      node apps/server/dist/main.js >>"$work/server.log" 2>&1 &
  else
    env -u DATABASE_URL -u REDIS_URL KYRO_SECRET="$secret" KYRO_DATA_DIR="$1" PORT="$port" \
      node apps/server/dist/main.js >>"$work/server.log" 2>&1 &
  fi
  pid=$!
  # Up to 90 s: a first embedded start creates and migrates the database on a shared CI runner.
  for _ in $(seq 1 360); do
    if curl -fsS "$base/health/ready" >/dev/null 2>&1; then return; fi
    if ! kill -0 "$pid" 2>/dev/null; then cat "$work/server.log"; echo "server exited early"; exit 1; fi
    sleep 0.25
  done
  echo "server not ready"; exit 1
}
stop() {
  kill -TERM "$pid"
  wait "$pid" || { cat "$work/server.log"; echo "unclean shutdown"; exit 1; }
  pid=""
}

populate() {
  local email="drill-$RANDOM@example.test" signup verified org bot
  signup=$(curl -fsS -X POST "$base/trpc/auth.signup" -H 'content-type: application/json' \
    -d "{\"json\":{\"email\":\"$email\",\"password\":\"drill-test-passphrase-42\",\"name\":\"Drill\"}}")
  [ "$(json "$signup" result.data.json.verificationRequired)" = true ]
  verified=$(curl -fsS -X POST "$base/trpc/auth.verifyEmail" -H 'content-type: application/json' \
    -d "{\"json\":{\"token\":\"$(node scripts/dev-mail-token.mjs "$email" verify-email "$1/mail")\",\"password\":\"drill-test-passphrase-42\"}}")
  token=$(json "$verified" result.data.json.accessToken)
  org=$(curl -fsS -X POST "$base/trpc/orgs.create" -H 'content-type: application/json' \
    -H "authorization: Bearer $token" -d '{"json":{"name":"Drill Org"}}')
  org_id=$(json "$org" result.data.json.org.id)
  auth=(-H "authorization: Bearer $token" -H 'content-type: application/json')
  for name in Support "Ventes ✓" "サポート"; do
    bot=$(curl -fsS -X POST "$base/api/v1/bots?orgId=$org_id" "${auth[@]}" -d "{\"name\":\"$name\"}")
  done
  curl -fsS -X PATCH "$base/api/v1/bots/$(json "$bot" bot.id)?orgId=$org_id" "${auth[@]}" \
    -d '{"name":"Support JP"}' >/dev/null
}

# The state the restore must bring back: bot names, and the audit chain's verdict.
snapshot() {
  local bots verify
  bots=$(curl -fsS "$base/api/v1/bots?orgId=$org_id&limit=100" "${auth[@]}")
  verify=$(curl -fsS "$base/api/v1/audit-events/verify?orgId=$org_id" "${auth[@]}")
  [ "$(json "$verify" ok)" = true ] || { echo "audit chain broken: $verify"; exit 1; }
  node -e 'const b=JSON.parse(process.argv[1]),v=JSON.parse(process.argv[2]);console.log(JSON.stringify({bots:b.items.map(x=>x.name).sort(),count:v.count,head:v.head}))' "$bots" "$verify"
}

drill() {
  local mode="$1" source_url="" target_url="" before after
  if [ "$mode" = postgres ]; then
    local source_db="kyro_drill_src_$RANDOM$RANDOM" target_db="kyro_drill_dst_$RANDOM$RANDOM"
    databases+=("$source_db" "$target_db")
    psql -q "$DATABASE_URL" -c "create database \"$source_db\"" >/dev/null
    psql -q "$DATABASE_URL" -c "create database \"$target_db\"" >/dev/null
    source_url="${DATABASE_URL%/*}/$source_db"
    target_url="${DATABASE_URL%/*}/$target_db"
  fi
  mkdir -p "$work/$mode-source"
  start "$work/$mode-source" "$source_url"
  populate "$work/$mode-source"
  before="$(snapshot)"
  stop

  if [ "$mode" = postgres ]; then
    DATABASE_URL="$source_url" bash scripts/backup.sh "$work/$mode.backup"
    DATABASE_URL="$target_url" bash scripts/restore.sh "$work/$mode.backup"
    mkdir -p "$work/$mode-target"
  else
    env -u DATABASE_URL KYRO_DATA_DIR="$work/$mode-source" bash scripts/backup.sh "$work/$mode.backup"
    env -u DATABASE_URL KYRO_DATA_DIR="$work/$mode-target" bash scripts/restore.sh "$work/$mode.backup"
  fi

  start "$work/$mode-target" "$target_url"
  after="$(snapshot)"
  [ "$before" = "$after" ] || { echo "restored state differs: before $before, after $after"; exit 1; }
  curl -fsS -X POST "$base/api/v1/bots?orgId=$org_id" "${auth[@]}" -d '{"name":"After restore"}' >/dev/null
  snapshot >/dev/null
  stop
  echo "$mode: backed up, restored and started; data and audit chain intact: $after"
}

if [ -n "${DATABASE_URL:-}" ]; then
  : "${REDIS_URL:?REDIS_URL must be set with DATABASE_URL}"
  drill postgres
fi
drill embedded
