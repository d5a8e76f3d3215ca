#!/usr/bin/env bash
# cli_plot: `edgesim plot` end to end on tiny swept scenarios: every figure
# is written as data + script + a real PNG (SVG, PDF); the figures' rules
# (16 distinct series styles, legend outside, labels with parameters, one
# line per policy family, CI clipped to the valid range, log axis for a
# geometric sweep, axis label from the key's documentation, one panel row
# per extra sweep key, stale outputs removed); exit codes for a missing
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
for f in tradeoff pgr frontier sweep latency_cdf breakdown; do
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
# Axis label and unit from the key's documentation; 0, 23 is no geometric sweep.
check "x label from the key table" grep -q 'xlabel_text = "device transmit power, dBm  \[channel.uplink.tx_power_dbm\]"' "$work/plots/sweep.gp"
check "linear axis for 0, 23" grep -qx 'xlog = 0' "$work/plots/sweep.gp"
# 16 series styles: colour, dash and point type differ for each (style.gp).
check "16 distinct colours" test "$(grep -o '^set linetype [0-9]* *lc rgb "#[0-9a-f]*"' "$work/plots/tradeoff.gp" | awk '{print $NF}' | sort -u | wc -l)" -eq 16
check "16 distinct styles" test "$(grep '^set linetype [0-9]' "$work/plots/tradeoff.gp" | sed 's/^set linetype [0-9]* *//; s/ps .*//' | sort -u | wc -l)" -eq 16
check "legend outside the plot" grep -q '^set key outside' "$work/plots/tradeoff.gp"
# One line per policy family along its parameter, points labelled.
check "family line" grep -q 'label\[[0-9]*\] = "quality-latency (over alpha)"' "$work/plots/tradeoff.gp"
check "family points labelled" test "$(grep -c 'alpha=0.05$\|alpha=0.5$' "$work/plots/tradeoff.dat")" -eq 2
# CI bars clipped: latency >= 0, quality within [0, 1].
check "CI clipped" awk -F'\t' '!/^#/ && NF >= 6 && ($2 < 0 || $5 < 0 || $6 > 1) {bad=1} END {exit bad}' "$work/plots/tradeoff.dat"
check "sweep CI clipped" awk -F'\t' '!/^#/ && NF >= 10 && ($3 < 0 || $4 > 1 || $6 < 0 || $9 < 0 || $10 > 1) {bad=1} END {exit bad}' "$work/plots/sweep.dat"
# PGR figure: the random router's diagonal, APGR in the legend.
check "pgr diagonal" grep -q 'random router' "$work/plots/pgr.gp"
check "pgr APGR in legend" grep -q 'APGR 0\.' "$work/plots/pgr.gp"
check "pgr curve from (0,0) to (1,1)" test "$(grep -c '^0	0	\|^1	1	' "$work/plots/pgr.dat")" -ge 4
# The scripts re-run by hand in their folder.
rm -f "$work/plots/tradeoff.png"
if command -v gnuplot >/dev/null; then
    (cd "$work/plots" && gnuplot tradeoff.gp)
    check "tradeoff.gp re-runs by hand" test -s "$work/plots/tradeoff.png"
fi
"$bin" plot "$work/r.db" -o "$work/svg" --format svg >/dev/null
check "svg format" grep -q '<svg' "$work/svg/tradeoff.svg"
"$bin" plot "$work/r.db" -o "$work/pdf" --format pdf >/dev/null
check "pdf format" test "$(head -c 4 "$work/pdf/sweep.pdf")" = '%PDF'

# A geometric two-key sweep: log x axis, one panel row per devices.count.
cat > "$work/geo.json" <<'JSON'
{
  "name": "tiny-geo",
  "seed": 3,
  "trace": { "generate": { "benchmark": "gsm8k", "queries": 20 },
             "arrival": { "process": "poisson", "rate_per_s": 1 } },
  "devices": { "count": 2 },
  "policies": [ { "name": "always-small" }, { "name": "always-large" }, { "name": "random", "large_fraction": 0.5 } ],
  "sweep": { "trace.arrival.rate_per_s": [0.5, 1, 2], "devices.count": [2, 3] }
}
JSON
"$bin" run "$work/geo.json" -o "$work/geo.db" -q || { echo "FAIL: edgesim run on the geometric sweep" >&2; exit 1; }
# Stale outputs of an earlier plot into the same folder disappear when this
# plot does not draw them: first a plot with a sweep, then the one group of
# a database without one.
"$bin" plot "$work/geo.db" -o "$work/geo" >/dev/null
check "geometric sweep: log axis" grep -qx 'xlog = 1' "$work/geo/sweep.gp"
check "x is the key with most values" grep -q 'xkey = "trace.arrival.rate_per_s"' "$work/geo/sweep.gp"
check "one panel row per devices.count" grep -qx 'npanels = 2' "$work/geo/sweep.gp"
check "panel titled by its key" grep -q 'panel\[2\] = " devices.count=3"' "$work/geo/sweep.gp"
check "geo sweep png" test -s "$work/geo/sweep.png"
cat > "$work/flat.json" <<'JSON'
{ "name": "tiny-flat", "trace": { "generate": { "benchmark": "mmlu", "queries": 10 } },
  "devices": { "count": 2 }, "policies": [ { "name": "always-small" }, { "name": "always-large" } ] }
JSON
"$bin" run "$work/flat.json" -o "$work/flat.db" -q || { echo "FAIL: edgesim run flat" >&2; exit 1; }
"$bin" plot "$work/flat.db" -o "$work/geo" >/dev/null 2>"$work/flat.err"
check "stale sweep.png removed" test ! -e "$work/geo/sweep.png"
check "stale sweep.dat removed" test ! -e "$work/geo/sweep.dat"
check "stale pgr.png removed (no family)" test ! -e "$work/geo/pgr.png"
check "why a figure is missing" grep -q 'no sweep figure' "$work/flat.err"
check "flat tradeoff drawn" test -s "$work/geo/tradeoff.png"
# --group picks a group; a group that does not exist is an error.
"$bin" plot "$work/geo.db" -o "$work/g3" --group 3 >/dev/null
check "--group 3" grep -q 'group 3: tiny-geo' "$work/g3/tradeoff.dat"
"$bin" plot "$work/geo.db" -o "$work/g9" --group 9 2>/dev/null
check "missing group exits 3" test $? -eq 3

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
