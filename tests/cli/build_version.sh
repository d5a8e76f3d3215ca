#!/usr/bin/env bash
# The version in every run's identity and record changes with the code
# (sim/base/version.h, cmake/version.cmake, docs/ANALYSIS.md "Run identity"):
# the binary's version is the digest of the sources it was built from; a
# tree differing in one source file (copied without .git, as a tarball or a
# cluster node has it) builds another version, one differing only in docs
# or tests the same; and a run into a file holding runs of another build
# refuses (exit 4) and leaves the file as it was.
. "$(dirname "$0")/lib.bash"

version=$("$BIN" --version | awk '{print $2}')
base=${version%%+*}
digest() { cmake -DSRC="$1" -DVERSION="$base" "${@:2}" -P "$SRC/cmake/version.cmake"; }
case $version in
  *+src.*) expect_eq "$(digest "$SRC")" "$version" "the binary's version is its sources' digest" ;;
  *) expect_eq "$(digest "$SRC" -DRELEASE=ON)" "$version" "a release build's version is the project version" ;;
esac
expect_eq "$(digest "$SRC" -DRELEASE=ON)" "$base" "a release build keeps the project version"

# A copy of the tree without git: the same sources, the same version.
mkdir "$T/src"
cp -r "$SRC/CMakeLists.txt" "$SRC/cmake" "$SRC/sim" "$SRC/models" "$SRC/traces" "$SRC/analysis" \
  "$SRC/docs" "$SRC/tests" "$T/src/"
ours=$(digest "$SRC")
expect_eq "$(digest "$T/src")" "$ours" "the same sources, without .git"
case $ours in *+src.????????????????) ok ;; *) bad "version '$ours' is not $base+src.<16 hex digits>" ;; esac
# Documentation and tests are no part of the binary.
echo "more" >>"$T/src/docs/ANALYSIS.md"
echo "# more" >>"$T/src/tests/cli/lib.bash"
expect_eq "$(digest "$T/src")" "$ours" "docs and tests leave the version"
# One source file changed by one comment: another version.
echo "/* changed */" >>"$T/src/models/policies/oracle.c"
other=$(digest "$T/src")
[ "$other" != "$ours" ] && ok || bad "a changed source file keeps the version $ours"
cp "$SRC/models/policies/oracle.c" "$T/src/models/policies/oracle.c"
expect_eq "$(digest "$T/src")" "$ours" "the change undone"
echo "/* changed */" >>"$T/src/sim/run/CMakeLists.txt"
[ "$(digest "$T/src")" != "$ours" ] && ok || bad "a changed CMakeLists.txt keeps the version"

# A file written by the other build: this build neither resumes nor adds to it.
write_trace "$T/trace.csv" 60
cat >"$T/s.json" <<JSON
{ "name": "v", "seed": 3, "trace": { "path": "trace.csv" }, "devices": { "count": 2 },
  "policies": [ { "name": "always-small" }, { "name": "always-large" } ] }
JSON
expect_exit 0 "$BIN" run "$T/s.json" -o "$T/a.db" -q
expect_eq "$(sqlite3 "$T/a.db" "SELECT DISTINCT version FROM runs")" "$version" "runs record the binary's version"
# The same runs by the other build: its version, hence its identities.
sqlite3 "$T/a.db" "UPDATE runs SET version = '$other', config_hash = 'x' || config_hash"
before=$(db_content "$T/a.db")
for resume in "" --resume; do
  expect_exit 4 "$BIN" run "$T/s.json" -o "$T/a.db" -q $resume
  expect_grep "holds 2 complete runs written by edgesim $other, not by this edgesim ($version)" "$T/err"
  expect_grep "write to a new file (-o)" "$T/err"
  expect_eq "$(db_content "$T/a.db")" "$before" "the other build's file unchanged ($resume)"
done
# This build's own file resumes as ever.
expect_exit 0 "$BIN" run "$T/s.json" -o "$T/b.db" -q
expect_exit 0 "$BIN" run "$T/s.json" -o "$T/b.db" --resume
expect_grep "2 of 2 runs were already complete" "$T/err"
finish
