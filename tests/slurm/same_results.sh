#!/usr/bin/env bash
# same_results.sh A.db B.db -- do two results databases hold the same runs and
# query rows, row for row?  Every column is compared except run_id (a file's
# own numbering) and the wall-clock metadata (started_at, wall_s); in each
# query row, run_id is replaced by its run's place among the sorted runs, so
# a query row is compared with the run it belongs to.  Rows are sorted: order
# does not matter but counts do, so a duplicated run differs.
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

dump() { # dump DB OUT: runs sorted; query rows keyed by their run's place in that order
    local rc qc
    rc=$(cols "$1" runs "")
    qc=$(cols "$1" queries "")
    sqlite3 -separator '|' "$1" "SELECT $rc, run_id FROM runs" | LC_ALL=C sort >"$2.runs"
    # run_id -> rank in the sorted runs (its last field is the run_id)
    awk -F'|' '{ print $NF "|" NR }' "$2.runs" >"$2.rank"
    sed 's/|[0-9]*$//' "$2.runs" >"$2"
    sqlite3 -separator '|' "$1" "SELECT run_id, $qc FROM queries" |
        awk -F'|' -v OFS='|' 'NR == FNR { rank[$1] = $2; next } { $1 = rank[$1]; print }' "$2.rank" - |
        LC_ALL=C sort >>"$2"
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/edgesim-same-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
if [ "$(cols "$a" runs "")" != "$(cols "$b" runs "")" ] || [ "$(cols "$a" queries "")" != "$(cols "$b" queries "")" ]; then
    echo "same_results: $a and $b have different columns" >&2
    exit 1
fi
dump "$a" "$tmp/a"
dump "$b" "$tmp/b"
if cmp -s "$tmp/a" "$tmp/b"; then
    echo "same_results: $(wc -l <"$tmp/a.runs") runs and $(($(wc -l <"$tmp/a") - $(wc -l <"$tmp/a.runs"))) query rows identical"
    exit 0
fi
echo "same_results: $a and $b differ ($(wc -l <"$tmp/a.runs") vs $(wc -l <"$tmp/b.runs") runs," \
    "$(wc -l <"$tmp/a") vs $(wc -l <"$tmp/b") rows in all); first differences:" >&2
# The first difference: extra rows, or the differing fields of a changed row.
set +o pipefail
hunk=$(diff "$tmp/a" "$tmp/b" | head -n 1)
la=${hunk%%[acd,]*}
lb=${hunk#*[acd]}
lb=${lb%%,*}
case "$hunk" in
*a*) echo "  $b has rows $a has not, e.g. $(sed -n "${lb}p" "$tmp/b" | cut -c1-160)" >&2 ;;
*d*) echo "  $a has rows $b has not, e.g. $(sed -n "${la}p" "$tmp/a" | cut -c1-160)" >&2 ;;
*)
    names="$(cols "$a" runs "" | tr , '|')"
    [ "$la" -gt "$(wc -l <"$tmp/a.runs")" ] && names="run#|$(cols "$a" queries "" | tr , '|')"
    paste -d '\n' <(sed -n "${la}p" "$tmp/a") <(sed -n "${lb}p" "$tmp/b") |
        awk -F'|' -v names="$names" -v a="$a" -v b="$b" '
            BEGIN { n = split(names, name, "|") }
            NR == 1 { for (i = 1; i <= NF; i++) x[i] = $i; nx = NF; next }
            { for (i = 1; i <= (NF > nx ? NF : nx); i++) if (x[i] != $i) {
                  printf "  %s: %s has %.120s, %s has %.120s\n", (i <= n ? name[i] : "field " i), a, x[i], b, $i
                  if (++shown == 5) exit } }' >&2
    ;;
esac
exit 1
