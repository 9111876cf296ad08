#!/bin/bash
# mgr-start (to RUNNING) and mgr-attach -- true for an ordinary user's
# busybox container next to root's user-namespaced one, N rounds each:
#   sudo tests/bench/bench-users.sh [N]     (from a built tree)
# A loop timed with date +%s%N (quickstart does not install hyperfine); the
# last line is the cost of runuser itself, to subtract from the user's. The
# user is made here (useradd, subordinate ranges) and removed at exit.
set -u
SRC=${MGR_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
MGR=${MGR_BUILDDIR:-$SRC}/src/mgr
N=${1:-20}
[ "$(id -u)" -eq 0 ] || { echo "run as root (it makes a test user)"; exit 2; }
U=mb$$
P=$(mktemp -d /tmp/mgr-bench-users-XXXXXX)
chmod 755 "$P"
export MGR_TEMPLATES_DIR="$SRC/templates" MGR_SECCOMP_DIR="$SRC/config/seccomp"
asu() { runuser -u "$U" -- env -i HOME="/home/$U" PATH=/usr/bin:/bin MGR_TEMPLATES_DIR="$MGR_TEMPLATES_DIR" \
  MGR_SECCOMP_DIR="$MGR_SECCOMP_DIR" "$@"; }
cleanup() {
  "$MGR" stop -k -P "$P" -n r >/dev/null 2>&1; "$MGR" destroy -P "$P" -n r >/dev/null 2>&1
  asu "$MGR" stop -k -n u >/dev/null 2>&1; asu "$MGR" destroy -n u >/dev/null 2>&1
  userdel -r "$U" >/dev/null 2>&1
  rm -rf "$P"
}
trap cleanup EXIT
useradd -m -s /bin/sh "$U"
"$MGR" create -P "$P" -n r -t busybox >/dev/null
asu "$MGR" create -n u -t busybox >/dev/null
now() { date +%s%N; }
# measure LABEL START-CMD STOP-CMD ATTACH-CMD...
measure() {
  local label=$1 start=$2 stop=$3 s=0 a=0 t0 t1
  shift 3
  for _ in $(seq "$N"); do
    t0=$(now); eval "$start" >/dev/null 2>&1; t1=$(now); s=$((s + t1 - t0))
    t0=$(now); "$@" >/dev/null 2>&1; t1=$(now); a=$((a + t1 - t0))
    eval "$stop" >/dev/null 2>&1
  done
  printf '%-34s mgr-start %6.1f ms   mgr-attach -- true %6.1f ms   (mean of %d)\n' "$label" \
    "$(awk -v t="$s" -v n="$N" 'BEGIN { print t / n / 1e6 }')" "$(awk -v t="$a" -v n="$N" 'BEGIN { print t / n / 1e6 }')" "$N"
}
measure "root, user namespace" "\"$MGR\" start -P \"$P\" -n r" "\"$MGR\" stop -k -P \"$P\" -n r" "$MGR" attach -P "$P" -n r -- true
measure "ordinary user (runuser + env)" "asu \"$MGR\" start -n u" "asu \"$MGR\" stop -k -n u" asu "$MGR" attach -n u -- true
measure "runuser + env alone (overhead)" "asu true" "true" asu true
