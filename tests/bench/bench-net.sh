#!/bin/bash
# What an automatic address on mgr-net's bridge adds to a start, next to what
# a veth on a bridge adds to lxc-start. Everything runs in a network
# namespace of its own (mgr-net up there, its state in a private folder), so
# the host's network is not touched. hyperfine -N, warm-up runs, median, min
# and max of RUNS; the load before and after is printed, so that a noisy run
# shows.
#   sudo tests/bench/bench-net.sh [RUNS]          (default 20)
# MGR_BIN=path/to/mgr measures a build tree's binary instead of the installed one.
set -u
RUNS=${1:-20}
[ "$(id -u)" -eq 0 ] || { echo "run as root: sudo $0" >&2; exit 1; }
for t in hyperfine lxc-create lxc-start python3 nsenter; do
  command -v $t >/dev/null || { echo "$t is missing: apt-get install hyperfine lxc lxc-templates python3" >&2; exit 1; }
done

BIN=$(mktemp -d /tmp/mgr-benchnet-bin-XXXXXX)
if [ -n "${MGR_BIN:-}" ]; then
  for v in mgr $("$MGR_BIN" --help | awk '/^Verbs:/ {v = 1; next} v && /^  [a-z]/ {print $1}'); do
    ln -s "$(readlink -f "$MGR_BIN")" "$BIN/$([ "$v" = mgr ] && echo mgr || echo "mgr-$v")"
  done
  export PATH="$BIN:$PATH"
  src=$(dirname "$(readlink -f "$MGR_BIN")")/..
  [ -d "$src/templates" ] && export MGR_TEMPLATES_DIR="$src/templates"
  [ -d "$src/config/seccomp" ] && export MGR_SECCOMP_DIR="$src/config/seccomp"
fi
command -v mgr-start >/dev/null || { echo "mgr is not installed (sudo ./quickstart.sh), or give MGR_BIN=" >&2; exit 1; }

