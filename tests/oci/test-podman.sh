#!/bin/bash
# podman (Debian's, rootful) with mgr-oci as its OCI runtime: an image made
# by `podman import` of mgr's busybox rootfs, then what users do with
# podman: run and its exit status, a terminal, -e, -v, --memory and
# --pids-limit seen from inside, --read-only, --cap-drop, exec, stop (its
# timeout, then SIGKILL), ps, logs, rm, and a pod whose containers share a
# network namespace. The security probes run in a `podman run` container
# with podman's defaults.
#
# podman runs with a containers.conf and a storage.conf of the test's own
# (CONTAINERS_CONF, CONTAINERS_STORAGE_CONF): its images, containers, state
# and events stay in $WORK, nothing of the host's podman is touched, no
# service is started, and no network is made (netns = "none"). This host's
# bounding set lacks CAP_SYS_RESOURCE, so podman's default ulimits cannot be
# set by any runtime: the conf lowers them.
#
# OCI_RUNTIME=/usr/sbin/runc runs the same suite against another runtime,
# to check the suite itself.
. "${MGR_SRCDIR:-.}/tests/cli/lib.sh"
[ "$(id -u)" -eq 0 ] || { echo "SKIP: rootful podman needs root"; exit 77; }
command -v podman >/dev/null || { echo "SKIP: podman is not installed (quickstart.sh check installs it)"; exit 77; }
RT=${OCI_RUNTIME:-$MGR_BUILDDIR/src/mgr-oci}
[ -x "$RT" ] || { echo "not ok - no runtime at $RT"; exit 1; }
export MGR_TEMPLATES_DIR="$MGR_SRCDIR/templates"
P="$WORK/containers"
IMG=localhost/mgr-test-busybox-$$:1
POD=mgrpod$$
pfx=pm$$
chmod 755 "$WORK"
# conmon writes a file named oom into its working folder when the kernel kills
# a container's process for memory (the --memory test does): not the build's.
cd "$WORK" || exit 1

cat > "$WORK/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=1024:20000", "nproc=4096:4096"]
netns = "none"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$WORK/events.log"
runtime = "$RT"
infra_image = "$IMG"
pull_policy = "never"
EOF
cat > "$WORK/storage.conf" <<EOF
[storage]
driver = "vfs"
graphroot = "$WORK/storage"
runroot = "$WORK/run"
EOF
export CONTAINERS_CONF="$WORK/containers.conf" CONTAINERS_STORAGE_CONF="$WORK/storage.conf"
pm() { timeout 120 podman --runtime "$RT" "$@"; }

cleanup() {
  tmux -L "$pfx" kill-server 2>/dev/null
  pm pod rm -a -f -t 0 >/dev/null 2>&1
  pm rm -a -f -t 0 >/dev/null 2>&1
  pm rmi -a -f >/dev/null 2>&1
  # Anything still mounted below $WORK (a layer of a container that
  # podman could not remove) is unmounted before the folder goes.
  findmnt -rn -o TARGET | grep "^$WORK/" | sort -r | xargs -r -n1 umount -l 2>/dev/null
  timeout 30 "$MGR" destroy -f -P "$P" -n "$pfx-src" >/dev/null 2>&1
  rm -rf "$WORK"
}
trap cleanup EXIT

# ---- the image: mgr's busybox rootfs, imported ----
run timeout 60 "$MGR" create -P "$P" -n "$pfx-src" -t busybox --privileged
expect_rc 0 "a busybox rootfs from mgr-create -t busybox"
printf '#!/bin/sh\nexec sleep 2147483647\n' > "$P/$pfx-src/rootfs/pause"
chmod 755 "$P/$pfx-src/rootfs/pause"
tar -C "$P/$pfx-src/rootfs" -cf "$WORK/rootfs.tar" .
run pm import -q "$WORK/rootfs.tar" "$IMG"
expect_rc 0 "podman import of the busybox rootfs"

# ---- run, exit status ----
run pm run --rm "$IMG" true
expect_rc 0 "podman run --rm IMG true"
run pm run --rm "$IMG" sh -c 'exit 7'
expect_rc 7 "podman run passes the exit status on"
run pm run --rm "$IMG" /no/such/program
[ "$RC" -ne 0 ] && pass "a missing program fails the run (exit $RC)" || fail "a missing program: exit 0"
run pm run --rm -e MGR_TEST_VAR=hello-$$ "$IMG" sh -c 'echo "$MGR_TEST_VAR"'
expect_in "$OUT" "hello-$$" "-e sets the environment"
run pm run --rm "$IMG" cat /etc/hostname
[ -n "$OUT" ] && pass "podman's hostname file is there ($OUT)" || fail "no /etc/hostname: $ERR"

