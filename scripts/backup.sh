#!/usr/bin/env bash
# Backs Kyro up to one file (docs/operations.md#backups).
#   scripts/backup.sh <file>
# With DATABASE_URL: pg_dump in custom format of the whole database (Kyro's tables and the pgboss
# schema), a consistent snapshot taken while Kyro runs. Without it (embedded): a tar.gz of
# KYRO_DATA_DIR (default ./.kyro), PGlite's files and the dev secret; stop Kyro first, PGlite's files
# are consistent only when no process has them open.
set -euo pipefail
out="${1:?usage: scripts/backup.sh <file>}"

if [ -n "${DATABASE_URL:-}" ]; then
  # pg_dump refuses a server newer than itself; say which versions met rather than fail obscurely.
  client="$(pg_dump --version | sed -E 's/.* ([0-9]+)(\.[0-9]+)*.*/\1/')"
  server="$(psql -Atqc 'show server_version_num' "$DATABASE_URL")"
  if [ "$client" -lt "$((server / 10000))" ]; then
    echo "pg_dump $client is older than the server ($((server / 10000))): install a pg_dump >= the server's major" >&2
    exit 1
  fi
  pg_dump --format=custom --no-owner --file="$out" "$DATABASE_URL"
else
  data_dir="${KYRO_DATA_DIR:-./.kyro}"
  [ -d "$data_dir/pgdata" ] || { echo "no embedded database in $data_dir (set KYRO_DATA_DIR)" >&2; exit 1; }
  tar -czf "$out" -C "$(dirname "$data_dir")" "$(basename "$data_dir")"
fi
echo "backed up to $out ($(du -h "$out" | cut -f1))"
