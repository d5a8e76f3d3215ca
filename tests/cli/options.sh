#!/bin/bash
# The command-line conventions (one option parser, sim/base/opts.h): bounded
# repeats (the 257th --seed once overflowed a stack array), outputs that keep
# nothing refused, one range for --seed and --set seed=, --set policies.N.KEY
# as in a sweep, help everywhere, standard output write errors reported.
source "$(dirname "$0")/lib.bash"

cat >"$T/s.json" <<'JSON'
{ "duration_s": 60, "trace": { "generate": { "queries": 20 } },
  "policies": [ { "name": "quality-latency", "alpha": 0.1 }, { "name": "always-small" } ] }
JSON

# 257 and 600 repeats of --seed: the last wins, nothing overflows.
seeds=(); for i in $(seq 600); do seeds+=(--seed "$i"); done
expect_exit 0 "$BIN" run "$T/s.json" --check "${seeds[@]:0:514}"
expect_exit 0 "$BIN" run "$T/s.json" --check "${seeds[@]}"
# --set is bounded with a message, not a crash.
sets=(); for i in $(seq 300); do sets+=(--set seed=1); done
expect_exit 2 "$BIN" run "$T/s.json" --check "${sets[@]}"
expect_grep "given more than" "$T/err"

# Outputs that keep nothing, a missing value, an option taken for a file.
expect_exit 2 "$BIN" run "$T/s.json" -o ""
expect_exit 2 "$BIN" run "$T/s.json" -o :memory:
expect_grep ":memory:" "$T/err"
expect_exit 2 "$BIN" run "$T/s.json" -o
expect_grep "missing value" "$T/err"
expect_exit 2 "$BIN" run "$T/s.json" -o -q
[ ! -e ":memory:" ] && [ ! -e "-q" ] && ok || bad "a file named :memory: or -q was created"

# One range for --seed and --set seed= (the scenario key's).
expect_exit 0 "$BIN" run "$T/s.json" --check --seed 3000000000
expect_exit 0 "$BIN" run "$T/s.json" --check --set seed=3000000000
expect_exit 2 "$BIN" run "$T/s.json" --check --seed -1
expect_exit 2 "$BIN" run "$T/s.json" --check --set seed=-1
expect_exit 2 "$BIN" run "$T/s.json" --check --seed 9007199254740994
expect_exit 2 "$BIN" run "$T/s.json" --check --set seed=9007199254740994

# --set policies.N.KEY reaches policy N; out of range names the list's length.
expect_exit 0 "$BIN" run "$T/s.json" -q -o "$T/p.db" --set policies.0.alpha=0.3
if command -v sqlite3 >/dev/null; then
  expect_eq "$(sqlite3 "$T/p.db" "SELECT json_extract(policy_params, '$.alpha') FROM runs WHERE policy = 'quality-latency'")" 0.3 "policies.0.alpha"
fi
expect_exit 2 "$BIN" run "$T/s.json" --check --set policies.5.alpha=0.3
expect_grep "has 2 policies" "$T/err"
expect_exit 2 "$BIN" run "$T/s.json" --check --set policies.1x.alpha=0.3

# Help: on every command, through `edgesim help COMMAND` the same text.
expect_exit 0 "$BIN" help --help
expect_exit 0 "$BIN" help run
cp "$T/out" "$T/help_run"
expect_exit 0 "$BIN" run --help
if cmp -s "$T/out" "$T/help_run"; then ok; else bad "edgesim help run differs from edgesim run --help"; fi
expect_exit 2 "$BIN" help nonesuch

# merge: -o like every command; the output as first argument still works,
# with a warning; `merge -o OUT IN` no longer creates a file named "-o".
expect_exit 0 "$BIN" merge -o "$T/m1.db" "$T/p.db"
[ ! -e ./-o ] && [ ! -e "$T/-o" ] && ok || bad "merge -o created a file named -o"
expect_exit 0 "$BIN" merge "$T/m2.db" "$T/p.db"
expect_grep "deprecated" "$T/err"
expect_exit 2 "$BIN" merge -o "" "$T/p.db"
expect_exit 2 "$BIN" merge -o :memory: "$T/p.db"
expect_exit 2 "$BIN" merge -o "$T/m3.db"
# trace: -o/--output, --out kept as an alias.
expect_exit 0 "$BIN" trace gen --queries 5 -o "$T/g1.csv"
expect_exit 0 "$BIN" trace gen --queries 5 --out "$T/g2.csv"
cmp -s "$T/g1.csv" "$T/g2.csv" && ok || bad "trace gen -o and --out differ"
expect_exit 2 "$BIN" trace gen --queries 5 -o ""
# -q on the commands that print notes.
expect_exit 0 "$BIN" trace import gsm8k "$SRC/tests/fixtures/traces/gsm8k_calib.tsv" -o "$T/i.csv" -q
[ ! -s "$T/err" ] && ok || bad "trace import -q printed: $(head -1 "$T/err")"

# Standard output that cannot be written: exit 4 with a message.
for cmd in "keys" "policies" "profiles" "--help" "run --help" "help" "channel $T/s.json --blocks 100" \
           "trace stats $T/g1.csv" "summary $T/p.db" "compare $T/p.db --baseline always-small" "metrics $T/p.db"; do
  # shellcheck disable=SC2086
  "$BIN" $cmd >/dev/full 2>"$T/err"
  expect_eq "$?" 4 "edgesim $cmd >/dev/full: exit code"
  [ -s "$T/err" ] && ok || bad "edgesim $cmd >/dev/full: no message"
done
finish
