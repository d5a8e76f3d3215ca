#!/usr/bin/env bash
# `edgesim slurm` without a cluster: the scripts it writes are run by hand as
# SLURM would (SLURM_ARRAY_TASK_ID set), the merge job checks and merges, and
# the result equals one `edgesim run` row for row, also with replications
# split across tasks.  A fake sbatch checks --submit's wiring.  The real
# cluster is tests/slurm/test_cluster.sh.
. "$(dirname "$0")/lib.bash"
SAME="$SRC/tests/slurm/same_results.sh"

write_trace "$T/trace.csv" 120
cat >"$T/s.json" <<JSON
{ "name": "slurm test", "seed": 11, "replications": 3,
  "trace": { "path": "trace.csv", "arrival": { "process": "poisson", "rate_per_s": 4 } },
  "devices": { "count": 3 },
  "policies": [ { "name": "always-small" }, { "name": "always-large" }, { "name": "quality-latency" } ],
  "sweep": { "trace.arrival.rate_per_s": [2, 6] } }
JSON

expect_exit 0 "$BIN" slurm --help
expect_grep "afterany" "$T/out"
expect_exit 0 "$BIN" help slurm
expect_exit 0 "$BIN" --help
expect_grep "slurm" "$T/out"
expect_exit 2 "$BIN" slurm "$T/s.json"                       # no -o
expect_exit 2 "$BIN" slurm "$T/s.json" -o "$T/r.db" --frob
expect_exit 2 "$BIN" slurm "$T/s.json" -o "$T/r.db" --replications-per-task 0
expect_exit 2 "$BIN" slurm "$T/nope.json" -o "$T/r.db"
expect_exit 2 "$BIN" slurm "$T/s.json" -o "$T/r.db" --dir "$T/50%"
expect_grep "'%'" "$T/err"
expect_exit 2 "$BIN" slurm "$T/s.json" -o "$T/r.db" --partition $'debug\nrm -rf x'
expect_grep "expected one word" "$T/err"
expect_exit 2 "$BIN" slurm "$T/s.json" -o "$T/r.db" --time "1:00 x"

# The plain run everything is compared with.
expect_exit 0 "$BIN" run "$T/s.json" -q -o "$T/plain.db"
expect_eq "$(sqlite3 "$T/plain.db" "SELECT COUNT(*) FROM runs WHERE status = 'complete'")" 18 "plain runs"

# Task counts: one per point, or per block of replications (3 = 2 + 1).
expect_exit 0 "$BIN" run "$T/s.json" --points
expect_eq "$(cat "$T/out")" 2 "points"
expect_exit 0 "$BIN" run "$T/s.json" --points --replications-per-task 2
expect_eq "$(cat "$T/out")" 4 "tasks of 2 replications"
expect_exit 2 "$BIN" run "$T/s.json" -q --task 4 --replications-per-task 2 -o "$T/x.db"
expect_grep "4 tasks" "$T/err"
expect_exit 2 "$BIN" run "$T/s.json" -q --task 0 --sweep-index 0 -o "$T/x.db"

# run_tasks DIR: every task of DIR/tasks.sbatch as SLURM would run it.
run_tasks() {
  local n t
  n=$(sed -n 's/^#SBATCH --array=0-//p' "$1/tasks.sbatch")
  for t in $(seq 0 "$n"); do
    SLURM_ARRAY_TASK_ID=$t bash "$1/tasks.sbatch" || bad "task $t of $1 failed"
  done
}

for per in "" 2 1; do
  d="$T/r$per"
  opt=()
  [ -n "$per" ] && opt=(--replications-per-task "$per")
  expect_exit 0 "$BIN" slurm "$T/s.json" -o "$d.db" "${opt[@]}"
  expect_grep "sbatch --dependency=afterany:\$(sbatch --parsable $d.slurm/tasks.sbatch) $d.slurm/merge.sbatch" "$T/out"
  head -n 1 "$d.slurm/tasks.sbatch" | grep -qx '#!/bin/bash' && ok || bad "tasks.sbatch: #!/bin/bash not first"
  run_tasks "$d.slurm"
  expect_exit 0 bash "$d.slurm/merge.sbatch"
  expect_grep "tasks are merged" "$T/out"
  expect_exit 0 bash "$SAME" "$T/plain.db" "$d.db"
done
expect_eq "$(sed -n 's/^#SBATCH --array=//p' "$T/r1.slurm/tasks.sbatch")" "0-5" "6 tasks of 1 replication"
# Each split task stores the whole replication range, as the plain run does.
expect_eq "$(sqlite3 "$T/r2.slurm/tasks/1.db" "SELECT DISTINCT json_extract(scenario_json, '$.replications') FROM runs")" 3 "stored replications"
expect_eq "$(sqlite3 "$T/r2.slurm/tasks/1.db" "SELECT group_concat(DISTINCT replication) FROM runs")" 2 "task 1 is replication 2"

# The comparison is not blind: the old way of splitting replications
# (--set replication=K --set replications=1) stores another scenario.
for k in 0 1 2; do
  "$BIN" run "$T/s.json" -q --set replication=$k --set replications=1 -o "$T/old.db" || bad "old split $k"
