#!/usr/bin/env bash
# cli_analysis_docs: docs/ANALYSIS.md matches the schema.  Every view in the
# doc's "Views" table exists in a results database; every column its row
# names (an identifier with an underscore, backticked or not, that is not a
# function call) is a column of that view, or of the runs/queries tables for
# formula inputs; backticked names must be columns of the view itself.  And
# every view of analysis/views.sql has a row.
. "$(dirname "$0")/lib.bash"
doc=$SRC/docs/ANALYSIS.md

cat > "$T/s.json" <<'JSON'
{ "name": "docs", "trace": { "generate": { "benchmark": "mmlu", "queries": 5 } },
  "devices": { "count": 2 }, "policy": { "name": "always-small" } }
JSON
expect_exit 0 "$BIN" run "$T/s.json" -o "$T/r.db" -q
cols() { sqlite3 "$T/r.db" "SELECT name FROM pragma_table_info('$1')"; }
cols runs >"$T/tables"; cols queries >>"$T/tables"

rows=$(awk '/^## Views/{f=1; next} /^## /{f=0} f && /^\| `/' "$doc")
[ -n "$rows" ] || bad "no Views table in $doc"
while IFS= read -r row; do
    view=$(cut -d'|' -f2 <<<"$row" | grep -o '`[a-z0-9_]*`' | head -1 | tr -d '`')
    cell=$(cut -d'|' -f4- <<<"$row")
    cols "$view" >"$T/cols"
    if [ ! -s "$T/cols" ]; then bad "docs/ANALYSIS.md names view $view, which does not exist"; continue; fi
    ok
    echo "$view" >>"$T/documented"
    # backticked identifiers: columns of this view
    for c in $(grep -o '`[a-z][a-z0-9_]*`' <<<"$cell" | tr -d '`' | sort -u); do
        if grep -qx "$c" "$T/cols"; then ok; else bad "view $view: docs name column \`$c\`, which it does not have"; fi
    done
    # any identifier with an underscore not followed by "(": a column of
    # the view or of the tables
    for c in $(sed 's/`//g' <<<"$cell" | grep -oE '[A-Za-z_][A-Za-z0-9_]*_[A-Za-z0-9_]*\(?' | grep -v '($' | sort -u); do
        if grep -qx "$c" "$T/cols" "$T/tables"; then ok; else bad "view $view: docs name $c, which is no column of it or of the tables"; fi
    done
done <<<"$rows"

# The "Models" table lists exactly the columns of query_models, in order,
# and the queries columns the section names exist.
doc_cols=$(awk '/<!-- query-models begin -->/{f=1; next} /<!-- query-models end -->/{f=0} f && /^\| `/' "$doc" | cut -d'`' -f2 | paste -sd,)
expect_eq "$doc_cols" "$(cols query_models | paste -sd,)" "docs/ANALYSIS.md's query_models table is the schema's"
for c in route tier cost wan_up_s wan_down_s; do
    if grep -qx "$c" "$T/tables"; then ok; else bad "queries has no column $c (docs/ANALYSIS.md \"Models\")"; fi
done

for v in $(grep -oE 'CREATE VIEW IF NOT EXISTS [a-z0-9_]+' "$SRC/analysis/views.sql" | awk '{print $NF}'); do
    if grep -qx "$v" "$T/documented"; then ok; else bad "view $v is not in docs/ANALYSIS.md's Views table"; fi
done
finish
