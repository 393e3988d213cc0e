#!/usr/bin/env bash
# What CI checks of the production image without a container runtime: the tree scripts/image/build.sh
# assembles, run as the image runs it — NODE_ENV=production, the compiled server, an unprivileged user
# when started as root, migrations by the CLI first (as compose.yaml does) — must migrate a fresh
# database, answer /health/ready with every check ok, serve the API and its document, and stop with 0.
# Needs DATABASE_URL (an admin connection: a throwaway database is created and dropped) and REDIS_URL.
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${DATABASE_URL:?DATABASE_URL must point at a Postgres server}"
: "${REDIS_URL:?REDIS_URL must point at a Redis server}"

work="$(mktemp -d)"
chmod 755 "$work"
app="$work/app"
data="$work/data"
database="kyro_image_$RANDOM$RANDOM"
admin_sql() { psql -q -v ON_ERROR_STOP=1 "$DATABASE_URL" -c "$1" >/dev/null; }
cleanup() {
  if [ -n "${pid:-}" ]; then kill "$pid" 2>/dev/null || true; fi
  admin_sql "drop database if exists \"$database\" with (force)" || true
  rm -rf "$work"
}
trap cleanup EXIT

KYRO_IMAGE_REUSE_BUILD=1 bash scripts/image/build.sh "$app"
admin_sql "create database \"$database\""
mkdir -p "$data"

as_app_user=()
# setpriv execs the server itself (runuser would stay as its parent and answer SIGTERM on its own).
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
  chown -R nobody "$data"
  as_app_user=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
fi
port="$(node -e 'const s=require("node:net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
env_vars=(
  NODE_ENV=production
  KYRO_SECRET="$(node -e 'console.log(require("node:crypto").randomBytes(32).toString("hex"))')"
  DATABASE_URL="${DATABASE_URL%/*}/$database"
  REDIS_URL="$REDIS_URL"
  KYRO_DATA_DIR="$data"
  HOST=127.0.0.1
  PORT="$port"
)

(cd "$app" && "${as_app_user[@]}" env -i PATH="$PATH" "${env_vars[@]}" node apps/server/dist/cli.js migrate)
(cd "$app" && exec "${as_app_user[@]}" env -i PATH="$PATH" "${env_vars[@]}" KYRO_AUTO_MIGRATE=false \
  node apps/server/dist/main.js) >"$work/server.log" 2>&1 &
pid=$!

base="http://127.0.0.1:$port"
for _ in $(seq 1 120); do
  if curl -fsS "$base/health/ready" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$pid" 2>/dev/null; then cat "$work/server.log"; echo "the image's server exited early"; exit 1; fi
  sleep 0.25
done
ready="$(curl -fsS "$base/health/ready")"
echo "$ready"
[ "$ready" = '{"status":"ok","checks":{"database":"ok","redis":"ok"}}' ]
curl -fsS -o /dev/null "$base/api/openapi.json"
curl -fsS -o /dev/null "$base/docs"
curl -fsS -o /dev/null "$base/widget.js"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$base/api/v1/me")" = 401 ]

kill -TERM "$pid"
status=0
wait "$pid" || status=$?
pid=
if [ "$status" != 0 ]; then cat "$work/server.log"; echo "the image's server exited with $status"; exit 1; fi
echo "image tree: migrated, served, stopped cleanly"
