#!/usr/bin/env bash
# cli_outcomes: queries that cannot complete are outcomes, end to end
# (docs/MODEL.md section 1, "Outcomes"): a device in permanent outage (CQI,
# no fading, 1500 m, 5 MHz) gives 'outage' records and a complete run;
# run_summary and `edgesim summary` count them and keep latency figures to
# done queries; outage_timeout_s = 0 stops with a message naming the device;
# deadline_s from the trace and KV rejection land in the records.
. "$(dirname "$0")/lib.bash"

write_trace "$T/t.csv" 60
cat >"$T/s.json" <<'JSON'
{ "name": "outcomes", "devices": { "count": 2, "distances_m": [1500, 100] },
  "channel": { "fading": { "model": "none" }, "shadowing_db": 0, "rate": { "model": "cqi" },
               "uplink": { "bandwidth_hz": 5e6 } },
  "trace": { "arrival": { "rate_per_s": 2 } },
  "policy": { "name": "always-large" } }
JSON
expect_exit 0 "$BIN" run "$T/s.json" --set "trace.path=\"$T/t.csv\"" -o "$T/o.db" -q
q() { sqlite3 "$T/o.db" "$1"; }
n0=$(q "SELECT COUNT(*) FROM queries WHERE device = 0")
expect_eq "$(q "SELECT COUNT(*) FROM runs WHERE status = 'complete'")" 1 "the run completes"
expect_eq "$(q "SELECT COUNT(*) FROM queries")" 60 "a record per query"
expect_eq "$(q "SELECT COUNT(*) FROM queries WHERE device = 0 AND status = 'outage' AND t_ul_start IS NOT NULL
                AND t_ul_end IS NULL AND t_queue_end IS NULL AND t_first_token IS NULL AND t_done IS NULL
                AND latency_s IS NULL")" "$n0" "device 0 (1500 m): every query 'outage', uplink started, nothing after"
expect_eq "$(q "SELECT COUNT(*) FROM queries WHERE device = 1 AND status = 'done' AND latency_s > 0")" "$((60 - n0))" \
  "device 1 (100 m): every query done"
[ "$n0" -gt 10 ] && ok || bad "device 0 has only $n0 queries"
expect_eq "$(q "SELECT n || ' ' || n_done || ' ' || n_outage || ' ' || n_rejected || ' ' || n_deadline FROM run_summary")" \
  "60 $((60 - n0)) $n0 0 0" "run_summary counts per status"
expect_eq "$(q "SELECT printf('%.9f', mean_latency_s) FROM run_summary")" \
  "$(q "SELECT printf('%.9f', AVG(latency_s)) FROM queries WHERE status = 'done'")" "mean latency over done queries"
expect_exit 0 "$BIN" summary "$T/o.db" --format csv -o "$T/sum.csv"
hdr=$(head -1 "$T/sum.csv"); row=$(sed -n 2p "$T/sum.csv")
col() { awk -F, -v h="$hdr" -v r="$row" -v c="$1" 'BEGIN{n=split(h,H,",");split(r,R,",");for(i=1;i<=n;i++)if(H[i]==c)print R[i]}'; }
expect_eq "$(col done) $(col outage) $(col rejected) $(col deadline)" "$((60 - n0)) $n0 0 0" "edgesim summary counts per status"

# --records runs keeps the same counts and done-only figures (run_figures)
expect_exit 0 "$BIN" run "$T/s.json" --set "trace.path=\"$T/t.csv\"" -o "$T/runs.db" -q --records runs
fig="SELECT n || ' ' || n_done || ' ' || n_outage || ' ' || n_rejected || ' ' || n_deadline || ' '
     || printf('%.9f %.6f', mean_latency_s, large_fraction) FROM run_summary"
expect_eq "$(sqlite3 "$T/runs.db" "$fig")" "$(q "$fig")" "--records runs: the same counts per status and figures"

# wait for ever on a channel that cannot change: no progress, named
expect_exit 2 "$BIN" run "$T/s.json" --set "trace.path=\"$T/t.csv\"" --set channel.outage_timeout_s=0 -o "$T/np.db" -q
expect_grep "no progress possible: device 0: the uplink transfer of query" "$T/err"
expect_eq "$(sqlite3 "$T/np.db" "SELECT COUNT(*) FROM runs")" 0 "no run left behind"

# deadline_s from the trace, KV rejection from the capacity
{
  echo "id,t_arr_s,device,dialogue_id,turn,in_tokens,out_tokens,p_large,q_small,q_large,benchmark,deadline_s"
  echo "1,1,1,-1,0,100,400,0.5,1,1,x,0.05"
  echo "2,2,1,-1,0,100,400,0.5,1,1,x,"
  echo "3,3,1,-1,0,700,400,0.5,1,1,x,"
} >"$T/d.csv"
expect_exit 0 "$BIN" run "$T/s.json" --set "trace.path=\"$T/d.csv\"" --set models.large.kv_bytes_per_token=1 \
  --set models.large.kv_capacity_bytes=1000 -o "$T/d.db" -q
expect_eq "$(sqlite3 "$T/d.db" "SELECT group_concat(status, ' ') FROM (SELECT status FROM queries ORDER BY query_id)")" \
  "deadline done rejected" "deadline, done, rejected"
expect_eq "$(sqlite3 "$T/d.db" "SELECT t_ul_end IS NOT NULL AND t_queue_end IS NULL FROM queries WHERE query_id = 3")" 1 \
  "rejected at the edge after its uplink"
sed 's/0.05$/-1/' "$T/d.csv" >"$T/bad.csv"
expect_exit 3 "$BIN" run "$T/s.json" --set "trace.path=\"$T/bad.csv\"" -o "$T/b.db" -q
expect_grep "deadline_s" "$T/err"
finish
