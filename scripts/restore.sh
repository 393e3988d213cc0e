#!/usr/bin/env bash
# Restores a backup made by scripts/backup.sh (docs/operations.md#backups), with Kyro stopped.
#   scripts/restore.sh <file>
# With DATABASE_URL: pg_restore into that database, which must be empty (create it first), in one
# transaction: a failed restore leaves it empty. Without it (embedded): unpacks into KYRO_DATA_DIR
# (default ./.kyro), which must not exist yet. Start Kyro with the KYRO_SECRET of the backup.
set -euo pipefail
file="${1:?usage: scripts/restore.sh <file>}"
[ -f "$file" ] || { echo "no such backup: $file" >&2; exit 1; }

if [ -n "${DATABASE_URL:-}" ]; then
  tables="$(psql -Atqc "select count(*) from pg_tables where schemaname not in ('pg_catalog', 'information_schema')" "$DATABASE_URL")"
  [ "$tables" = 0 ] || { echo "the target database is not empty ($tables tables): restore into a new one" >&2; exit 1; }
  pg_restore --no-owner --exit-on-error --single-transaction --dbname="$DATABASE_URL" "$file"
else
  data_dir="${KYRO_DATA_DIR:-./.kyro}"
  [ ! -e "$data_dir" ] || { echo "$data_dir exists: restore into a new KYRO_DATA_DIR" >&2; exit 1; }
  mkdir -p "$data_dir"
  # The archive holds one top-level folder (the backed-up data dir, whatever its name).
  tar -xzf "$file" -C "$data_dir" --strip-components=1
fi
echo "restored $file"
