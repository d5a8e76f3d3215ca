#!/bin/bash
# Exit codes: one table (sim/base/exit_codes.h).  Every command's --help ends
# with it, `edgesim help COMMAND` too, and README.md's table is the same.
source "$(dirname "$0")/lib.bash"

table() { sed -n '/^Exit codes:$/,$p' "$1" | tail -n +2; }

"$BIN" --help >"$T/main" || bad "edgesim --help failed"
table "$T/main" >"$T/want"
[ "$(wc -l <"$T/want")" -ge 6 ] && ok || bad "edgesim --help: no exit-code table"

# README.md: the block between the markers, as "code  meaning" lines.
sed -n '/<!-- exit-codes begin -->/,/<!-- exit-codes end -->/p' "$SRC/README.md" |
  grep -E '^\| [0-9]+ \|' | sed -E 's/^\| ([0-9]+) \| (.*) \|$/\1 \2/' >"$T/readme"
awk '{ code = $1; $1 = ""; sub(/^ /, ""); print code " " $0 }' "$T/want" >"$T/want_flat"
if diff -u "$T/want_flat" "$T/readme" >"$T/diff"; then ok; else bad "README.md exit codes differ from edgesim --help:"; cat "$T/diff" >&2; fi

for cmd in run slurm summary compare metrics merge plot channel policies profiles models keys help "trace" "trace import" "trace gen" "trace stats" "trace check" "trace columns" "trace formats"; do
  # shellcheck disable=SC2086
  "$BIN" $cmd --help >"$T/h" 2>&1
  expect_eq "$?" 0 "edgesim $cmd --help exit code"
  table "$T/h" >"$T/got"
  if diff -q "$T/want" "$T/got" >/dev/null; then ok; else bad "edgesim $cmd --help: exit-code table differs"; fi
done

finish
