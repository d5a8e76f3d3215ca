#!/usr/bin/env bash
# Fixed-seed golden run: the records of tests/golden/golden.json must match
# tests/golden/expected.csv exactly (times to 1 ns).  After an intended model
# change, regenerate with tests/golden/update.sh BUILD_DIR and review the diff.
. "$(dirname "$0")/lib.bash"
G="$SRC/tests/golden"
expect_exit 0 "$BIN" run "$G/golden.json" -o "$T/g.db" -q
sqlite3 "$T/g.db" <"$G/export.sql" >"$T/got.csv"
if diff -u "$G/expected.csv" "$T/got.csv" >"$T/diff"; then ok; else bad "golden records differ:"; head -20 "$T/diff" >&2; fi
expect_eq "$(($(wc -l <"$T/got.csv") - 1))" "$(sqlite3 "$T/g.db" "SELECT COUNT(*) FROM queries")" "every record exported"
finish
