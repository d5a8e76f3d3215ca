#!/bin/bash
# Tables in the docs generated from the code's one table: the block between
# <!-- NAME begin ... --> and <!-- NAME end --> must equal the command's output.
source "$(dirname "$0")/lib.bash"

# check_block FILE NAME CMD...
check_block() {
  local file=$1 name=$2; shift 2
  sed -n "/<!-- $name begin/,/<!-- $name end -->/p" "$SRC/$file" | sed '1d;$d' >"$T/doc"
  "$@" >"$T/gen" 2>"$T/err" || bad "$*: exit $?"
  if [ -s "$T/doc" ] && diff -u "$T/doc" "$T/gen" >"$T/diff"; then ok
  else bad "$file, table $name differs from \`$*\` (regenerate it from the command):"; head -20 "$T/diff" >&2; fi
}

check_block docs/TRACES.md trace-columns "$BIN" trace columns
check_block docs/TRACES.md trace-formats "$BIN" trace formats
device_keys() { "$BIN" keys | grep -E '^  (device\.|models\.NAME\.(load_s|replicas))'; }
check_block docs/MODEL.md device-keys device_keys
# Every channel model registry, each table the registry's rows.
for r in $("$BIN" models --help | sed -n 's/^REGISTRY: //p' | tr -d '|'); do
  check_block docs/CHANNEL.md "channel-$r" "$BIN" models "$r"
done
[ "$(grep -c '<!-- channel-[a-z]* begin' "$SRC/docs/CHANNEL.md")" -eq 4 ] && ok || bad "docs/CHANNEL.md: expected the 4 registry tables"
finish