W=$(mktemp -d /tmp/mgr-benchnet-XXXXXX); chmod 755 "$W"
P="$W/mgr"; L="$W/lxc"; mkdir -p "$P" "$L" "$W/etc/mgr"
: > "$W/etc/mgr/mgr.conf"; : > "$W/etc/mgr/default.conf"
export MGR_SYSCONFDIR="$W/etc" MGR_NET_STATE="$W/net"
N=bn$$
NS=bn$$
inn() { nsenter --net="/run/netns/$NS" "$@"; }
cleanup() {
  for c in "$P"/*/; do [ -d "$c" ] && inn mgr-stop -k -P "$P" -n "$(basename "$c")" >/dev/null 2>&1; done
  for c in "$L"/*/; do [ -d "$c" ] && inn lxc-stop -k -P "$L" -n "$(basename "$c")" >/dev/null 2>&1; done
  for c in "$P"/*/; do [ -d "$c" ] && mgr-destroy -f -P "$P" -n "$(basename "$c")" >/dev/null 2>&1; done
  inn mgr-net down >/dev/null 2>&1
  ip netns del "$NS" 2>/dev/null
  rm -rf "$W" "$BIN"
}
trap cleanup EXIT
ip netns add "$NS" && ip -n "$NS" link set lo up
inn mgr-net up >/dev/null || exit 1

# mgr: privileged and user-namespaced, each without a network and with
# [network eth0] veth on mgrbr0, ipv4 = auto (what mgr-create gives while
# mgr-net is up).
for k in p u; do
  flag=; [ $k = p ] && flag=--privileged
  inn mgr-create -P "$P" -n "$N-$k-net" -t busybox $flag >/dev/null || exit 1
  grep -q '^ipv4 = auto' "$P/$N-$k-net/config" || { echo "mgr-create did not add the managed network" >&2; exit 1; }
  inn mgr-create -P "$P" -n "$N-$k-none" -t busybox $flag >/dev/null || exit 1
  python3 - "$P/$N-$k-none/config" <<'PY'
import re, sys
p = sys.argv[1]; s = open(p).read()
s = re.sub(r"\n# Added by mgr-create because mgr-net is up.*", "\n", s, flags=re.S)
open(p, "w").write(s)
PY
  grep -q '^\[network' "$P/$N-$k-none/config" && { echo "could not remove the network of $N-$k-none" >&2; exit 1; }
done
# LXC's busybox template, privileged: an empty network, and a veth on the
# same bridge, as on lxc-net's lxcbr0: the template's rcS runs udhcpc, which
# gets its address from the dnsmasq of mgr-net (lxc-net's would do the same).
# lxc-start -d returns before that address arrives; mgr-start returns with
# the address configured.
echo "lxc.net.0.type = empty" > "$W/lxc-empty.conf"
printf '%s\n' "lxc.net.0.type = veth" "lxc.net.0.link = mgrbr0" "lxc.net.0.flags = up" > "$W/lxc-veth.conf"
inn lxc-create -P "$L" -n "$N-none" -t busybox -f "$W/lxc-empty.conf" >/dev/null 2>&1 || { echo "lxc-create failed" >&2; exit 1; }
inn lxc-create -P "$L" -n "$N-net" -t busybox -f "$W/lxc-veth.conf" >/dev/null 2>&1 || { echo "lxc-create failed" >&2; exit 1; }
# LXC finds the bridge in /sys/class/net, which shows the namespace of
# whoever mounted sysfs: every start (mgr's too, to compare like with like)
# runs in a mount namespace where the netns's own sysfs covers the host's
# /sys/class/net and /sys/devices/virtual/net.
mkdir "$W/sys"
cat > "$W/ns" <<EOF
#!/bin/sh
exec nsenter --net=/run/netns/$NS unshare -m --propagation slave sh -c 'mount -t sysfs none $W/sys && mount --bind $W/sys/class/net /sys/class/net && mount --bind $W/sys/devices/virtual/net /sys/devices/virtual/net && exec "\$0" "\$@"' "\$@"
EOF
chmod 755 "$W/ns"

# Each container once, to see that it works as measured.
for c in p-net u-net; do
  inn mgr-start -P "$P" -n "$N-$c" || exit 1
  inn mgr-attach -P "$P" -n "$N-$c" -- ping -c1 -W3 10.0.3.1 >/dev/null || { echo "$N-$c cannot ping the bridge" >&2; exit 1; }
  inn mgr-stop -k -P "$P" -n "$N-$c" >/dev/null
done
"$W/ns" lxc-start -d -P "$L" -n "$N-net" || exit 1
ok=1; for _ in $(seq 20); do inn lxc-attach -P "$L" -n "$N-net" -- ping -c1 -W1 10.0.3.1 >/dev/null 2>&1 && { ok=0; break; }; sleep 0.5; done
[ $ok -eq 0 ] || { echo "the LXC container cannot ping the bridge" >&2; exit 1; }
inn lxc-stop -k -P "$L" -n "$N-net"

load() { printf 'load %s' "$(cut -d' ' -f1-3 /proc/loadavg)"; }
LOAD_BEFORE=$(load)
declare -A MED MIN MAX
bench() { # bench KEY STOP START
  local json="$W/h.json"
  if hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$json" --style none --prepare "$2" "$3" >/dev/null 2>"$W/h.err"; then
    read -r MED[$1] MIN[$1] MAX[$1] < <(python3 -c '
import json,sys; r = json.load(open(sys.argv[1]))["results"][0]
print("%.1f %.1f %.1f" % (r["median"]*1e3, r["min"]*1e3, r["max"]*1e3))' "$json")
  else
    MED[$1]=fail MIN[$1]=- MAX[$1]=-
    echo "$1 failed: $(tail -3 "$W/h.err")" >&2
  fi
}
ns="$W/ns"
quiet() { echo "sh -c '$* >/dev/null 2>&1; true'"; }
for c in p-none p-net u-none u-net; do
  bench "mgr.$c" "$(quiet $ns mgr-stop -k -P "$P" -n "$N-$c")" "$ns mgr-start -P $P -n $N-$c"
done
for c in none net; do
  bench "lxc.$c" "$(quiet $ns lxc-stop -k -P "$L" -n "$N-$c")" "$ns lxc-start -d -P $L -n $N-$c"
done
# Where it goes: MGR_TRACE's steps that hold the network's work (mgr-net's
# registration and resolv.conf; the veth, its move and addresses), medians
# of 9 traced starts, in microseconds.
declare -A STEP
for c in p-none p-net u-none u-net; do
  for i in $(seq 9); do
    inn mgr-stop -k -P "$P" -n "$N-$c" >/dev/null 2>&1
    "$W/ns" env MGR_TRACE=1 mgr-start -P "$P" -n "$N-$c" 2>&1 >/dev/null | grep '^mgr-trace '
  done > "$W/trace.$c"
  STEP[$c]=$(python3 - "$W/trace.$c" <<'PY'
import statistics, sys
steps = {"monitor: mgr-net registration": [], "monitor: resolv.conf": [], "spawn: network set up; GO": []}
for line in open(sys.argv[1]):
    f = line.split(" ", 4)
    if len(f) == 5 and f[4].strip() in steps:
        steps[f[4].strip()].append(int(f[3]))
print(" / ".join("%d" % statistics.median(v) if v else "-" for v in steps.values()))
PY
)
done
inn mgr-stop -k -P "$P" -n "$N-p-none" >/dev/null 2>&1
inn mgr-stop -k -P "$P" -n "$N-u-none" >/dev/null 2>&1
LOAD_AFTER=$(load)

row() { printf '| %s | %s | %s | %s | %s |\n' "$1" "${MED[$2]}" "${MIN[$2]}" "${MAX[$2]}" "$3"; }
added() { python3 -c 'import sys; a, b = sys.argv[1:]; print("%+.1f ms" % (float(b) - float(a)))' "${MED[$1]}" "${MED[$2]}" 2>/dev/null || echo -; }
echo "Start (ms, $RUNS runs, median / min / max); $LOAD_BEFORE before, $LOAD_AFTER after."
echo "mgr-start includes the monitor's 400 ms window in which an init that dies at once is a failed start."
echo
echo "| start | median | min | max | added by the network (median) |"
echo "|---|---|---|---|---|"
row "mgr-start, privileged, no network" mgr.p-none ""
row "mgr-start, privileged, veth on mgrbr0, ipv4 = auto" mgr.p-net "$(added mgr.p-none mgr.p-net)"
row "mgr-start, user namespace, no network" mgr.u-none ""
row "mgr-start, user namespace, veth on mgrbr0, ipv4 = auto" mgr.u-net "$(added mgr.u-none mgr.u-net)"
row "lxc-start -d, privileged, empty network" lxc.none ""
row "lxc-start -d, privileged, veth on the bridge (udhcpc inside)" lxc.net "$(added lxc.none lxc.net)"
echo
echo "MGR_TRACE, median of 9 starts, µs: mgr-net registration (address, fixed lease, name) / resolv.conf / network set up (veth, its move, addresses, routes; 'spawn: network set up; GO')"
for c in p-none p-net u-none u-net; do echo "    $c: ${STEP[$c]}"; done
echo
echo "mgr-net status, with the two mgr containers that have ipv4 = auto running:"
inn mgr-net status | sed 's/^/    /'
