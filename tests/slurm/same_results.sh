#!/usr/bin/env bash
# same_results.sh A.db B.db -- do two results databases hold the same runs and
# query rows, row for row?  Every column is compared except run_id (a file's
# own numbering) and the wall-clock metadata (started_at, wall_s); each query
# row is compared with the columns of its run in place of run_id.  Rows are
# sorted, so order does not matter but counts do: a duplicated run differs.
# Exit 0 when equal; otherwise prints the first differing lines and exits 1.
set -euo pipefail
a=${1:?usage: same_results.sh A.db B.db}
b=${2:?usage: same_results.sh A.db B.db}
IGNORE=" run_id started_at wall_s "

cols() { # cols DB TABLE PREFIX: the compared columns, comma-separated
    sqlite3 "$1" "SELECT name FROM pragma_table_info('$2') ORDER BY cid" |
        while read -r c; do
            case "$IGNORE" in *" $c "*) ;; *) printf '%s%s\n' "$3" "$c" ;; esac
        done | paste -sd, -
}

dump() { # dump DB: runs, then queries keyed by their run's columns, sorted
    local rc qc
    rc=$(cols "$1" runs "r.")
    qc=$(cols "$1" queries "q.")
    sqlite3 -separator '|' "$1" "SELECT 'run', $rc FROM runs r" | LC_ALL=C sort
    sqlite3 -separator '|' "$1" "SELECT 'query', $rc, $qc FROM queries q JOIN runs r USING (run_id)" |
        LC_ALL=C sort
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/edgesim-same-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
if [ "$(cols "$a" runs "")" != "$(cols "$b" runs "")" ] || [ "$(cols "$a" queries "")" != "$(cols "$b" queries "")" ]; then
    echo "same_results: $a and $b have different columns" >&2
    exit 1
fi
dump "$a" >"$tmp/a"
dump "$b" >"$tmp/b"
if cmp -s "$tmp/a" "$tmp/b"; then
    echo "same_results: $(grep -c '^run|' "$tmp/a") runs and $(grep -c '^query|' "$tmp/a") query rows identical"
    exit 0
fi
echo "same_results: $a and $b differ ($(grep -c '^run|' "$tmp/a") vs $(grep -c '^run|' "$tmp/b") runs," \
    "$(grep -c '^query|' "$tmp/a") vs $(grep -c '^query|' "$tmp/b") query rows); first differences:" >&2
set +o pipefail
diff "$tmp/a" "$tmp/b" | head -n 6 | cut -c1-300 >&2
exit 1
