#!/usr/bin/env bash
# The production image's build steps — the Dockerfile runs exactly this script, and CI runs it too
# (scripts/image/check.sh), so what the image contains is tested where no container runtime exists.
# Installs, compiles, and assembles in OUT_DIR a runtime tree: every workspace's manifest and build,
# the migrations, and the production dependencies only.
#   scripts/image/build.sh OUT_DIR          (KYRO_IMAGE_REUSE_BUILD=1 skips install + build when done)
set -euo pipefail
out="${1:?usage: scripts/image/build.sh OUT_DIR}"
cd "$(dirname "$0")/../.."

if [ "${KYRO_IMAGE_REUSE_BUILD:-}" != 1 ]; then
  npm ci --no-audit --no-fund
  npm run build
fi

rm -rf "$out"
mkdir -p "$out"
cp package.json package-lock.json "$out/"
cp -r drizzle "$out/"
for workspace in apps/* packages/*; do
  mkdir -p "$out/$workspace"
  cp "$workspace/package.json" "$out/$workspace/"
  if [ -d "$workspace/dist" ]; then cp -r "$workspace/dist" "$out/$workspace/"; fi
done
# Production dependencies only; no install scripts run (native modules ship prebuilt binaries).
(cd "$out" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund)