# ---- bind mounts, read-only ----
mkdir "$WORK/vol"
echo from-host > "$WORK/vol/in"
run pm run --rm -v "$WORK/vol:/data" "$IMG" sh -c 'cat /data/in && echo from-container > /data/out'
expect_in "$OUT" "from-host" "-v: the host's file is seen inside"
[ "$(cat "$WORK/vol/out" 2>/dev/null)" = from-container ] && pass "-v: a file written inside is on the host" \
  || fail "-v: nothing written to the host folder"
run pm run --rm -v "$WORK/vol:/data:ro" "$IMG" sh -c 'echo x > /data/out2'
[ "$RC" -ne 0 ] && [ ! -e "$WORK/vol/out2" ] && pass "-v …:ro: the mount is read-only" || fail "-v :ro: writable (exit $RC)"
run pm run --rm --read-only "$IMG" sh -c 'touch /mgr-ro-test'
[ "$RC" -ne 0 ] && pass "--read-only: the root cannot be written (exit $RC)" || fail "--read-only: /mgr-ro-test was created"
run pm run --rm --read-only "$IMG" sh -c 'touch /tmp/x && echo tmp-ok'
expect_in "$OUT" "tmp-ok" "--read-only: /tmp stays writable (podman's tmpfs)"

# ---- limits, seen from inside ----
limit_of() { # FILE-v1 FILE-v2: whichever the container sees
  echo "cat /sys/fs/cgroup/$1 2>/dev/null || cat /sys/fs/cgroup/$2"
}
run pm run --rm --memory 64m "$IMG" sh -c "$(limit_of memory/memory.limit_in_bytes memory.max)"
expect_in "$OUT" "67108864" "--memory 64m: the container's cgroup has the limit"
# 100 MB held by a shell in a 64 MB container: the kernel kills it.
run pm run --rm --memory 64m --memory-swap 64m "$IMG" sh -c 'x=$(head -c 100000000 /dev/zero | tr "\\0" a); echo survived ${#x}'
[ "$RC" -ne 0 ] && ! [[ "$OUT" == *survived* ]] && pass "--memory 64m: a shell holding 100 MB is killed (exit $RC)" \
  || fail "--memory 64m: exit $RC, $OUT"
run pm run --rm "$IMG" sh -c 'x=$(head -c 100000000 /dev/zero | tr "\\0" a); echo survived ${#x}'
expect_in "$OUT" "survived 100000000" "without --memory the same shell survives (control)"
run pm run --rm --pids-limit 20 "$IMG" sh -c "$(limit_of pids/pids.max pids.max)"
expect_in "$OUT" "20" "--pids-limit 20: the container's cgroup has the limit"
# An inner shell forks until it cannot (and dies then); the outer one counts
# with its own loop, which needs no fork. Without the limit all 40 run.
forks='sh -c "for i in \$(seq 40); do sleep 3 & done" 2>/dev/null; n=0; for p in /proc/[0-9]*; do n=$((n+1)); done; echo "procs=$n"'
run pm run --rm --pids-limit 20 "$IMG" sh -c "$forks"
n=$(echo "$OUT" | sed -n 's/^procs=//p')
run pm run --rm "$IMG" sh -c "$forks"
n0=$(echo "$OUT" | sed -n 's/^procs=//p')
[ -n "$n" ] && [ "$n" -le 20 ] && [ "${n0:-0}" -gt 40 ] && pass "--pids-limit 20: $n processes after 40 forks were tried (without: $n0)" \
  || fail "--pids-limit 20: $n processes (without: $n0) $ERR"

# ---- capabilities ----
run pm run --rm "$IMG" grep CapEff /proc/self/status
default_eff=$(echo "$OUT" | awk '{print $2}')
run pm run --rm --cap-drop all "$IMG" grep CapEff /proc/self/status
expect_in "$OUT" "0000000000000000" "--cap-drop all: no effective capability"
run pm run --rm --cap-drop chown "$IMG" sh -c 'touch /f && chown 1:1 /f'
[ "$RC" -ne 0 ] && pass "--cap-drop chown: chown fails (exit $RC)" || fail "--cap-drop chown: chown worked"
run pm run --rm "$IMG" sh -c 'touch /f && chown 1:1 /f && echo chowned'
expect_in "$OUT" "chowned" "without --cap-drop chown works (control)"
[ -n "$default_eff" ] && [ "$default_eff" != "0000000000000000" ] && [ "$default_eff" != "000001ffffffffff" ] \
  && pass "podman's default set is neither empty nor all ($default_eff)" || fail "default CapEff '$default_eff'"

