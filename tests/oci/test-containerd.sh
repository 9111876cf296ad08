#!/bin/bash
# containerd (Debian's) with mgr-oci behind its runc shim (the shim's
# runc binary is mgr-oci): an image made from mgr's busybox rootfs, imported
# with `ctr image import`, then `ctr run --rm` and its exit status, a
# detached task with exec, kill and delete.
#
# The test runs a containerd of its own: its root, state and socket are in
# $WORK (no system service is started or touched), and it ends it by pid.
# OCI_RUNTIME=/usr/sbin/runc runs the same suite against runc.
. "${MGR_SRCDIR:-.}/tests/cli/lib.sh"
[ "$(id -u)" -eq 0 ] || { echo "SKIP: containerd needs root"; exit 77; }
for c in containerd ctr containerd-shim-runc-v2 podman; do
  command -v $c >/dev/null || { echo "SKIP: $c is not installed (quickstart.sh check installs containerd and podman)"; exit 77; }
done
RT=${OCI_RUNTIME:-$MGR_BUILDDIR/src/mgr-oci}
[ -x "$RT" ] || { echo "not ok - no runtime at $RT"; exit 1; }
export MGR_TEMPLATES_DIR="$MGR_SRCDIR/templates"
P="$WORK/containers"
pfx=ctd$$
IMG=docker.io/library/mgr-test-busybox-$$:1
SOCK="$WORK/containerd.sock"
NS=mgrtest$$
chmod 755 "$WORK"
CPID=
# The shim and ctr keep their state under /run/containerd whatever the
# config says (the runtime's root is /run/containerd/runc/NAMESPACE).
had_run_containerd=false
[ -e /run/containerd ] && had_run_containerd=true

cleanup() {
  if [ -n "$CPID" ]; then
    for t in $(ctr_ tasks ls -q 2>/dev/null); do ctr_ tasks kill -s SIGKILL "$t" >/dev/null 2>&1; done
    sleep 0.5
    for t in $(ctr_ tasks ls -q 2>/dev/null); do ctr_ tasks delete -f "$t" >/dev/null 2>&1; done
    for c in $(ctr_ containers ls -q 2>/dev/null); do ctr_ containers delete "$c" >/dev/null 2>&1; done
    kill "$CPID" 2>/dev/null
    for i in $(seq 50); do kill -0 "$CPID" 2>/dev/null || break; sleep 0.1; done
  fi
  findmnt -rn -o TARGET | grep "^$WORK/" | sort -r | xargs -r -n1 umount -l 2>/dev/null
  rm -rf "/run/containerd/runc/$NS"
  $had_run_containerd || rm -rf /run/containerd
  timeout 30 "$MGR" destroy -f -P "$P" -n "$pfx-src" >/dev/null 2>&1
  rm -rf "$WORK"
}
trap cleanup EXIT
ctr_() { timeout 120 ctr --address "$SOCK" --namespace "$NS" "$@"; }

# ---- a containerd of the test's own ----
cat > "$WORK/config.toml" <<EOF
version = 2
root = "$WORK/root"
state = "$WORK/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$SOCK"
[ttrpc]
  address = "$SOCK.ttrpc"
[debug]
  address = "$SOCK.debug"
EOF
containerd --config "$WORK/config.toml" >"$WORK/containerd.log" 2>&1 &
CPID=$!
for i in $(seq 100); do ctr_ version >/dev/null 2>&1 && break; sleep 0.1; done
ctr_ version >/dev/null 2>&1 && pass "a containerd of the test's own answers" \
  || { fail "containerd did not start: $(tail -5 "$WORK/containerd.log")"; finish; exit 1; }

# ---- the image ----
run timeout 60 "$MGR" create -P "$P" -n "$pfx-src" -t busybox --privileged
expect_rc 0 "a busybox rootfs from mgr-create -t busybox"
mkdir -p "$WORK/podman"
printf '[storage]\ndriver = "vfs"\ngraphroot = "%s/podman/s"\nrunroot = "%s/podman/r"\n' "$WORK" "$WORK" > "$WORK/storage.conf"
tar -C "$P/$pfx-src/rootfs" -cf "$WORK/rootfs.tar" .
CONTAINERS_STORAGE_CONF="$WORK/storage.conf" podman import -q --change 'CMD ["/bin/sh"]' "$WORK/rootfs.tar" "$IMG" >/dev/null \
  && CONTAINERS_STORAGE_CONF="$WORK/storage.conf" podman save -q --format oci-archive -o "$WORK/image.tar" "$IMG" >/dev/null
CONTAINERS_STORAGE_CONF="$WORK/storage.conf" podman rmi -a -f >/dev/null 2>&1
run ctr_ image import --snapshotter native "$WORK/image.tar"
expect_rc 0 "ctr image import of the busybox image"
crun() { ctr_ run --snapshotter native --runtime io.containerd.runc.v2 --runc-binary "$RT" "$@"; }

# ---- run ----
run crun --rm "$IMG" "$pfx-1" true
expect_rc 0 "ctr run --rm IMG true"
run crun --rm "$IMG" "$pfx-2" sh -c 'exit 7'
expect_rc 7 "ctr run passes the exit status on"
run crun --rm --env MGR_V=v$pfx "$IMG" "$pfx-3" sh -c 'echo "$MGR_V"; cat /proc/self/cgroup | head -3'
expect_in "$OUT" "v$pfx" "--env reaches the process"

# ---- a detached task: exec, kill, delete ----
run crun -d "$IMG" "$pfx-d" sleep 1000
expect_rc 0 "ctr run -d"
run ctr_ tasks ls
expect_in "$OUT" "RUNNING" "the task is RUNNING"
run ctr_ tasks exec --exec-id e1 "$pfx-d" sh -c "echo exec-$pfx"
expect_in "$OUT" "exec-$pfx" "tasks exec runs a command in it"
run ctr_ tasks kill -s SIGKILL "$pfx-d"
expect_rc 0 "tasks kill"
for i in $(seq 50); do ctr_ tasks ls | grep -q "$pfx-d.*STOPPED" && break; sleep 0.1; done
expect_in "$(ctr_ tasks ls)" "STOPPED" "the task is STOPPED after the kill"
run ctr_ tasks delete "$pfx-d"
expect_rc 0 "tasks delete"
run ctr_ containers delete "$pfx-d"
expect_rc 0 "containers delete"
run ctr_ containers ls -q
[ -z "$OUT" ] && pass "nothing left in containerd" || fail "left: $OUT"
finish
