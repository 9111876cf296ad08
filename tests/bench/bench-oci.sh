#!/bin/bash
# mgr-oci beside crun and runc, as root:
#   1. the runtime alone: create, start, wait until stopped, delete of a
#      bundle running /bin/true (the busybox rootfs), N times each;
#   2. `podman --runtime RT run --rm IMG true`, N times each, with an image
#      imported from the same rootfs (podman with a storage and config of
#      this script's own, as tests/oci/test-podman.sh runs it; this host's bounding
#      set lacks CAP_SYS_RESOURCE, so podman's default ulimits are lowered).
# Prints the median and the spread in milliseconds, one line per runtime; a
# runtime that fails says how (crun 1.8 refuses hybrid cgroup hosts).
#   sudo tests/bench/bench-oci.sh [N]        (default 20)
set -u
N=${1:-20}
S=$(cd "$(dirname "$0")/../.." && pwd)
B=${MGR_BUILDDIR:-$S}
OCI="$B/src/mgr-oci"
[ "$(id -u)" -eq 0 ] || { echo "run as root" >&2; exit 1; }
W=$(mktemp -d /tmp/mgr-bench-oci-XXXXXX)
chmod 755 "$W"
cleanup() {
  timeout 60 podman rm -a -f -t 0 >/dev/null 2>&1
  timeout 60 podman rmi -a -f >/dev/null 2>&1
  findmnt -rn -o TARGET | grep "^$W/" | sort -r | xargs -r -n1 umount -l 2>/dev/null
  rm -rf "$W"
}
trap cleanup EXIT

"$S/templates/mgr-busybox" --name bench --path "$W" --rootfs "$W/bundle/rootfs" >/dev/null 2>&1 || { echo "no busybox rootfs"; exit 1; }
"$OCI" spec --bundle "$W/bundle"
python3 - "$W/bundle/config.json" <<'EOF'
import json, sys
c = json.load(open(sys.argv[1]))
c['process']['terminal'] = False
c['process']['args'] = ['/bin/true']
json.dump(c, open(sys.argv[1], 'w'))
EOF

now() { date +%s%N; }
# stats: median and min..max of the numbers (ms) on stdin
stats() { sort -n | awk '{v[NR] = $1} END {if (!NR) {print "no run"; exit} m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "median %.1f ms (min %.1f, max %.1f, %d runs)", m, v[1], v[NR], NR}'; }

echo "# $(uname -r), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); N=$N"
echo "## the runtime alone: create + start + wait + delete of /bin/true"
for rt in "$OCI" "$(command -v crun)" "$(command -v runc)"; do
  [ -x "$rt" ] || continue
  name=$(basename "$rt")
  root="$W/root-$name"
  : > "$W/times"
  err=
  for i in $(seq "$N"); do
    id=b$$-$i
    t0=$(now)
    if ! "$rt" --root "$root" create --bundle "$W/bundle" "$id" >/dev/null 2>"$W/err" || ! "$rt" --root "$root" start "$id" 2>>"$W/err"; then
      err=$(head -c 300 "$W/err")
      "$rt" --root "$root" delete --force "$id" >/dev/null 2>&1
      break
    fi
    while "$rt" --root "$root" state "$id" 2>/dev/null | grep -q '"status" *: *"\(running\|created\)"'; do :; done
    "$rt" --root "$root" delete "$id" >/dev/null 2>&1 || "$rt" --root "$root" delete --force "$id" >/dev/null 2>&1
    t1=$(now)
    echo "$(( (t1 - t0) / 1000 ))" | awk '{print $1 / 1000}' >> "$W/times"
  done
  if [ -n "$err" ]; then echo "$name: fails: $err"; else echo "$name: $(stats < "$W/times")"; fi
done

echo "## podman --runtime RT run --rm IMG true"
cat > "$W/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=1024:20000", "nproc=4096:4096"]
netns = "none"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$W/events.log"
EOF
cat > "$W/storage.conf" <<EOF
[storage]
driver = "vfs"
graphroot = "$W/storage"
runroot = "$W/run"
EOF
export CONTAINERS_CONF="$W/containers.conf" CONTAINERS_STORAGE_CONF="$W/storage.conf"
IMG=localhost/mgr-bench-oci-$$:1
tar -C "$W/bundle/rootfs" -cf "$W/rootfs.tar" .
podman import -q "$W/rootfs.tar" "$IMG" >/dev/null || { echo "podman import failed"; exit 1; }
for rt in "$OCI" "$(command -v crun)" "$(command -v runc)"; do
  [ -x "$rt" ] || continue
  name=$(basename "$rt")
  : > "$W/times"
  err=
  for i in $(seq "$N"); do
    t0=$(now)
    if ! timeout 60 podman --runtime "$rt" run --rm "$IMG" true >/dev/null 2>"$W/err"; then
      err=$(head -c 300 "$W/err")
      break
    fi
    t1=$(now)
    echo "$(( (t1 - t0) / 1000 ))" | awk '{print $1 / 1000}' >> "$W/times"
  done
  if [ -n "$err" ]; then echo "$name: fails: $err"; else echo "$name: $(stats < "$W/times")"; fi
done
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
