#!/bin/bash
# mgr next to LXC (as its own busybox template configures it, with an empty
# network namespace), bubblewrap and crun, measured in one run by hyperfine
# (-N: no shell in between; warm-up runs; median, min and max of RUNS). Prints
# a Markdown table with the ratio to LXC, and the machine's load before and
# after, so that a noisy run shows. Installs what it needs from Debian.
#   sudo tests/bench/bench.sh [RUNS] [N_RUNNING]     (defaults: 15, 50)
#   sudo tests/bench/bench.sh --install   (only installs them: the v2 lab's
#   root is the host's, read-only, so it installs there before booting)
# MGR_BIN=path/to/mgr measures a build tree's binary instead of the installed one.
set -u
INSTALL_ONLY=
[ "${1:-}" = --install ] && { INSTALL_ONLY=1; shift; }
RUNS=${1:-15}
NRUN=${2:-50}
[ "$(id -u)" -eq 0 ] || { echo "run as root: sudo $0" >&2; exit 1; }

need=()
for p in hyperfine lxc lxc-templates bubblewrap crun runc busybox-static python3; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "installing ${need[*]} (packages only: no service is started)" >&2
  policy=/usr/sbin/policy-rc.d; made_policy=
  [ -e $policy ] || { printf '#!/bin/sh\nexit 101\n' > $policy; chmod 755 $policy; made_policy=1; }
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends "${need[@]}" >/dev/null \
    || { echo "apt-get install ${need[*]} failed" >&2; exit 1; }
  [ -n "$made_policy" ] && rm -f $policy
fi
[ -n "$INSTALL_ONLY" ] && exit 0

BIN=$(mktemp -d /tmp/mgr-bench-bin-XXXXXX)
if [ -n "${MGR_BIN:-}" ]; then
  # Through a link named mgr: a binary named mgr-SOMETHING would take
  # SOMETHING for its verb.
  ln -s "$(readlink -f "$MGR_BIN")" "$BIN/mgr"
  for v in $("$BIN/mgr" --help | awk '/^Verbs:/ {v = 1; next} v && /^  [a-z]/ {print $1}'); do
    ln -s "$(readlink -f "$MGR_BIN")" "$BIN/mgr-$v"
  done
  export PATH="$BIN:$PATH"
fi
command -v mgr-start >/dev/null || { echo "mgr is not installed (sudo ./quickstart.sh), or give MGR_BIN=" >&2; rm -rf "$BIN"; exit 1; }

