#!/usr/bin/env bash
# A user's routing policy, compiled against the public header only, loaded
# with --policy-plugin and used from the command line.
. "$(dirname "$0")/lib.bash"
: "${EDGESIM_PLUGIN_DIR:?}"

# A plug-in written here, as a user would: large iff p_large > 0.6.
cat >"$T/my_policy.c" <<'C'
#include <edgesim/policy.h>
static route decide(void *state, const policy_view *v) { return v->p_large > 0.6 ? ROUTE_LARGE : ROUTE_SMALL; }
static const policy_type mine = { EDGESIM_POLICY_API_VERSION, "my-threshold", "large iff p_large > 0.6",
                                  NULL, 0, NULL, NULL, decide, NULL };
const policy_type *edgesim_policy_plugin(void) { return &mine; }
C
expect_exit 0 cc -std=c11 -shared -fPIC -I"$SRC/models/policies/include" "$T/my_policy.c" -o "$T/my_policy.so"

{
  echo "id,dialogue_id,turn,in_tokens,out_tokens,p_large,q_small,q_large,benchmark"
  for i in $(seq 1 200); do echo "$i,-1,0,$((10 + i)),5,0.$((i % 10))5,1,0,x"; done
} >"$T/trace.csv"
printf '{ "trace": { "path": "trace.csv" }, "devices": { "count": 3 }, "policy": { "name": "my-threshold" } }' >"$T/s.json"

expect_exit 0 "$BIN" policies --policy-plugin "$T/my_policy.so"
expect_grep "my-threshold" "$T/out"
expect_exit 0 "$BIN" run "$T/s.json" --policy-plugin "$T/my_policy.so" -o "$T/r.db" -q
expect_eq "$(sqlite3 "$T/r.db" "SELECT COUNT(*) FROM queries WHERE (route = 'large') != (p_large > 0.6)")" 0 "the plug-in decided every query"
expect_eq "$(sqlite3 "$T/r.db" "SELECT COUNT(*) FROM queries WHERE route = 'large'")" 80 "80 of 200 above 0.6 (0.65 .. 0.95)"
# Without the plug-in the policy is unknown; a broken plug-in is a clear error.
expect_exit 2 "$BIN" run "$T/s.json" -o "$T/r2.db" -q
expect_grep "unknown policy \"my-threshold\"" "$T/err"
expect_exit 2 "$BIN" run "$T/s.json" --policy-plugin "$EDGESIM_PLUGIN_DIR/faulty_version.so" -o "$T/r2.db"
expect_exit 2 "$BIN" policies --policy-plugin "$T/missing.so"
expect_grep "missing.so" "$T/err"
# The shipped example plug-in runs too.
expect_exit 0 "$BIN" run "$T/s.json" --policy-plugin "$EDGESIM_PLUGIN_DIR/snr_aware_score.so" --set policy.name=snr-aware-score -o "$T/r3.db" -q
expect_eq "$(sqlite3 "$T/r3.db" "SELECT policy FROM runs")" snr-aware-score "example plug-in ran"
finish
