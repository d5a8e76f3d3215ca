#!/usr/bin/env bash
# Run the paper scenarios and generate docs/RESULTS.md (and the README's
# results block) from their databases.
#
# usage: scenarios/paper/run_all.sh [--write | --check | --print] [options]
#   --write        regenerate docs/RESULTS.md and the README block in place
#   --check        regenerate into a temporary folder; exit 1 when
#                  docs/RESULTS.md or the README block differ (diff on stderr)
#   --print        print the page on stdout (default)
#   --build DIR    build folder holding edgesim (default: build)
#   --data DIR     benchmark data folder (default: $EDGESIM_DATA, else the
#                  folder shared/data beside the checkout); absent: the
#                  calibrated generators, and the page says so
#   --keep DIR     keep the traces, databases and extracted CSVs in DIR
#   --figures DIR  also draw each benchmark's figures (edgesim plot) and an
#                  HTML report (edgesim report) into DIR (not part of the page)
#   -j N           scenario runs in parallel (default 2)
#
# Runs are deterministic for a fixed binary and seed, and the page has no
# time stamps, so regenerating it gives the same bytes.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
mode=print build=$root/build data=${EDGESIM_DATA:-$root/../shared/data} keep="" jobs=2 figures=""
usage() { sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while [ $# -gt 0 ]; do
  case $1 in
    --write) mode=write ;;
    --check) mode=check ;;
    --print) mode=print ;;
    --build) build=${2:?--build needs a folder}; shift ;;
    --data) data=${2:?--data needs a folder}; shift ;;
    --keep) keep=${2:?--keep needs a folder}; shift ;;
    --figures) figures=${2:?--figures needs a folder}; shift ;;
    -j) jobs=${2:?-j needs a number}; shift ;;
    -h|--help) usage ;;
    *) echo "run_all.sh: unknown argument '$1'" >&2; usage ;;
  esac
  shift
done
bin=$(cd "$build" 2>/dev/null && pwd)/edgesim
[ -x "$bin" ] || { echo "run_all.sh: $build/edgesim not built" >&2; exit 2; }
command -v sqlite3 >/dev/null || { echo "run_all.sh: sqlite3 (the command-line shell) is required" >&2; exit 2; }
if [ -n "$keep" ]; then
  mkdir -p "$keep"; out=$(cd "$keep" && pwd)
else
  out=$(mktemp -d "${TMPDIR:-/tmp}/edgesim-paper-XXXXXX")
  trap 'rm -rf "$out"' EXIT
fi
export LC_ALL=C
# Run a private copy: a rebuild of the build folder meanwhile (another test,
# an editor's build) must not change or unlink the binary under the runs.
cp "$bin" "$out/edgesim"
bin=$out/edgesim

# ---- 1. traces: imported from the benchmark data, else generated ----------
tr=$out/traces
mkdir -p "$tr"
every() { awk -v k="$1" 'NR == 1 || (NR - 2) % k == 0' "$2" >"$3"; }   # header + every k-th row
if [ -f "$data/derived/gsm8k_calib.tsv" ] && [ -f "$data/derived/mmlu_calib.tsv" ] &&
   [ -f "$data/mt_bench_101/mtbench101.jsonl" ]; then
  source=imported
  "$bin" trace import gsm8k "$data/derived/gsm8k_calib.tsv" --skip-contaminated --out "$tr/gsm8k_all.csv" 2>/dev/null
  "$bin" trace import mmlu "$data/derived/mmlu_calib.tsv" --skip-contaminated --out "$tr/mmlu_all.csv" 2>/dev/null
  "$bin" trace import mtbench101 "$data/mt_bench_101/mtbench101.jsonl" --out "$tr/mtbench101_all.csv" 2>/dev/null
else
  source=generated
  "$bin" trace gen --benchmark gsm8k --queries 1307 --seed 1 --out "$tr/gsm8k_all.csv" 2>/dev/null
  "$bin" trace gen --benchmark mmlu --queries 14037 --seed 1 --out "$tr/mmlu_all.csv" 2>/dev/null
  "$bin" trace gen --benchmark mtbench101 --queries 0 --dialogues 1388 --seed 1 --out "$tr/mtbench101_all.csv" 2>/dev/null
