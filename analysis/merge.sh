#!/usr/bin/env bash
# merge.sh OUT.db IN.db... -- append the complete runs of every IN.db to OUT.db
# (created if missing), renumbering run_id so that the databases written by
# the tasks of a SLURM job array (docs/SLURM.md) merge into one.  Each input
# is merged in one transaction: a failure leaves OUT.db as it was before
# that input.  Needs the sqlite3 command-line shell.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [ $# -lt 2 ]; then
    echo "usage: analysis/merge.sh OUT.db IN.db..." >&2
    exit 2
fi
command -v sqlite3 >/dev/null || { echo "merge.sh: sqlite3 (the SQLite shell) not found" >&2; exit 4; }
out=$1
shift
sql_quote() { printf "'%s'" "${1//\'/\'\'}"; }
cat "$here/schema.sql" "$here/views.sql" | sqlite3 -bail "$out" || exit 4
total=0
for in in "$@"; do
    if [ ! -r "$in" ]; then
        echo "merge.sh: $in: cannot read" >&2
        exit 4
    fi
    if [ "$(realpath "$in")" = "$(realpath "$out")" ]; then
        echo "merge.sh: $in is the output database" >&2
        exit 2
    fi
    n=$( { echo "ATTACH $(sql_quote "$in") AS src;"
           echo "BEGIN;"
           cat "$here/merge.sql"
           echo "COMMIT;"
           echo "SELECT COUNT(*) FROM src.runs WHERE status = 'complete';"
           echo "DETACH src;"; } | sqlite3 -bail "$out") || { echo "merge.sh: $in: merge failed" >&2; exit 4; }
    echo "merged $in: $n runs"
    total=$((total + n))
done
echo "$out: $total runs merged; $(sqlite3 "$out" "SELECT COUNT(*) FROM runs WHERE status = 'complete'") complete runs in all"
