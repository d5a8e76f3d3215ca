#!/usr/bin/env bash
# docs/PROFILES.md's preset table shows what `edgesim profiles` computes:
# prefill tokens/s at 512 tokens, batch-1 decode tokens/s, max batch and KV
# capacity of every preset (so the page cannot drift from presets.c).
. "$(dirname "$0")/lib.bash"
expect_exit 0 "$BIN" profiles
doc=$SRC/docs/PROFILES.md
n=0
while read -r name prefill dec1 b kv; do
  n=$((n + 1))
  row=$(grep -F "| \`$name\`" "$doc" | head -1)
  [ -n "$row" ] || { bad "docs/PROFILES.md has no row for $name"; continue; }
  prefill=$(echo "$prefill" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta')
  want="| $prefill | $dec1 | $b | "
  if [ "$b" = api ]; then want="| $prefill | $dec1 | - | - |"
  elif [ "$kv" = 1.00 ] || [ "$kv" = 2.15 ]; then want+="$kv (assumed) |"; want=${want/1.00 (assumed)/1 (assumed)}
  else want+="$kv |"; fi
  case $row in *"$want"*) ok ;; *) bad "$name: docs row lacks '$want': $row" ;; esac
done < <(awk 'NR > 2 && /^[a-z]/ && / - \(api\) / { print $1, $3, $4, "api", "-"; next }
              NR > 2 && /^[a-z]/ && match($0, /\(b= *[0-9]+\)/) {
                b = substr($0, RSTART + 3, RLENGTH - 4); gsub(/ /, "", b)
                split(substr($0, RSTART + RLENGTH), rest, " "); print $1, $3, $4, b, rest[1] }' "$T/out")
expect_eq "$((n >= 10))" 1 "presets listed"
finish