done
expect_exit 1 bash "$SAME" "$T/plain.db" "$T/old.db"

# A missing or incomplete task: the merge writes nothing and prints the
# command that resubmits just those tasks.
d="$T/m"
expect_exit 0 "$BIN" slurm "$T/s.json" -o "$d.db" --replications-per-task 1 --time 00:05:00 --mem 300M \
  --partition debug --account lab
expect_grep "^#SBATCH --time=00:05:00$" "$d.slurm/tasks.sbatch"
expect_grep "^#SBATCH --mem=300M$" "$d.slurm/tasks.sbatch"
expect_grep "^#SBATCH --partition=debug$" "$d.slurm/merge.sbatch"
expect_grep "^#SBATCH --account=lab$" "$d.slurm/tasks.sbatch"
expect_grep " run .* -j 1 --task " "$d.slurm/tasks.sbatch"
# The plug-in timeout reaches both jobs (the merge job's check accepts it).
expect_exit 0 "$BIN" slurm "$T/s.json" -o "$T/pt.db" --plugin-timeout 2.5 -q
expect_grep " --plugin-timeout 2.5 " "$T/pt.slurm/tasks.sbatch"
expect_grep " --plugin-timeout 2.5 " "$T/pt.slurm/merge.sbatch"
run_tasks "$d.slurm"
rm "$d.slurm/tasks/1.db" "$d.slurm/tasks/2.db"
sqlite3 "$d.slurm/tasks/4.db" "UPDATE runs SET status = 'running' WHERE run_id = (SELECT MAX(run_id) FROM runs)"
expect_exit 3 bash "$d.slurm/merge.sbatch"
expect_grep "^sbatch --dependency=afterany:\$(sbatch --parsable --array=1-2,4 $d.slurm/tasks.sbatch) $d.slurm/merge.sbatch$" "$T/out"
expect_grep "task 4 (sweep point 1, replication 1): 2 of 3 runs complete" "$T/err"
expect_grep "3 of 6 tasks incomplete" "$T/err"
[ -e "$d.db" ] && bad "merge wrote $d.db with tasks missing" || ok

# Safe reruns: the missing tasks rerun as printed (task 4 has a complete run
# and a `running` leftover), then every task and the merge once more into the
# same folder: each task's database and the merged file hold every run once.
for t in 1 2 4; do SLURM_ARRAY_TASK_ID=$t bash "$d.slurm/tasks.sbatch" || bad "rerun of task $t"; done
expect_exit 0 bash "$d.slurm/merge.sbatch"
expect_exit 0 bash "$SAME" "$T/plain.db" "$d.db"
run_tasks "$d.slurm"
expect_exit 0 bash "$d.slurm/merge.sbatch"
expect_grep "merged 0 complete runs from $d.slurm/tasks/5.db; 3 already in $d.db (same run identity) skipped" "$T/err"
expect_exit 0 bash "$SAME" "$T/plain.db" "$d.db"
for t in 0 1 2 3 4 5; do
  expect_eq "$(sqlite3 "$d.slurm/tasks/$t.db" "SELECT COUNT(*) FROM runs WHERE status = 'complete'")" 3 "complete runs of task $t after reruns"
done

# A task database written by another configuration is never merged.
"$BIN" run "$T/s.json" -q --set devices.count=4 --task 0 --replications-per-task 1 -o "$d.slurm/tasks/0.db" ||
  bad "foreign runs"
expect_exit 3 bash "$d.slurm/merge.sbatch"
expect_grep "tasks/0.db holds 3 complete runs that are not task 0's" "$T/err"
expect_grep "array=0 " "$T/out"

# --submit with a fake sbatch: the array first, then the merge depending on
# it with afterany; the job ids are printed.
mkdir -p "$T/bin"
cat >"$T/bin/sbatch" <<'SH'
#!/bin/bash
echo "$*" >>"$FAKE_SBATCH_LOG"
case "$*" in *merge.sbatch*) echo "78;cluster" ;; *) echo 77 ;; esac
SH
chmod +x "$T/bin/sbatch"
FAKE_SBATCH_LOG=$T/sbatch.log PATH="$T/bin:$PATH" expect_exit 0 "$BIN" slurm "$T/s.json" -o "$T/sub.db" --submit
expect_grep "^array job 77 (2 tasks), merge job 78$" "$T/out"
expect_eq "$(sed -n 1p "$T/sbatch.log")" "--parsable $T/sub.slurm/tasks.sbatch" "array submission"
expect_eq "$(sed -n 2p "$T/sbatch.log")" "--parsable --dependency=afterany:77 $T/sub.slurm/merge.sbatch" "merge submission"
printf '#!/bin/sh\necho "sbatch: error: Batch job submission failed" >&2\nexit 1\n' >"$T/bin/sbatch"
PATH="$T/bin:$PATH" expect_exit 4 "$BIN" slurm "$T/s.json" -o "$T/sub.db" --submit
expect_grep "submission failed" "$T/err"

finish
