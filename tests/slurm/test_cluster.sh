#!/usr/bin/env bash
# test_cluster.sh -- docs/SLURM.md on a real one-node SLURM cluster.
#
# 1. cluster.sh brings up munged, slurmctld and slurmd on this machine.
# 2. The blocks of docs/SLURM.md marked <!-- test:run --> run as written, in
#    order, in a folder with the repository's scenarios/ and edgesim
#    installed (cmake --install, as make install) into a prefix on PATH
#    (<!-- test:file NAME --> blocks are written to NAME first); after each
#    block the test waits until the queue is empty.  The databases they make
#    (sweep.db, split.db, all.db) must equal one plain `edgesim run` row for
#    row (same_results.sh: all columns but run_id and wall-clock fields).
# 3. `edgesim slurm --submit` with split replications; every task is held,
#    then one task is cancelled (scancel) in mid-sweep, which must leave no
#    `running` run (SIGTERM), and one task's edgesim is SIGKILLed mid-sweep.  The merge job
#    must name both and print a resubmit command; running it as printed must
#    repair the sweep with no duplicate run, and resubmitting the whole
#    recipe into the same folder must change nothing.
# 4. An array past MaxArraySize is refused by sbatch with edgesim's hint.
# 5. cluster.sh takes the cluster down by PID (also on failure).
#
# Exit 77 (skipped, with the reason) when not root or when slurm-wlm and
# munge are missing and cannot be installed (`tests/slurm/cluster.sh install`,
# which .ci/run calls, installs them).  One cluster at a time per machine
# (a lock), as the daemons' ports are fixed.
set -euo pipefail
: "${EDGESIM_BIN:?}" "${EDGESIM_SOURCE_DIR:?}"
SRC=$EDGESIM_SOURCE_DIR
HERE=$SRC/tests/slurm
skip() {
    echo "SKIP: $*"
    exit 77
}
fail() {
    echo "FAIL: $*" >&2
    exit 1
}
say() { echo "== $* (at $SECONDS s)"; }

[ "$(id -u)" -eq 0 ] || skip "the one-node SLURM cluster needs root (slurmd runs jobs as their users)"
if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
    if [ "${CI:-}" = true ]; then
        bash "$HERE/cluster.sh" install || skip "slurm-wlm and munge could not be installed"
    else
        skip "slurm-wlm and munge are not installed (tests/slurm/cluster.sh install, run by .ci/run, installs them)"
    fi
fi

exec 9>"${TMPDIR:-/tmp}/edgesim-slurm-cluster.lock"
flock -w 900 9 || fail "another SLURM cluster test held the lock for 15 minutes"

