#!/bin/bash
# The plug-in SDK installed: `cmake --install` (and `make install PREFIX=`)
# put edgesim, <edgesim/policy.h> and edgesim.pc in a prefix; the example
# plug-in, copied out of the source tree, builds with
# `cc $(pkg-config --cflags edgesim) -shared` and runs in the installed
# binary; the binary exports no symbol of its own (plug-ins need none).
source "$(dirname "$0")/lib.bash"
BUILD_DIR=$(dirname "$BIN")
P="$T/prefix"

expect_exit 0 cmake --install "$BUILD_DIR" --prefix "$P"
[ -x "$P/bin/edgesim" ] && ok || bad "no $P/bin/edgesim"
[ -f "$P/include/edgesim/policy.h" ] && ok || bad "no $P/include/edgesim/policy.h"
PC=$(find "$P" -name edgesim.pc | head -1)
[ -n "$PC" ] && ok || bad "no edgesim.pc under $P"
expect_exit 0 "$P/bin/edgesim" --version

if command -v pkg-config >/dev/null && command -v cc >/dev/null; then
  export PKG_CONFIG_PATH
  PKG_CONFIG_PATH=$(dirname "$PC")
  expect_eq "$(pkg-config --cflags edgesim | xargs)" "-I$P/include" "pkg-config --cflags edgesim"
  # The plug-in SDK's version is the project's; a development build's adds
  # "+src.<digest>" (sim/base/version.h).
  v=$("$P/bin/edgesim" --version | awk '{print $2}')
  expect_eq "$(pkg-config --modversion edgesim)" "${v%%+*}" "pkg-config version"
  mkdir -p "$T/plugin"
  cp "$SRC/models/policies/examples/snr_aware_score.c" "$T/plugin/"
  # shellcheck disable=SC2046
  (cd "$T/plugin" && cc $(pkg-config --cflags edgesim) -std=c11 -Wall -Wextra -Werror -fPIC -shared \
     -fvisibility=hidden snr_aware_score.c -o snr.so -lm) && ok || bad "the example plug-in does not build against the prefix"
  expect_exit 0 "$P/bin/edgesim" policies --policy-plugin "$T/plugin/snr.so"
  expect_grep "snr-aware-score" "$T/out"
  cat >"$T/s.json" <<'JSON'
{ "duration_s": 60, "trace": { "generate": { "queries": 30 } }, "policy": { "name": "snr-aware-score" } }
JSON
  expect_exit 0 "$P/bin/edgesim" run "$T/s.json" --policy-plugin "$T/plugin/snr.so" -o "$T/r.db" -q
else
  echo "note: pkg-config or cc missing; plug-in build skipped"
fi

# Exported symbols: only the C library's and copy-relocated library data
# (gsl_*), nothing of edgesim (no -rdynamic, -fvisibility=hidden).
if command -v nm >/dev/null; then
  own=$(nm -D --defined-only "$P/bin/edgesim" | awk '{print $NF}' | grep -v '@' | grep -v '^_' | grep -v '^gsl_' || true)
  expect_eq "$own" "" "symbols exported by the edgesim binary"
  nm -D --defined-only "$T/plugin/snr.so" 2>/dev/null | grep -q ' T edgesim_policy_plugin$' && ok ||
    bad "a plug-in built with -fvisibility=hidden does not export edgesim_policy_plugin"
fi

# make install PREFIX=... does the same through the Makefile.
if command -v make >/dev/null; then
  expect_exit 0 make -s -C "$SRC" install PREFIX="$T/p2" BUILD="$BUILD_DIR"
  [ -x "$T/p2/bin/edgesim" ] && [ -f "$T/p2/include/edgesim/policy.h" ] && ok || bad "make install PREFIX= incomplete"
fi
finish