# ---- a terminal ----
tmux_start "$pfx" -x 120 -y 30 "podman --runtime '$RT' run --rm -it '$IMG' sh"
for i in $(seq 100); do tmux -L "$pfx" capture-pane -p | grep -q '#' && break; sleep 0.1; done
tmux -L "$pfx" send-keys 'readlink /proc/self/fd/0; echo "[$((6*7))]"; stty size' Enter
# Until stty's line is there too: it comes after [42], and a screen taken
# between the two missed it.
for i in $(seq 100); do tmux -L "$pfx" capture-pane -p | grep -q '^[0-9][0-9]* [0-9][0-9]*$' && break; sleep 0.1; done
screen=$(tmux -L "$pfx" capture-pane -p)
expect_in "$screen" "/dev/pts/0" "run -it: the shell's stdin is the container's /dev/pts/0"
expect_in "$screen" "[42]" "run -it: input typed in the terminal reaches the shell"
expect_in "$screen" "30 120" "run -it: the terminal has the size of the outer one"
tmux -L "$pfx" send-keys 'exit' Enter
for i in $(seq 100); do tmux -L "$pfx" has-session 2>/dev/null || break; sleep 0.1; done
tmux -L "$pfx" has-session 2>/dev/null && fail "run -it: the session did not end after exit" || pass "run -it: exit ends it"
tmux -L "$pfx" kill-server 2>/dev/null

# ---- a detached container: exec, ps, logs, stop, rm ----
run pm run -d --name "$pfx-d" "$IMG" sh -c "echo started-$pfx; exec sleep 1000"
expect_rc 0 "run -d"
run pm ps --format '{{.Names}} {{.Status}}'
expect_in "$OUT" "$pfx-d Up" "ps lists the running container"
run pm exec "$pfx-d" sh -c "echo exec-$pfx; readlink /proc/1/exe"
expect_in "$OUT" "exec-$pfx" "exec runs a command in it"
expect_in "$OUT" "busybox" "exec: the command sees the container's init"
run pm exec -e MGR_E=ee "$pfx-d" sh -c 'echo "$MGR_E"'
expect_in "$OUT" "ee" "exec -e"
run pm exec "$pfx-d" sh -c 'exit 5'
expect_rc 5 "exec passes the exit status on"
run pm logs "$pfx-d"
expect_in "$OUT" "started-$pfx" "logs shows the container's output"
# sleep as PID 1 has no handler for SIGTERM, which the kernel then drops:
# stop must fall back to SIGKILL after its timeout.
t0=$(date +%s)
run pm stop -t 2 "$pfx-d"
expect_rc 0 "stop -t 2 (SIGTERM ignored, then SIGKILL)"
run pm inspect --format '{{.State.Status}} {{.State.ExitCode}}' "$pfx-d"
expect_in "$OUT" "exited 137" "the container was killed after the timeout (exit 137)"
run pm rm "$pfx-d"
expect_rc 0 "rm"
run pm ps -a --format '{{.Names}}'
expect_not_in "$OUT" "$pfx-d" "rm removed it"

# ---- a pod: two containers share a network namespace ----
run pm pod create --name "$POD" --infra-command /pause
expect_rc 0 "pod create"
run pm run -d --pod "$POD" --name "$pfx-a" "$IMG" sleep 1000
expect_rc 0 "a first container in the pod"
run pm run --rm --pod "$POD" "$IMG" readlink /proc/self/ns/net
b_net=$OUT
run pm exec "$pfx-a" readlink /proc/self/ns/net
a_net=$OUT
[ -n "$a_net" ] && [ "$a_net" = "$b_net" ] && [ "$a_net" != "$(readlink /proc/self/ns/net)" ] \
  && pass "the pod's containers share a network namespace ($a_net), not the host's" \
  || fail "pod network namespaces: a '$a_net', b '$b_net', host $(readlink /proc/self/ns/net)"
run pm pod rm -f -t 0 "$POD"
expect_rc 0 "pod rm -f"

# ---- the security probes under podman's defaults ----
# What podman's own config.json grants is the engine's choice, which the
# runtime honours: CAP_MKNOD (the device cgroup still refuses to open a
# block device: probe mknod-open), and a seccomp profile that allows keyctl
# and any socket family. Everything else must be blocked.
BY_PODMAN=" mknod-block keyctl socket-AF_VSOCK "
run pm run --rm -v "$MGR_BUILDDIR/tests/security/mgr-probe:/probe:ro" "$IMG" /probe all
n=$(echo "$OUT" | grep -c '^PROBE ')
[ "$n" -ge 40 ] && pass "$n security probes ran in a podman run container" || fail "only $n probes ran: $OUT $ERR"
while read -r _ name verdict detail; do
  case "$verdict" in
    ALLOWED) [[ "$BY_PODMAN" == *" $name "* ]] && pass "probe $name: allowed by podman's config ($detail)" \
      || fail "probe $name ALLOWED under podman: $detail" ;;
  esac
done < <(echo "$OUT" | grep '^PROBE ')

# ---- nothing left ----
run pm ps -a -q
[ -z "$OUT" ] && pass "no container left in podman" || fail "left: $OUT"
finish