T=$(mktemp -d "${TMPDIR:-/tmp}/edgesim-slurm-XXXXXX")
chmod 755 "$T"
cleanup() {
    local rc=$?
    bash "$HERE/cluster.sh" down "$T/cluster" || true
    if [ $rc -ne 0 ] && [ $rc -ne 77 ]; then
        echo "--- logs ($T kept)" >&2
        tail -n 5 "$T"/cluster/*.log "$T"/w/*/logs/*.log "$T"/w/out/*.log 2>/dev/null | cut -c1-300 >&2 || true
    else
        rm -rf "$T"
    fi
}
trap cleanup EXIT

say "cluster up"
start=$SECONDS
eval "$(bash "$HERE/cluster.sh" up "$T/cluster")"
export SLURM_CONF
echo "node idle after $((SECONDS - start)) s"

# The folder the page's commands run in, as a user's checkout would be, with
# edgesim installed as `make install PREFIX=...` does (the build tree's
# cmake --install) and on PATH: the jobs find it there.
W=$T/w
mkdir -p "$W"
cp -r "$SRC/scenarios" "$W/scenarios"
cmake --install "$(dirname "$EDGESIM_BIN")" --prefix "$T/prefix" >/dev/null || fail "cmake --install failed"
[ -x "$T/prefix/bin/edgesim" ] || fail "cmake --install put no bin/edgesim in the prefix"
export PATH="$T/prefix/bin:$PATH"
[ "$(command -v edgesim)" = "$T/prefix/bin/edgesim" ] || fail "the installed edgesim is not first on PATH"
cd "$W"

# Wait until no job is queued (pending or running); fail after $1 seconds.
wait_queue() {
    local limit=${1:-300} t0=$SECONDS
    while [ -n "$(squeue -h -o %i)" ]; do
        if ((SECONDS - t0 > limit)); then
            squeue >&2
            fail "jobs still queued after $limit s"
        fi
        sleep 0.5
    done
}

# ---- 2. the page, as written ----
say "docs/SLURM.md blocks"
awk -v dir="$W" '
    /^<!-- test:run -->$/ { want = "run"; next }
    /^<!-- test:file [^ ]+ -->$/ { want = "file"; name = $3; next }
    /^```/ {
        if (inblock) { inblock = 0; if (kind == "run") print "wait_queue\n" >> script; next }
        if (want != "") {
            inblock = 1; kind = want; want = ""; n++
            if (kind == "run") { script = dir "/doc.sh"; print "echo \"== docs block " n "\"" >> script }
            else { out = dir "/" name; printf "" > out }
            next
        }
    }
    inblock { if (kind == "run") print >> script; else print >> out; next }
    NF { want = "" }
' "$SRC/docs/SLURM.md"
[ -s "$W/doc.sh" ] || fail "docs/SLURM.md has no <!-- test:run --> blocks"
[ -s "$W/sweep.sbatch" ] && [ -s "$W/merge.sbatch" ] || fail "docs/SLURM.md lost its sweep.sbatch / merge.sbatch blocks"
head -n 1 "$W/sweep.sbatch" | grep -qx '#!/bin/bash' || fail "docs/SLURM.md: sweep.sbatch does not start with #!/bin/bash"
grep -q -- "--dependency=afterok" "$SRC/docs/SLURM.md" && fail "docs/SLURM.md still uses afterok"
(
    set -euo pipefail
    . "$W/doc.sh"
) || fail "a docs/SLURM.md block failed"

say "plain run"
edgesim run scenarios/paper/load_sweep.json -q -o plain.db
for db in sweep.db split.db all.db; do
    [ -f "$db" ] || fail "the page made no $db"
    bash "$HERE/same_results.sh" plain.db "$db" || fail "$db differs from one plain run"
done
grep -q "the 6 tasks are merged" sweep.slurm/logs/merge-*.log || fail "sweep.slurm: the merge job did not merge"

# ---- 3. cancelled and killed tasks, the printed resubmit command ----
say "edgesim slurm --submit: one task cancelled, one SIGKILLed, both mid-sweep"
HEAVY=(--set trace.generate.queries=3000)
edgesim run scenarios/paper/load_sweep.json "${HEAVY[@]}" -q -o plain2.db
cpus=$(sinfo -h -o %c | head -n 1)
blocker=$(sbatch --parsable -c "$cpus" --mem=64 -o /dev/null --wrap "sleep 300")
t0=$SECONDS
until [ "$(squeue -h -j "$blocker" -o %T)" = RUNNING ]; do
    ((SECONDS - t0 < 60)) || fail "the job filling the node did not start"
    sleep 0.2
done
out=$(edgesim slurm scenarios/paper/load_sweep.json "${HEAVY[@]}" -o f.db --replications-per-task 1 --submit)
echo "$out"
A=$(echo "$out" | sed -n 's/^array job \([0-9]*\) (12 tasks), merge job \([0-9]*\)$/\1/p')
M=$(echo "$out" | sed -n 's/^array job \([0-9]*\) (12 tasks), merge job \([0-9]*\)$/\2/p')
[ -n "$A" ] && [ -n "$M" ] || fail "edgesim slurm --submit printed no job ids"
scontrol hold "$A"
scancel "$blocker"

# start_task K: release held task K alone and print its edgesim's PID once
# it runs, stopped (SIGSTOP).  The raw job id of a running array task is
# squeue's %A: scontrol listpids needs it.
start_task() {
    local k=$1 raw p t0=$SECONDS
    scontrol release "${A}_$k"
    while :; do
        ((SECONDS - t0 < 60)) || fail "task $k did not start"
        raw=$(squeue -h -t R -j "${A}_$k" -o %A 2>/dev/null || true)
        if [ -n "$raw" ]; then
            for p in $(scontrol listpids "$raw" 2>/dev/null | awk 'NR > 1 { print $1 }'); do
                if [ "$(cat "/proc/$p/comm" 2>/dev/null)" = edgesim ]; then
                    kill -STOP "$p"
                    echo "$p"
                    return 0
                fi
            done
        fi
        sleep 0.05
    done
}
# runs_of K STATUS: task K's runs with that status (0 while its file is busy).
runs_of() {
    local db=f.slurm/tasks/$1.db
    [ -s "$db" ] && sqlite3 -cmd ".timeout 0" "$db" "SELECT COUNT(*) FROM runs WHERE status = '$2'" 2>/dev/null ||
        echo 0
}
# mid_sweep K PID: let the stopped task run in slices of 10 ms until it has
# completed a run, and leave it stopped there, whatever the machine's speed.
mid_sweep() {
    local t0=$SECONDS
    until [ "$(runs_of "$1" complete)" -ge 1 ]; do
        ((SECONDS - t0 < 120)) || fail "task $1 completed no run in 120 s"
        kill -CONT "$2" || fail "task $1 ended before it could be stopped mid-sweep"
        sleep 0.01
        kill -STOP "$2" || fail "task $1 ended before it could be stopped mid-sweep"
    done
}
# gone PID: the process has ended (a zombie its parent has not reaped yet
# counts: under load slurmstepd can take seconds to reap it).
gone() {
    local st
    st=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 0
    [ -z "$st" ] || [ "$st" = Z ]
}

# Task 3: scancel in mid-sweep.  SLURM sends SIGCONT, then SIGTERM: edgesim
# removes the unfinished run and exits, leaving only complete runs.
pid=$(start_task 3) && [ -n "$pid" ] || fail "task 3 did not start"
mid_sweep 3 "$pid"
scancel "${A}_3"
t0=$SECONDS
until gone "$pid"; do
    # SLURM escalates to SIGKILL after KillWait (5 s); the graceful stop is
    # judged by the runs left below, so the limit only guards against a hang
    # (a loaded machine delays slurmd's signals by tens of seconds).
    ((SECONDS - t0 < 120)) || fail "task 3 still alive 120 s after scancel"
    sleep 0.05
done
wait_queue_task() { while [ -n "$(squeue -h -j "${A}_$1" -o %i 2>/dev/null)" ]; do sleep 0.1; done; }
wait_queue_task 3
after=$(sqlite3 -cmd ".timeout 10000" f.slurm/tasks/3.db "SELECT status || ':' || COUNT(*) FROM runs GROUP BY status" |
    paste -sd' ' -)
echo "task 3 (edgesim PID $pid) cancelled: runs $after"
[ "$(runs_of 3 running)" = 0 ] || fail "scancel (SIGTERM) left a running run in task 3: $after"
case "$after" in "complete:"[1-5]) ;; *) fail "task 3 should hold 1 to 5 complete runs after scancel: $after" ;; esac

# Task 5: SIGKILL in mid-sweep: the run being written stays `running`.
pid=$(start_task 5) && [ -n "$pid" ] || fail "task 5 did not start"
mid_sweep 5 "$pid"
kill -KILL "$pid"
before=$(sqlite3 -cmd ".timeout 10000" f.slurm/tasks/5.db "SELECT status || ':' || COUNT(*) FROM runs GROUP BY status" |
    paste -sd' ' -)
echo "task 5 (edgesim PID $pid) SIGKILLed with runs $before"
case "$before" in *"complete:6"*) fail "task 5 was complete when killed" ;; esac
scontrol release "$A" 2>/dev/null || true   # tasks 3 and 5 have ended: not held
wait_queue 300
log=f.slurm/logs/merge-$M.log
[ -f "$log" ] || fail "no merge log $log"
cat "$log"
[ ! -e f.db ] || fail "the merge wrote f.db although tasks were missing"
grep -q "2 of 12 tasks incomplete" "$log" || fail "the merge did not report 2 incomplete tasks"
cmd=$(grep '^sbatch --dependency=afterany:' "$log") || fail "the merge printed no resubmit command"
case "$cmd" in *"--array=3,5 "*) ;; *) fail "the resubmit command does not name exactly tasks 3 and 5: $cmd" ;; esac

say "the printed resubmit command"
bash -c "$cmd"
wait_queue 300
bash "$HERE/same_results.sh" plain2.db f.db || fail "the repaired sweep differs from one plain run"
n5=$(sqlite3 f.slurm/tasks/5.db "SELECT COUNT(*) FROM runs WHERE status = 'complete'")
[ "$n5" = 6 ] || fail "task 5's database holds $n5 complete runs, expected 6"

say "the whole recipe again, into the same folder"
edgesim slurm scenarios/paper/load_sweep.json "${HEAVY[@]}" -o f.db --replications-per-task 1 --submit
wait_queue 300
bash "$HERE/same_results.sh" plain2.db f.db || fail "resubmitting the recipe changed the merged database"
for t in $(seq 0 11); do
    n=$(sqlite3 "f.slurm/tasks/$t.db" "SELECT COUNT(*) FROM runs WHERE status = 'complete'")
    [ "$n" = 6 ] || fail "task $t's database holds $n complete runs after the rerun, expected 6"
done

say "job-array limit"
# 1200 tasks: indices past MaxArraySize - 1 (1000 in cluster.sh's slurm.conf).
if edgesim slurm scenarios/paper/load_sweep.json --set replications=200 --replications-per-task 1 \
    -o big.db --submit 2>big.err; then
    fail "sbatch accepted an array of 1200 tasks with MaxArraySize=1001"
fi
cat big.err
grep -q "indices are 0-1199.*MaxArraySize" big.err || fail "no MaxArraySize hint when sbatch refuses the array"
[ -z "$(squeue -h -o %i)" ] || fail "a refused array left jobs queued"

echo "PASS in $((SECONDS - start)) s"
