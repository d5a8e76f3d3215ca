#!/usr/bin/env bash
# memcheck.sh BUILD_DIR -- the command paths of issue 13 point 9 under
# Valgrind's memcheck (`make valgrind`, run by CI): a trace import, a run
# (-j 1, and -j 2 with its worker threads), a merge and a summary, each on
# small files made here from tests/fixtures.  Any memory error or definite
# leak makes valgrind exit 99 and this script fail; each command must also
# give its normal exit code.  Not a ctest: the sanitizer build cannot run
# under valgrind, and a few valgrind minutes stay out of every landing.
set -uo pipefail
build=${1:?usage: tests/valgrind/memcheck.sh BUILD_DIR}
src=$(cd "$(dirname "$0")/../.." && pwd)
bin=$build/edgesim
[ -x "$bin" ] || { echo "memcheck: $bin not built" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "memcheck: valgrind not installed (make deps in CI mode installs it)" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/edgesim-memcheck-XXXXXX")
trap 'rm -rf "$work"' EXIT
failed=0

# vg NAME CMD...: CMD under memcheck; exit 0 expected (99: valgrind errors).
vg() {
  local name=$1; shift
  valgrind --tool=memcheck --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
    --show-leak-kinds=definite -q --log-file="$work/$name.vg" "$@" >"$work/$name.out" 2>"$work/$name.err"
  local rc=$?
  if [ "$rc" -eq 0 ]; then
    echo "memcheck: ok: $name"
  else
    echo "memcheck: FAIL: $name (exit $rc)" >&2
    sed 's/^/    /' "$work/$name.vg" "$work/$name.err" | head -40 >&2
    failed=$((failed + 1))
  fi
}

vg import "$bin" trace import gsm8k "$src/tests/fixtures/traces/gsm8k_calib.tsv" -o "$work/t.csv"
cat >"$work/s.json" <<JSON
{ "trace": { "path": "t.csv" }, "devices": { "count": 3 }, "replications": 2,
  "policies": [ { "name": "always-small" }, { "name": "score-threshold", "target_large_fraction": 0.3 } ] }
JSON
vg run "$bin" run "$work/s.json" -o "$work/a.db" -j 1
vg run_j2 "$bin" run "$work/s.json" -o "$work/b.db" -j 2 --seed 2 -q
vg merge "$bin" merge -o "$work/m.db" "$work/a.db" "$work/b.db"
vg summary "$bin" summary "$work/m.db"
grep -q "score-threshold" "$work/summary.out" || { echo "memcheck: FAIL: the summary lists no run" >&2; failed=$((failed + 1)); }
[ "$failed" -eq 0 ]
