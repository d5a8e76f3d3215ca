# Shared helpers for the CLI tests (sourced; ctest runs only tests/cli/*.sh).
: "${EDGESIM_BIN:?}" "${EDGESIM_SOURCE_DIR:?}"
BIN=$EDGESIM_BIN
SRC=$EDGESIM_SOURCE_DIR
T=$(mktemp -d "${TMPDIR:-/tmp}/edgesim-cli-XXXXXX")
# Only the test's own shell removes it: a background job's forked shell,
# signalled before it execs its command, would run this trap too.
trap '[ "$BASHPID" = "$$" ] && rm -rf "$T"' EXIT
passed=0
failed=0

ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }

# expect_exit CODE CMD...: run CMD, check its exit code; output in $T/out, $T/err.
expect_exit() {
  local want=$1; shift
  "$@" >"$T/out" 2>"$T/err"
  local got=$?
  if [ "$got" -eq "$want" ]; then ok; else bad "exit $got, expected $want: $*"; sed 's/^/    /' "$T/err" | head -5 >&2; fi
}

# expect_grep PATTERN FILE
expect_grep() {
  if grep -q -- "$1" "$2"; then ok; else bad "no '$1' in $2:"; sed 's/^/    /' "$2" | head -5 >&2; fi
}

# expect_eq GOT WANT WHAT
expect_eq() {
  if [ "$1" = "$2" ]; then ok; else bad "$3: got '$1', expected '$2'"; fi
}

# write_trace FILE N: a small single-turn trace of N queries (the CLI tests' fixture).
write_trace() {
  local i
  {
    echo "id,dialogue_id,turn,in_tokens,out_tokens,p_large,q_small,q_large,benchmark"
    for i in $(seq 1 "$2"); do
      echo "$i,-1,0,$((20 + i % 200)),$((1 + i % 50)),0.$((i % 10)),$((i % 3 == 0)),$((i % 2)),mmlu"
    done
  } >"$1"
}

# db_content FILE [SQL...]: a results database as compared by the resume and
# merge tests: every column of `runs` but the wall-clock metadata started_at
# and wall_s (the column list read from the file, so a new column counts),
# a hash of every row of `queries` (sha3_query: the sqlite3 shell's hash of
# a query's result), their number, every row of `run_figures`; then the
# results of the extra SQL statements.
db_content() {
  local db=$1 cols
  shift
  cols=$(sqlite3 "$db" "SELECT group_concat(name, ', ') FROM pragma_table_info('runs')
                        WHERE name NOT IN ('started_at', 'wall_s')")
  sqlite3 "$db" "SELECT $cols FROM runs ORDER BY run_id" \
                "SELECT hex(sha3_query('SELECT * FROM queries ORDER BY run_id, query_id'))" \
                "SELECT COUNT(*) FROM queries" \
                "SELECT * FROM run_figures ORDER BY run_id" "$@"
}

finish() {
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
  exit $?
}
