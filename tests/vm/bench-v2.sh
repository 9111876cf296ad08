#!/bin/bash
# The benchmark on pure cgroup v2, inside the v2 lab:
#   sudo MGR_VM_BENCH=1 tests/vm/run-v2-lab.sh      (MGR_VM_BENCH_ARGS="RUNS N_RUNNING")
# which installs bench.sh's packages on the host first (the lab's root is the
# host's, read-only). Prints MGR_TRACE's timeline of one start, privileged
# and user-namespaced (on v2 init is cloned into its cgroup: no "cgroups
# entered" time), then bench.sh's table against this build. Under TCG
# emulation every figure is distorted: only ratios within this one run mean
# anything.
set -u
SRC=${MGR_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${MGR_BUILDDIR:-$SRC}
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root"; exit 77; }
[ -f /sys/fs/cgroup/cgroup.controllers ] && ! grep -q ' - cgroup ' /proc/self/mountinfo \
  || { echo "SKIP: not a pure cgroup v2 host (run it in tests/vm/run-v2-lab.sh)"; exit 77; }
export MGR_TEMPLATES_DIR="$SRC/templates"
MGR="$BUILD/src/mgr"
P=$(mktemp -d /tmp/mgr-lab-trace-XXXXXX)
chmod 755 "$P"
trap 'for c in "$P"/*/; do [ -d "$c" ] && "$MGR" destroy -f -P "$P" -n "$(basename "$c")" >/dev/null 2>&1; done; rm -rf "$P"' EXIT
for kind in privileged user-namespaced; do
  n=trace-$kind
  "$MGR" create -P "$P" -n "$n" -t busybox $([ $kind = privileged ] && echo --privileged) >/dev/null || exit 1
  # One start to warm the caches (seccomp's, the page cache), then the traced one.
  "$MGR" start -P "$P" -n "$n" >/dev/null && "$MGR" stop -k -P "$P" -n "$n" >/dev/null
  echo "## MGR_TRACE=1 mgr-start, $kind"
  MGR_TRACE=1 "$MGR" start -P "$P" -n "$n" 2>&1 | sed 's/^/    /'
  "$MGR" stop -k -P "$P" -n "$n" >/dev/null
done
trap - EXIT
for c in "$P"/*/; do "$MGR" destroy -f -P "$P" -n "$(basename "$c")" >/dev/null 2>&1; done
rm -rf "$P"
# shellcheck disable=SC2086
MGR_BIN="$MGR" exec "$SRC/tests/bench/bench.sh" ${MGR_VM_BENCH_ARGS:-}