fi
if [ $mode = check ] && [ $source = generated ] && grep -q '^Traces: imported' "$root/docs/RESULTS.md"; then
  echo "run_all.sh: skipped: docs/RESULTS.md was made from the benchmark data, and no data folder is at $data" \
       "(--data DIR or EDGESIM_DATA)" >&2
  exit 77
fi
cp "$tr/gsm8k_all.csv" "$tr/gsm8k.csv"
every 10 "$tr/mmlu_all.csv" "$tr/mmlu.csv"
every 6 "$tr/gsm8k_all.csv" "$tr/gsm8k_sixth.csv"
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "dialogue_id") c = i; print; next }
         $c % 2 == 1' "$tr/mtbench101_all.csv" >"$tr/mtbench101.csv"             # every other dialogue
# the same questions, each request carrying a 100 kB image
awk -F, -v OFS=, 'NR == 1 { print $0, "extra_payload_bytes"; next } { print $0, 100000 }' \
  "$tr/gsm8k_sixth.csv" >"$tr/gsm8k_sixth_image.csv"

# ---- 2. runs (one database per job; -j in parallel) -----------------------
# A job: NAME SCENARIO TRACE|- SWEEP_INDEX|- [KEY=VALUE overrides, no spaces]
db=$out/db
mkdir -p "$db"
rules='[{"name":"quality-latency","alpha":0.5},{"name":"quality-latency","alpha":2},'
rules+='{"name":"context-aware","alpha":0.5},{"name":"context-aware","alpha":2}]'
image_sweep='{"trace.arrival.rate_per_s":[0.5,2,5,8,12],"devices.r_max_m":[100,500,1000,2000]}'
{
  echo "gsm8k $here/single_turn_gsm8k.json $tr/gsm8k.csv -"
  echo "mmlu $here/single_turn_mmlu.json $tr/mmlu.csv -"
  echo "multi $here/multi_turn.json $tr/mtbench101.csv -"
  echo "multi_blind $here/multi_turn.json $tr/mtbench101.csv - router.sees_switch_cost=false policies=$rules"
  echo "hardware $here/hardware.json $tr/gsm8k_sixth.csv -"
  echo "default $root/scenarios/default.json - -"
  n=$("$bin" run "$here/regime_map.json" --points)
  for ((i = 0; i < n; i++)); do
    echo "map_text_$i $here/regime_map.json $tr/gsm8k_sixth.csv $i"
    echo "map_image_$i $here/regime_map.json $tr/gsm8k_sixth_image.csv $i sweep=$image_sweep"
  done
} >"$out/jobs"
run_job() { # one line of the jobs file
  local j args
  IFS=' ' read -r -a j <<<"$1"
  args=("${j[1]}" -o "$db/${j[0]}.db" -q --set replications=10)
  [ "${j[2]}" = - ] || args+=(--set "trace.path=${j[2]}")
  [ "${j[3]}" = - ] || args+=(--sweep-index "${j[3]}")
  for kv in "${j[@]:4}"; do args+=(--set "$kv"); done
  rm -f "$db/${j[0]}.db"
  "$bin" run "${args[@]}" || { echo "run_all.sh: run ${j[0]} failed" >&2; return 1; }
}
export -f run_job
export bin db
xargs -d '\n' -n 1 -P "$jobs" bash -c 'run_job "$1"' _ <"$out/jobs"

# ---- 3. extract: analysis commands into CSV, loaded into one SQLite file ---
x=$out/extract.db
rm -f "$x"
extract_job() { # NAME: summary and equal-quality metrics as CSV
  "$bin" summary "$db/$1.db" --format csv -o "$out/$1.summary.csv" &&
  "$bin" metrics "$db/$1.db" --what equal-quality --format csv -o "$out/$1.eq.csv"
}
export -f extract_job
export out
cut -d' ' -f1 "$out/jobs" | grep -vx multi_blind | xargs -P "$jobs" -n 1 bash -c 'extract_job "$1"' _
for name in $(cut -d' ' -f1 "$out/jobs" | grep -vx multi_blind); do
  sqlite3 "$x" ".import --csv $out/$name.summary.csv s_$name" ".import --csv $out/$name.eq.csv eq_$name"
