#!/bin/bash
# mgr-ls -f against lxc-ls -f with K running busybox containers (default 10):
# the cost per running container, median of 20 listings.
#   sudo tests/bench/bench-ls.sh [K]     (needs: apt-get install lxc bc)
set -u
K=${1:-10}
[ "$(id -u)" -eq 0 ] || { echo "run as root" >&2; exit 1; }
command -v lxc-ls >/dev/null || { echo "needs LXC: apt-get install lxc" >&2; exit 1; }
MGR=${MGR:-mgr}
P=$(mktemp -d /tmp/mgr-bench-XXXXXX); chmod 755 "$P"
L=$(mktemp -d /tmp/lxc-bench-XXXXXX)
cleanup() {
  for i in $(seq "$K"); do
    $MGR stop -k -P "$P" -n ls$i >/dev/null 2>&1
    $MGR destroy -P "$P" -n ls$i >/dev/null 2>&1
    lxc-stop -k -P "$L" -n ls$i >/dev/null 2>&1
  done
  rm -rf "$P" "$L"
}
trap cleanup EXIT
median() { sort -n | awk '{a[NR]=$1} END {m = NR % 2 ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2; printf "%.2f", m / 1e6}'; }
t() { for r in $(seq 20); do t0=$(date +%s%N); "$@" >/dev/null 2>&1; t1=$(date +%s%N); echo $((t1 - t0)); done | median; }

$MGR create -P "$P" -n ls1 -t busybox --privileged >/dev/null || exit 1
for i in $(seq "$K"); do
  [ $i -gt 1 ] && mkdir -p "$P/ls$i" && cp -a "$P/ls1/." "$P/ls$i/"
  mkdir -p "$L/ls$i"; cp -a "$P/ls1/rootfs" "$L/ls$i/rootfs"
  printf 'lxc.include = /usr/share/lxc/config/common.conf\nlxc.rootfs.path = dir:%s\nlxc.init.cmd = /sbin/init\nlxc.net.0.type = empty\nlxc.apparmor.profile = unconfined\n' "$L/ls$i/rootfs" > "$L/ls$i/config"
done
m0=$(t $MGR ls -f -P "$P"); l0=$(t lxc-ls -f -P "$L")
for i in $(seq "$K"); do $MGR start -P "$P" -n ls$i; lxc-start -P "$L" -n ls$i -d; done
m1=$(t $MGR ls -f -P "$P"); l1=$(t lxc-ls -f -P "$L")
printf '%-34s %10s %10s\n' "ls -f (median of 20)" mgr "LXC 5.0"
printf '%-34s %8s ms %8s ms\n' "$K containers, all stopped" "$m0" "$l0"
printf '%-34s %8s ms %8s ms\n' "$K containers, all running" "$m1" "$l1"
printf '%-34s %8s ms %8s ms\n' "per running container" "$(echo "($m1 - $m0) / $K" | bc -l | xargs printf %.3f)" "$(echo "($l1 - $l0) / $K" | bc -l | xargs printf %.3f)"
