#!/usr/bin/env bash
# Embedded smoke: start Kyro with no DATABASE_URL/REDIS_URL in a fresh data dir, wait for readiness,
# sign up and confirm the address from the mail file, create an organization, read it back, configure
# a bot and talk to it through the public widget API, stop with SIGTERM and expect a clean exit.
set -euo pipefail
cd "$(dirname "$0")/.."

data_dir="$(mktemp -d)"
port="$(node -e 'const s=require("node:net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
base="http://127.0.0.1:$port"
log="$data_dir/server.log"

started=$(date +%s%N)
# What `npm start` runs: the compiled server (built first when a source is newer than the build).
node scripts/built.mjs
KYRO_DATA_DIR="$data_dir" PORT="$port" node scripts/start.mjs >"$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$data_dir"' EXIT

for _ in $(seq 1 120); do
  if curl -fsS "$base/health/ready" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$pid" 2>/dev/null; then cat "$log"; echo "server exited early"; exit 1; fi
  sleep 0.25
done
curl -fsS "$base/health/ready"
echo
echo "cold start to ready: $(( ($(date +%s%N) - started) / 1000000 )) ms"

email="smoke-$RANDOM@example.test"
signup=$(curl -fsS -X POST "$base/trpc/auth.signup" -H 'content-type: application/json' \
  -d "{\"json\":{\"email\":\"$email\",\"password\":\"smoke-test-passphrase-42\",\"name\":\"Smoke\"}}")
[ "$(node -e 'console.log(JSON.parse(process.argv[1]).result.data.json.verificationRequired)' "$signup")" = true ]
# Without SMTP_URL the verification mail is a file in the data dir; following its link signs in.
verify_token=$(node scripts/dev-mail-token.mjs "$email" verify-email "$data_dir/mail")
verified=$(curl -fsS -X POST "$base/trpc/auth.verifyEmail" -H 'content-type: application/json' \
  -d "{\"json\":{\"token\":\"$verify_token\",\"password\":\"smoke-test-passphrase-42\"}}")
token=$(node -e 'console.log(JSON.parse(process.argv[1]).result.data.json.accessToken)' "$verified")
if grep -qF -- "$verify_token" "$log"; then echo "the verification token reached the log"; exit 1; fi

org=$(curl -fsS -X POST "$base/trpc/orgs.create" -H 'content-type: application/json' \
  -H "authorization: Bearer $token" -d '{"json":{"name":"Smoke Org"}}')
org_id=$(node -e 'console.log(JSON.parse(process.argv[1]).result.data.json.org.id)' "$org")

input=$(node -e 'console.log(encodeURIComponent(JSON.stringify({json:{orgId:process.argv[1]}})))' "$org_id")
curl -fsS "$base/trpc/orgs.get?input=$input" -H "authorization: Bearer $token" | grep -q '"Smoke Org"'
echo "signed up and verified $email, created and read org $org_id"

json() { node -e 'const v=process.argv[2].split(".").reduce((o,k)=>o[k],JSON.parse(process.argv[1]));console.log(v)' "$1" "$2"; }
auth=(-H "authorization: Bearer $token" -H 'content-type: application/json')
bot=$(curl -fsS -X POST "$base/api/v1/bots" "${auth[@]}" -d "{\"orgId\":\"$org_id\",\"name\":\"Smoke bot\"}")
bot_id=$(json "$bot" bot.id)
curl -fsS -X POST "$base/api/v1/bots/$bot_id/widget" "${auth[@]}" \
  -d "{\"orgId\":\"$org_id\",\"settings\":{\"allowedDomains\":[\"shop.example.test\"]}}" >/dev/null
curl -fsS -X PUT "$base/api/v1/bots/$bot_id/knowledge" "${auth[@]}" \
  -d "{\"orgId\":\"$org_id\",\"entries\":[{\"question\":\"How do I reset my password?\",\"answer\":\"Use the reset link on the sign-in page.\"}]}" >/dev/null
session=$(curl -fsS -X POST "$base/api/v1/widget/$bot_id/sessions" -H 'origin: https://shop.example.test' \
  -H 'content-type: application/json' -d '{}')
exchange=$(curl -fsS -X POST "$base/api/v1/widget/sessions/$(json "$session" conversationId)/messages" \
  -H 'origin: https://shop.example.test' -H "authorization: Bearer $(json "$session" token)" \
  -H 'content-type: application/json' -d '{"content":"how can I reset my password"}')
[ "$(json "$exchange" reply.content)" = "Use the reset link on the sign-in page." ]
echo "bot $bot_id answered a widget visitor from its knowledge"

kill -TERM "$pid"
if wait "$pid"; then echo "clean shutdown"; else code=$?; cat "$log"; echo "exit code $code"; exit 1; fi
trap 'rm -rf "$data_dir"' EXIT