done
# per run: sweep point, utilisation, edge queue wait; per dialogue: switches
for name in $(cut -d' ' -f1 "$out/jobs"); do
  sqlite3 "$x" "ATTACH '$db/$name.db' AS d;
    CREATE TABLE runs_$name AS
      SELECT r.run_id, r.policy, l.label, r.replication, r.sweep_index, r.sweep_point, r.edge_busy_frac,
             r.device_busy_frac, w.edge_queue_s
      FROM d.runs r JOIN d.run_label l USING (run_id)
      LEFT JOIN (SELECT run_id, AVG(t_queue_end - t_ul_end) AS edge_queue_s FROM d.queries
                 WHERE route = 'large' GROUP BY run_id) w USING (run_id)
      WHERE r.status = 'complete';"
done
# batch-1 decode rate of each preset, as `edgesim profiles` lists it
{ echo "name,decode_tps"; "$bin" profiles | awk 'NR > 2 && /^[a-z]/ { print $1 "," $4 }'; } >"$out/profiles.csv"
sqlite3 "$x" ".import --csv $out/profiles.csv profiles"
for m in multi multi_blind; do
  sqlite3 "$x" "ATTACH '$db/$m.db' AS d;
    CREATE TABLE IF NOT EXISTS dlg (db TEXT, label TEXT, policy TEXT, replication INTEGER, dialogues INTEGER,
      switches REAL, recomputed_tokens REAL, dialogue_latency_s REAL, mean_latency_s REAL, quality REAL,
      large_share REAL);
    INSERT INTO dlg
      SELECT '$m', l.label, r.policy, r.replication, COUNT(*), AVG(s.switches), AVG(s.recomputed_tokens),
             AVG(s.dialogue_latency_s), SUM(s.waiting_s) / SUM(s.turns), SUM(s.mean_quality * s.turns) / SUM(s.turns),
             SUM(s.large_fraction * s.turns) / SUM(s.turns)
      FROM d.dialogue_summary s JOIN d.runs r USING (run_id) JOIN d.run_label l USING (run_id)
      GROUP BY r.run_id;
    CREATE TABLE IF NOT EXISTS tq AS SELECT * FROM d.t_quantile_975;"
done

# ---- figures (optional; binary output, not compared by --check) ----------
if [ -n "$figures" ]; then
  mkdir -p "$figures"
  for name in gsm8k mmlu multi; do
    "$bin" plot "$db/$name.db" -o "$figures/$name" >/dev/null 2>&1 ||
      echo "run_all.sh: figures of $name not drawn (gnuplot?)" >&2
    "$bin" report "$db/$name.db" -o "$figures/$name.html" 2>/dev/null ||
      echo "run_all.sh: report of $name not written" >&2
  done
fi

# ---- 4. the page -----------------------------------------------------------
"$here/results_page.sh" "$x" "$source" >"$out/RESULTS.md"
# The three-tier section needs the three models' MMLU results (imported data).
if [ $source = imported ]; then
  { echo; "$root/scenarios/tiers/results_table.sh" "$bin" "$data"; } >>"$out/RESULTS.md"
fi
readme_block() { sed -n '/^<!-- results:default:begin -->$/,/^<!-- results:default:end -->$/p' "$1"; }
"$here/results_page.sh" "$x" "$source" readme >"$out/README.block"

case $mode in
  print) cat "$out/RESULTS.md" ;;
  write)
    cp "$out/RESULTS.md" "$root/docs/RESULTS.md"
    awk -v blk="$out/README.block" '
      /^<!-- results:default:begin -->$/ { while ((getline l < blk) > 0) print l; skip = 1; next }
      /^<!-- results:default:end -->$/ { skip = 0; next }
      !skip' "$root/README.md" >"$out/README.md"
    cp "$out/README.md" "$root/README.md"
    echo "run_all.sh: wrote docs/RESULTS.md and the README results block (traces: $source)" >&2 ;;
  check)
    rc=0
    diff -u "$root/docs/RESULTS.md" "$out/RESULTS.md" >&2 || rc=1
    diff -u <(readme_block "$root/README.md") "$out/README.block" >&2 || rc=1
    if [ $rc -ne 0 ]; then
      echo "run_all.sh: docs/RESULTS.md or README.md differ from a fresh run (traces: $source);" \
           "regenerate with scenarios/paper/run_all.sh --write" >&2
    fi
    exit $rc ;;
esac
