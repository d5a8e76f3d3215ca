#!/bin/sh
# trace_memory.sh -- issue 8 target: a 10^7-row trace streams in under 64 MiB.
# Usage: bench/trace_memory.sh [BUILD_DIR] [ROWS]   (needs the bench_trace target)
set -e
build=${1:-build}
rows=${2:-10000000}
file=$(mktemp /tmp/edgesim_trace_XXXXXX).csv
trap 'rm -f "$file"' EXIT
"$build/bench/bench_trace" "$rows" "$file"
ls -l "$file"
# Also the CLI reader, if the binary is built: peak RSS of `edgesim trace check`.
if [ -x "$build/edgesim" ] && [ -x /usr/bin/time ]; then
    /usr/bin/time -v "$build/edgesim" trace check "$file" 2>&1 | grep -E "Maximum resident|Exit status"
fi
