#!/usr/bin/env bash
# cli_report: `edgesim report` writes one self-contained HTML page (no
# script, no external URL, SVG inline) with the scenarios and their groups,
# the summary and comparison tables with CIs, RouteLLM metrics and every
# figure with a caption; then a real headless browser (Debian's
# chromium-headless-shell, or chromium) loads it: no console error, a
# screenshot that is not blank.  Without a browser the browser half is
# skipped with a note (exit 77: ctest shows "skipped"), except in CI
# (CI=true), where .ci/install-deps installs one and its absence fails.
. "$(dirname "$0")/lib.bash"

cat > "$T/s.json" <<'JSON'
{
  "name": "report-test",
  "seed": 5,
  "replications": 3,
  "trace": { "generate": { "benchmark": "gsm8k", "queries": 40 },
             "arrival": { "process": "poisson", "rate_per_s": 1 } },
  "devices": { "count": 4 },
  "policies": [ { "name": "always-small" }, { "name": "always-large" },
                { "name": "score-threshold", "target_large_fraction": 0.3 },
                { "name": "score-threshold", "target_large_fraction": 0.6 },
                { "name": "quality-latency", "alpha": 0.05, "theta": 0.5 },
                { "name": "quality-latency", "alpha": 0.5, "theta": 0.5 }, { "name": "oracle" } ],
  "sweep": { "trace.arrival.rate_per_s": [0.5, 1, 2] }
}
JSON
expect_exit 0 "$BIN" run "$T/s.json" -o "$T/r.db" -q
expect_exit 0 "$BIN" report "$T/r.db" -o "$T/report.html"
page=$T/report.html
expect_grep '^<!DOCTYPE html>' "$page"
# Self-contained: no script, nothing loaded from a URL or a file.  The only
# URLs are the SVG and XLink XML namespace names, which are never fetched.
expect_eq "$(grep -c '<script' "$page")" 0 "no script"
expect_eq "$(grep -Eo '(src|href)=["'"'"'][^#"'"'"'][^"'"'"']*' "$page" | wc -l)" 0 "no src/href to anything outside the page"
expect_eq "$(grep -Eo 'https?://[^"'"'"' <>)]*' "$page" | grep -Evx 'http://www.w3.org/(2000/svg|1999/xlink)' | wc -l)" 0 "no external URL"
# Contents: groups with what distinguishes them, tables with CIs, metrics.
expect_grep 'report-test trace.arrival.rate_per_s=0.5' "$page"
expect_grep 'report-test trace.arrival.rate_per_s=2' "$page"
expect_grep 'half-width of the 95 % t confidence' "$page"
expect_grep 'paired differences policy' "$page"
expect_grep 'APGR' "$page"
expect_grep 'at equal quality' "$page"
expect_grep 'quality-latency alpha=0.05' "$page"
expect_eq "$(grep -c '&amp;[a-z]*;' "$page")" 0 "no entity escaped twice"
# Every figure has a caption; the six kinds are all there.
nfig=$(grep -c '<figure' "$page")
expect_eq "$(grep -c '<figcaption>Figure' "$page")" "$nfig" "a caption per figure"
for kind in tradeoff pgr frontier sweep latency_cdf breakdown; do
    expect_grep "<figcaption>Figure [0-9]* ($kind," "$page"
done
expect_eq "$(grep -c '<svg' "$page")" "$nfig" "each figure is an inline SVG"
# Usage and errors: no half-written page on failure.
expect_exit 3 "$BIN" report "$T/missing.db" -o "$T/x.html"
expect_exit 4 "$BIN" report "$T/r.db" -o "$T/no/such/dir/x.html"
expect_exit 2 "$BIN" report "$T/r.db" --bogus 1
expect_exit 0 "$BIN" report --help
expect_grep 'usage: edgesim report' "$T/out"

# ---- the page in a real headless browser ----
browser=$(command -v chromium-headless-shell || command -v chromium || true)
if [ -z "$browser" ]; then
    if [ "${CI:-}" = true ]; then
        bad "no headless browser in CI (.ci/install-deps installs chromium-headless-shell when CI=true)"
        finish
    fi
    echo "SKIP: the browser half of cli_report needs chromium-headless-shell or chromium" \
         "(apt-get install chromium-headless-shell); the page checks above passed"
    [ "$failed" -eq 0 ] || finish
    exit 77
fi
run_browser() { # ARGS...: headless, no sandbox (CI runs as root), its own profile
    timeout 180 "$browser" --headless --no-sandbox --disable-gpu --no-first-run --disable-extensions \
        --user-data-dir="$T/profile" --enable-logging=stderr --v=0 "$@"
}
run_browser --window-size=1400,5000 --screenshot="$T/shot.png" "file://$page" >"$T/chrome.out" 2>"$T/chrome.err"
expect_eq $? 0 "the browser ran"
# Console messages (errors, failed loads) are logged as CONSOLE lines; a
# page without script has none.
if grep -E 'CONSOLE|net::ERR|Not allowed to load' "$T/chrome.err" >"$T/console"; then
    bad "browser console messages:"; sed 's/^/    /' "$T/console" | head -5 >&2
else ok; fi
expect_eq "$(head -c 4 "$T/shot.png" | od -An -c | tr -d ' ')" '211PNG' "screenshot is a PNG"
# Not blank: the pixels vary (gnuplot reads the PNG: standard deviation of
# red + green + blue over all pixels; a blank page gives 0).
sd=$(gnuplot -e 'stats "'"$T/shot.png"'" binary filetype=png using ($1+$2+$3) nooutput; print STATS_stddev' 2>&1)
expect_eq "$(awk -v s="$sd" 'BEGIN{print (s > 20) ? "varied" : "blank " s}')" varied "screenshot pixel variety"
# The DOM the browser built has every figure and caption.
run_browser --dump-dom "file://$page" >"$T/dom.html" 2>/dev/null
expect_eq "$(grep -o '<figure' "$T/dom.html" | wc -l)" "$nfig" "figures in the browser's DOM"
expect_eq "$(grep -o '<figcaption' "$T/dom.html" | wc -l)" "$nfig" "captions in the browser's DOM"
finish