W=$(mktemp -d /tmp/mgr-bench-XXXXXX); chmod 755 "$W"
P="$W/mgr"; L="$W/lxc"; mkdir -p "$P" "$L"
N=b$$
cleanup() {
  for c in "$P"/*/; do [ -d "$c" ] && mgr-stop -k -P "$P" -n "$(basename "$c")" >/dev/null 2>&1; done
  for c in "$L"/*/; do [ -d "$c" ] && lxc-stop -k -P "$L" -n "$(basename "$c")" >/dev/null 2>&1; done
  for c in "$P"/*/; do [ -d "$c" ] && mgr-destroy -f -P "$P" -n "$(basename "$c")" >/dev/null 2>&1; done
  rm -rf "$W" "$BIN"
}
trap cleanup EXIT

# ---- the containers ----
mgr-create -P "$P" -n "$N-p" -t busybox --privileged >/dev/null || exit 1
mgr-create -P "$P" -n "$N-u" -t busybox >/dev/null || exit 1
# LXC's own busybox template; only the network is made empty (Debian's
# default.conf would put a veth on lxcbr0, which this host does not have).
echo "lxc.net.0.type = empty" > "$W/lxc-net.conf"
lxc-create -P "$L" -n "$N" -t busybox -f "$W/lxc-net.conf" >/dev/null 2>"$W/lxc-create.err" \
  || { echo "lxc-create -t busybox failed: $(cat "$W/lxc-create.err")" >&2; exit 1; }
# crun and bwrap run /bin/true from the same busybox rootfs.
mkdir -p "$W/oci" && cp -a "$P/$N-p/rootfs" "$W/oci/rootfs"
(cd "$W/oci" && crun spec >/dev/null && python3 - <<'PY'
import json
c = json.load(open("config.json"))
c["process"]["args"] = ["/bin/true"]; c["process"]["terminal"] = False
json.dump(c, open("config.json", "w"))
PY
)

load() { printf 'load %s, %s processes' "$(cut -d' ' -f1-3 /proc/loadavg)" "$(ls /proc | grep -c '^[0-9]')"; }
LOAD_BEFORE=$(load)

declare -A MED MIN MAX
# bench KEY PREPARE COMMAND: hyperfine's median/min/max in ms, stored under KEY.
bench() {
  local key=$1 prep=$2 cmd=$3 json="$W/h.json"
  local args=(-N --warmup 3 --runs "$RUNS" --export-json "$json" --style none)
  [ -n "$prep" ] && args+=(--prepare "$prep")
  # Progress on stderr: a run takes minutes here, and far longer in the
  # emulated v2 lab, where nothing else shows that it moves.
  echo "measuring $key: $cmd" >&2
  if hyperfine "${args[@]}" "$cmd" >/dev/null 2>"$W/h.err"; then
    read -r MED[$key] MIN[$key] MAX[$key] < <(python3 -c '
import json,sys; r = json.load(open(sys.argv[1]))["results"][0]
print("%.1f %.1f %.1f" % (r["median"]*1e3, r["min"]*1e3, r["max"]*1e3))' "$json")
  else
    MED[$key]="fail"; MIN[$key]="-"; MAX[$key]="-"
    echo "$key failed: $(tail -3 "$W/h.err")" >&2
  fi
}
mp="-P $P -n $N-p"; mu="-P $P -n $N-u"; lp="-P $L -n $N"
quiet() { echo "sh -c '$* >/dev/null 2>&1; true'"; }

bench start.p "$(quiet mgr-stop -k $mp)" "mgr-start $mp"
bench start.u "$(quiet mgr-stop -k $mu)" "mgr-start $mu"
bench start.l "$(quiet lxc-stop -k $lp)" "lxc-start $lp -d"
bench stop.p "$(quiet mgr-start $mp)" "mgr-stop -k $mp"
bench stop.u "$(quiet mgr-start $mu)" "mgr-stop -k $mu"
bench stop.l "$(quiet lxc-start $lp -d)" "lxc-stop -k $lp"
mgr-start $mp >/dev/null 2>&1; mgr-start $mu >/dev/null 2>&1; lxc-start $lp -d >/dev/null 2>&1
bench attach.p "" "mgr-attach $mp -- /bin/true"
bench attach.u "" "mgr-attach $mu -- /bin/true"
bench attach.l "" "lxc-attach $lp -- /bin/true"
mgr-stop -k $mp >/dev/null 2>&1; mgr-stop -k $mu >/dev/null 2>&1; lxc-stop -k $lp >/dev/null 2>&1
bench exec.p "" "mgr-execute $mp -- /bin/true"
bench exec.u "" "mgr-execute $mu -- /bin/true"
bench exec.l "" "lxc-execute $lp -- /bin/true"
bench exec.bwrap "" "bwrap --unshare-all --ro-bind $W/oci/rootfs / --proc /proc --dev /dev /bin/true"
# crun 1.8 refuses hybrid hosts whose cgroup2 has a controller; runc runs there.
bench exec.crun "" "crun run --bundle $W/oci bench-crun-$$"
bench exec.runc "" "runc run --bundle $W/oci bench-runc-$$"

# ---- with NRUN containers running ----
for i in $(seq "$NRUN"); do
  mgr-create -P "$P" -n "$N-r$i" -t busybox >/dev/null 2>&1
  lxc-copy -P "$L" -n "$N" -N "$N-r$i" >/dev/null 2>&1 || lxc-create -P "$L" -n "$N-r$i" -t busybox -f "$W/lxc-net.conf" >/dev/null 2>&1
done
seqstart() { # a script that starts (or stops) the NRUN containers, one after another
  local name=$1 f="$W/$1.sh"; shift
  { echo '#!/bin/sh'; echo 'ok=0'; for i in $(seq "$NRUN"); do echo "$* >/dev/null 2>&1 || ok=1" | sed "s/@/$i/g"; done
    case $name in *stop) echo 'exit 0' ;; *) echo 'exit $ok' ;; esac; } > "$f"; chmod +x "$f"; echo "$f"
}
bench seq.p "$(seqstart mstop mgr-stop -k -P "$P" -n "$N-r@")" "$(seqstart mstart mgr-start -P "$P" -n "$N-r@")"
bench seq.l "$(seqstart lstop lxc-stop -k -P "$L" -n "$N-r@")" "$(seqstart lstart lxc-start -d -P "$L" -n "$N-r@")"
sh "$W/mstart.sh"; sh "$W/lstart.sh"
bench ss.p "" "sh -c 'mgr-start $mu && mgr-stop -k $mu'"
bench ss.l "" "sh -c 'lxc-start $lp -d && lxc-stop -k $lp'"
bench ls.p "" "mgr-ls -f -P $P"
bench ls.l "" "lxc-ls -f -P $L"
# The monitors' memory: private and proportional (PSS) per container.
mem() { # mem PIDS...: "private PSS" in kB, averaged
  local priv=0 pss=0 n=0 p
  for p in "$@"; do
    [ -r "/proc/$p/smaps_rollup" ] || continue
    priv=$((priv + $(awk '/^Private_(Clean|Dirty):/ {s += $2} END {print s}' "/proc/$p/smaps_rollup")))
    pss=$((pss + $(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup")))
    n=$((n + 1))
  done
  [ $n -gt 0 ] && echo "$((priv / n)) $((pss / n))" || echo "- -"
}
mpids=$(for i in $(seq "$NRUN"); do mgr-info -P "$P" -n "$N-r$i" --format json 2>/dev/null \
  | python3 -c 'import json,sys; print(json.load(sys.stdin).get("monitor_pid") or "")'; done)
lpids=$(ps -eo pid=,args= | awk -v l="$L" '$0 ~ "\\[lxc monitor\\] " l {print $1}')
read -r MPRIV MPSS <<<"$(mem $mpids)"
read -r LPRIV LPSS <<<"$(mem $lpids)"
# A privileged container's monitor stays mgr itself (it answers the
# container's mount calls: mgr-start(1), THE MONITOR); the NRUN above are
# user-namespaced, whose monitors become mgr-monitor.
mgr-start $mp >/dev/null 2>&1; sleep 0.5
ppid_mon=$(mgr-info $mp --format json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin).get("monitor_pid") or "")')
read -r PPRIV PPSS <<<"$(mem $ppid_mon)"
mgr-stop -k $mp >/dev/null 2>&1
LOAD_AFTER=$(load)

# ---- the table ----
ratio() { python3 -c 'import sys
try: print("%.2f×" % (float(sys.argv[1]) / float(sys.argv[2])))
except Exception: print("-")' "$1" "$2"; }
cell() { [ "${MED[$1]}" = fail ] && echo "fails here (see stderr)" || echo "${MED[$1]} ms (${MIN[$1]}–${MAX[$1]})"; }
echo
echo "hyperfine -N, median of $RUNS (min–max), busybox rootfs; LXC $(lxc-start --version) from lxc-create -t busybox with an empty network."
echo "$(uname -r), $(nproc) cores; before: $LOAD_BEFORE; after: $LOAD_AFTER."
echo
echo "| operation | mgr privileged | mgr user-namespaced | LXC | ratio (privileged / LXC) | others |"
echo "|---|---|---|---|---|---|"
echo "| start (returns at RUNNING) | $(cell start.p) | $(cell start.u) | $(cell start.l) | $(ratio "${MED[start.p]}" "${MED[start.l]}") | |"
echo "| stop -k | $(cell stop.p) | $(cell stop.u) | $(cell stop.l) | $(ratio "${MED[stop.p]}" "${MED[stop.l]}") | |"
echo "| attach -- /bin/true | $(cell attach.p) | $(cell attach.u) | $(cell attach.l) | $(ratio "${MED[attach.p]}" "${MED[attach.l]}") | |"
echo "| execute -- /bin/true | $(cell exec.p) | $(cell exec.u) | $(cell exec.l) | $(ratio "${MED[exec.p]}" "${MED[exec.l]}") | bwrap --unshare-all $(cell exec.bwrap); crun run $(cell exec.crun); runc run $(cell exec.runc) |"
echo "| $NRUN sequential starts | $(cell seq.p) (user-namespaced) | | $(cell seq.l) | $(ratio "${MED[seq.p]}" "${MED[seq.l]}") | |"
echo "| start + stop -k, $NRUN running | | $(cell ss.p) | $(cell ss.l) | $(ratio "${MED[ss.p]}" "${MED[ss.l]}") (user-namespaced / LXC) | |"
echo "| ls -f, $NRUN running | $(cell ls.p) | | $(cell ls.l) | $(ratio "${MED[ls.p]}" "${MED[ls.l]}") | |"
echo "| monitor memory per container, $NRUN running (private / PSS) | $PPRIV / $PPSS kB (one) | $MPRIV / $MPSS kB | $LPRIV / $LPSS kB | $(ratio "$MPRIV" "$LPRIV") (user-namespaced / LXC) | |"
