#!/usr/bin/env bash
# cli_plot: `edgesim plot` end to end on a tiny swept scenario: every figure
# is written as data + script + a real PNG; exit codes for a missing
# database (3), bad flags (2), a missing gnuplot (4, data still written) and
# an unwritable output folder (4).
set -u
bin=${EDGESIM_BIN:?EDGESIM_BIN not set}
fail=0
check() { # check DESCRIPTION CONDITION...
    local what=$1
    shift
    if "$@"; then :; else echo "FAIL: $what" >&2; fail=1; fi
}
work=$(mktemp -d "${TMPDIR:-/tmp}/edgesim_cli_plot.XXXXXX")
trap 'rm -rf "$work"' EXIT

cat > "$work/tiny.json" <<'JSON'
{
  "name": "tiny-plot",
  "seed": 7,
  "replications": 2,
  "trace": { "generate": { "benchmark": "mmlu", "queries": 60 },
             "arrival": { "process": "poisson", "rate_per_s": 2 } },
  "devices": { "count": 3 },
  "policies": [ { "name": "always-small" }, { "name": "always-large" },
                { "name": "quality-latency", "alpha": 0.05 },
                { "name": "quality-latency", "alpha": 0.5 }, { "name": "oracle" } ],
  "sweep": { "channel.uplink.tx_power_dbm": [0, 23] }
}
JSON
"$bin" run "$work/tiny.json" -o "$work/r.db" -q || { echo "FAIL: edgesim run on the tiny scenario" >&2; exit 1; }

out=$("$bin" plot "$work/r.db" -o "$work/plots")
rc=$?
check "plot exits 0 (got $rc)" test $rc -eq 0
for f in latency_cdf tradeoff sweep breakdown; do
    for ext in dat gp png; do
        check "$f.$ext written and listed" test -s "$work/plots/$f.$ext"
        check "$f.$ext listed" grep -qx "$work/plots/$f.$ext" <<<"$out"
    done
    # PNG signature: \x89 P N G
    check "$f.png is a PNG" test "$(head -c 4 "$work/plots/$f.png" | od -An -c | tr -d ' ')" = '211PNG'
done
# Two alpha values: their legend entries name alpha, not theta.
check "labels name the varying parameter" grep -q 'quality-latency alpha=0.5' "$work/plots/latency_cdf.gp"
check "no theta in labels" test "$(grep -c 'theta=' "$work/plots/latency_cdf.gp")" -eq 0
# The sweep figure is indexed by the swept key's values.
check "sweep x is the swept key" grep -q '^# x = channel.uplink.tx_power_dbm' "$work/plots/sweep.dat"
check "sweep has both points" test "$(grep -cE '^(0|23)	' "$work/plots/sweep.dat")" -ge 10
# The scripts re-run by hand in their folder.
rm -f "$work/plots/tradeoff.png"
if command -v gnuplot >/dev/null; then
    (cd "$work/plots" && gnuplot tradeoff.gp)
    check "tradeoff.gp re-runs by hand" test -s "$work/plots/tradeoff.png"
fi
"$bin" plot "$work/r.db" -o "$work/svg" --format svg >/dev/null
check "svg format" grep -q '<svg' "$work/svg/tradeoff.svg"

# Exit codes.
"$bin" plot "$work/missing.db" -o "$work/p2" 2>/dev/null
check "missing database exits 3" test $? -eq 3
"$bin" plot "$work/r.db" --bogus 2>/dev/null
check "unknown flag exits 2" test $? -eq 2
"$bin" plot "$work/r.db" --format gif 2>/dev/null
check "bad format exits 2" test $? -eq 2
"$bin" plot 2>/dev/null
check "no database exits 2" test $? -eq 2
"$bin" plot "$work/r.db" -o 2>/dev/null
check "-o without value exits 2" test $? -eq 2
"$bin" plot --help | grep -q 'usage: edgesim plot'
check "--help prints usage" test $? -eq 0
"$bin" plot "$work/r.db" --scenario nope -o "$work/p3" 2>/dev/null
check "unknown scenario exits 3" test $? -eq 3
EDGESIM_GNUPLOT="$work/no-such-gnuplot" "$bin" plot "$work/r.db" -o "$work/nognu" >/dev/null 2>"$work/err"
check "missing gnuplot exits 4" test $? -eq 4
check "missing gnuplot is named" grep -q 'not found' "$work/err"
check "data kept without gnuplot" test -s "$work/nognu/latency_cdf.dat"
touch "$work/afile"
"$bin" plot "$work/r.db" -o "$work/afile/sub" 2>/dev/null
check "unwritable output exits 4" test $? -eq 4
printf 'not a database' > "$work/junk.db"
"$bin" plot "$work/junk.db" -o "$work/p4" 2>/dev/null
check "junk file exits 3" test $? -eq 3

[ $fail -eq 0 ] && echo "cli_plot: all checks passed"
exit $fail
