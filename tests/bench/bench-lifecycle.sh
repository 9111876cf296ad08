#!/bin/bash
# Start, stop -k, attach, execute and the monitor's memory, mgr side by side
# with LXC on the same busybox rootfs. Prints medians of N runs (default 20).
#   sudo tests/bench/bench-lifecycle.sh [RUNS]
# Needs: mgr installed (./quickstart.sh), apt-get install lxc bc.
set -u
RUNS=${1:-20}
[ "$(id -u)" -eq 0 ] || { echo "run as root" >&2; exit 1; }
command -v lxc-start >/dev/null || { echo "needs LXC: apt-get install lxc" >&2; exit 1; }
MGR=${MGR:-mgr}
P=$(mktemp -d /tmp/mgr-bench-XXXXXX); chmod 755 "$P"
L=$(mktemp -d /tmp/lxc-bench-XXXXXX)
N=bench$$
cleanup() {
  $MGR stop -k -P "$P" -n $N >/dev/null 2>&1
  lxc-stop -k -P "$L" -n $N >/dev/null 2>&1
  rm -rf "$P" "$L"
}
trap cleanup EXIT

$MGR create -P "$P" -n $N -t busybox --privileged >/dev/null || exit 1
mkdir -p "$L/$N"
cp -a "$P/$N/rootfs" "$L/$N/rootfs"
cat > "$L/$N/config" <<CONF
lxc.include = /usr/share/lxc/config/common.conf
lxc.rootfs.path = dir:$L/$N/rootfs
lxc.uts.name = $N
lxc.init.cmd = /sbin/init
lxc.signal.halt = SIGUSR2
lxc.net.0.type = empty
lxc.apparmor.profile = unconfined
lxc.log.level = ERROR
CONF

now() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {m = NR % 2 ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2; printf "%.1f", m / 1e6}'; }
# time_runs SETUP CMD TEARDOWN: milliseconds of CMD, median of RUNS
time_runs() {
  local setup=$1 cmd=$2 teardown=$3
  for i in $(seq "$RUNS"); do
    eval "$setup" >/dev/null 2>&1
    t0=$(now); eval "$cmd" >/dev/null 2>&1; t1=$(now)
    eval "$teardown" >/dev/null 2>&1
    echo $((t1 - t0))
  done | median
}

m="$MGR"; mp="-P $P -n $N"; lp="-P $L -n $N"
printf '%-26s %12s %12s\n' "operation (median of $RUNS)" "mgr" "LXC 5.0"
printf '%-26s %10s ms %10s ms\n' "start (daemonized)" \
  "$(time_runs ':' "$m start $mp" "$m stop -k $mp")" \
  "$(time_runs ':' "lxc-start $lp -d" "lxc-stop -k $lp")"
# The same start with memory, pids and cpu limits.
printf '%-26s %10s ms %10s ms\n' "start with limits" \
  "$(time_runs ':' "$m start $mp -s cgroup.memory.max=256M -s cgroup.pids.max=512 -s 'cgroup.cpu.max=50000 100000'" "$m stop -k $mp")" \
  "$(time_runs ':' "lxc-start $lp -d -s lxc.cgroup.memory.limit_in_bytes=268435456 -s lxc.cgroup.pids.max=512 -s lxc.cgroup.cpu.cfs_quota_us=50000" "lxc-stop -k $lp")"
printf '%-26s %10s ms %10s ms\n' "stop -k" \
  "$(time_runs "$m start $mp" "$m stop -k $mp" ':')" \
  "$(time_runs "lxc-start $lp -d" "lxc-stop -k $lp" ':')"
$m start $mp; lxc-start $lp -d; sleep 1
printf '%-26s %10s ms %10s ms\n' "attach -- /bin/true" \
  "$(time_runs ':' "$m attach $mp -- /bin/true" ':')" \
  "$(time_runs ':' "lxc-attach $lp -- /bin/true" ':')"
mrss=$(ps -o rss= -p "$($m info $mp --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["monitor_pid"])')")
lrss=$(ps -eo rss=,args= | grep "\[lxc monitor\] $L $N" | grep -v grep | awk '{print $1}' | head -1)
printf '%-26s %10s kB %10s kB\n' "monitor RSS" "$mrss" "${lrss:-?}"
$m stop -k $mp; lxc-stop -k $lp
printf '%-26s %10s ms %10s ms\n' "execute -- /bin/true" \
  "$(time_runs ':' "$m execute $mp -- /bin/true" ':')" \
  "$(time_runs ':' "lxc-execute $lp -- /bin/true" ':')"
