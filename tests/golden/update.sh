#!/usr/bin/env bash
# Regenerate expected.csv from the current build (after an intended change).
# usage: tests/golden/update.sh [BUILD_DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-build}/edgesim
db=$(mktemp -u)
"$bin" run "$here/golden.json" -o "$db" -q
sqlite3 "$db" <"$here/export.sql" >"$here/expected.csv"
rm -f "$db"
echo "wrote $here/expected.csv ($(wc -l <"$here/expected.csv") lines)"
