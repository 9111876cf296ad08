#!/bin/bash
# The cgroup v2 lab: most users' hosts are pure cgroup v2, this machine is
# hybrid. Boots Debian's kernel under qemu (KVM when it can, else TCG
# emulation) with cgroup v2 only, shares the host's root read-only over 9p,
# and runs the cgroup integration tests inside against this build. The tests
# install nothing on the host: the kernel package is fetched with apt-get
# download and unpacked with dpkg -x into a cache folder.
#   sudo tests/vm/run-v2-lab.sh     (MGR_SRCDIR, MGR_BUILDDIR default to this tree)
#   sudo MGR_VM_BENCH=1 tests/vm/run-v2-lab.sh   the benchmark instead (below)
set -u
SRC=${MGR_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${MGR_BUILDDIR:-$SRC}
CACHE=${MGR_VM_CACHE:-/var/cache/mgr-test-vm}
# One suite alone: MGR_VM_SUITE=tests/integration/test-systemd.sh tests/vm/run-v2-lab.sh
SUITE=${MGR_VM_SUITE:-tests/integration/test-cgroup.sh tests/vm/test-clone-into-cgroup.sh tests/vm/test-users-v2.sh tests/integration/test-monitor-core.sh tests/integration/test-systemd.sh}
# The benchmark on v2 (tests/vm/bench-v2.sh): MGR_VM_BENCH=1 tests/vm/run-v2-lab.sh,
# MGR_VM_BENCH_ARGS="RUNS N_RUNNING" for bench.sh: 10 20 by default, which
# takes some 45 minutes under TCG on a loaded 2-core host.
BENCH_ARGS=${MGR_VM_BENCH_ARGS:-10 20}
case $BENCH_ARGS in *[!0-9\ ]*) echo "MGR_VM_BENCH_ARGS=$BENCH_ARGS: two numbers" >&2; exit 2 ;; esac
loud() { printf '\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n!!! %s\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\n' "$*"; }

[ "$(id -u)" -eq 0 ] || { echo "SKIP: the v2 lab needs root"; exit 77; }
if ! command -v qemu-system-x86_64 >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends qemu-system-x86 >/dev/null 2>&1
fi
if ! command -v qemu-system-x86_64 >/dev/null; then
  loud "SKIPPING THE CGROUP V2 LAB: qemu-system-x86 cannot be installed (apt-get install qemu-system-x86 failed)"
  exit 77
fi

if [ -n "${MGR_VM_BENCH:-}" ]; then
  SUITE="tests/vm/test-clone-into-cgroup.sh tests/vm/bench-v2.sh"
  MGR_VM_TIMEOUT=${MGR_VM_TIMEOUT:-5400}
  # Without AppArmor, as on the hosts bench.sh runs on (and mgr uses none):
  # Debian's kernel enables it, and LXC's default profile "generated" would
  # then need apparmor_parser and securityfs, which the lab has not.
  KARGS=apparmor=0
  # The VM sees the host's root read-only: what bench.sh needs is
  # installed on the host, by bench.sh's own rule.
  "$SRC/tests/bench/bench.sh" --install || { loud "THE V2 LAB'S BENCHMARK: bench.sh --install failed"; exit 1; }
fi

mkdir -p "$CACHE"
kernel_pkg() { apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/.*Depends: \(linux-image-[0-9][^ ]*\)/\1/p' | head -1; }
pkg=$(kernel_pkg)
if [ -z "$pkg" ] || ! ls "$CACHE/$pkg/boot" >/dev/null 2>&1 && ! apt-cache policy "$pkg" 2>/dev/null | grep -q Candidate; then
  apt-get update -qq >/dev/null 2>&1
  pkg=$(kernel_pkg)
fi
kdir="$CACHE/${pkg:-none}"
if [ ! -d "$kdir/boot" ]; then
  [ -n "$pkg" ] || { loud "SKIPPING THE CGROUP V2 LAB: no linux-image package known to apt (run apt-get update)"; exit 77; }
  rm -rf "$kdir.tmp" && mkdir -p "$kdir.tmp"
  ( cd "$kdir.tmp" && apt-get download "$pkg" >/dev/null 2>&1 && dpkg -x ./*.deb x ) \
    || { loud "SKIPPING THE CGROUP V2 LAB: apt-get download $pkg failed"; rm -rf "$kdir.tmp"; exit 77; }
  mv "$kdir.tmp/x" "$kdir" && rm -rf "$kdir.tmp"
fi
kver=$(ls "$kdir/lib/modules")
vmlinuz=$(ls "$kdir"/boot/vmlinuz-*)

WORK=$(mktemp -d /tmp/mgr-vm-XXXXXX)
qpid=
trap '[ -n "$qpid" ] && kill "$qpid" 2>/dev/null; rm -rf "$WORK"' EXIT
trap 'exit 143' TERM INT
# An initramfs: static busybox, the modules for virtio and 9p in load order.
I="$WORK/initramfs"
mkdir -p "$I"/{bin,proc,sys,dev,host,lib}
cp /bin/busybox "$I/bin/busybox"
for a in sh mount umount insmod switch_root mkdir ln poweroff cat echo sleep; do ln -s busybox "$I/bin/$a"; done
order=()
add_module() {
  local name=$1 f deps d
  for d in "${order[@]}"; do [ "$d" = "$name" ] && return; done
  f=$(find "$kdir/lib/modules/$kver" -name "$name.ko" -o -name "${name//_/-}.ko" | head -1)
  [ -n "$f" ] || return 0    # built in
  deps=$(strings "$f" | sed -n 's/^depends=//p' | head -1)
  for d in ${deps//,/ }; do add_module "$d"; done
  cp "$f" "$I/lib/$name.ko"
  order+=("$name")
}
for m in virtio_pci 9pnet_virtio 9p; do add_module "$m"; done
printf '%s\n' "${order[@]}" > "$I/modules"
cat > "$I/init" <<INIT
#!/bin/sh
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
for m in \$(cat /modules); do insmod /lib/\$m.ko; done
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144 hostroot /host || { echo "VM-RESULT 99 (no 9p root)"; poweroff -f; }
mount -t proc proc /host/proc; mount -t sysfs sys /host/sys; mount -t devtmpfs dev /host/dev
mkdir -p /host/dev/pts /host/dev/shm; mount -t devpts -o newinstance,ptmxmode=0666 devpts /host/dev/pts; ln -sf pts/ptmx /host/dev/ptmx 2>/dev/null
mount -t tmpfs shm /host/dev/shm 2>/dev/null
# What udev makes on a booted system, and bash's <(...) needs.
ln -sf /proc/self/fd /host/dev/fd; ln -sf /proc/self/fd/0 /host/dev/stdin; ln -sf /proc/self/fd/1 /host/dev/stdout; ln -sf /proc/self/fd/2 /host/dev/stderr
mount -t cgroup2 cgroup2 /host/sys/fs/cgroup
# Writable scratch for the tests; the source and build trees stay visible
# even when they live below one of these (a clone in /tmp, say).
mkdir -p /keep/src /keep/build /keep/debian /keep/dpkg
mount -o bind /host$SRC /keep/src
mount -o bind /host$BUILD /keep/build
# The Debian images of the systemd tests, built on the host (the VM has no
# network): copied into the VM's own /var/cache.
[ -d /host/var/cache/mgr-test-debian ] && mount -o bind /host/var/cache/mgr-test-debian /keep/debian
# dpkg's database stays visible (read-only): what is installed on the host
# is installed here (bench.sh asks dpkg-query).
mount -o bind /host/var/lib/dpkg /keep/dpkg
for d in /tmp /run /var/tmp /var/lib /var/cache; do mount -t tmpfs tmp /host\$d; done
[ -e /host$SRC/configure.ac ] || { mkdir -p /host$SRC && mount -o move /keep/src /host$SRC; }
[ -e /host$BUILD/Makefile ] || { mkdir -p /host$BUILD && mount -o move /keep/build /host$BUILD; }
mkdir -p /host/var/lib/dpkg && mount -o move /keep/dpkg /host/var/lib/dpkg
[ -d /keep/debian/. ] && cp -a /keep/debian /host/var/cache/mgr-test-debian 2>/dev/null
echo "VM: \$(cat /proc/version)"
echo "VM: cgroup: \$(cat /host/sys/fs/cgroup/cgroup.controllers)"
# The initramfs's own /proc, /sys and /dev go: busybox's switch_root leaves
# them mounted beneath the new root, where no path reaches them but the
# kernel still counts them as fully visible procfs and sysfs (what lets a
# user namespace mount a second one, mount_too_revealing). A host booted by
# systemd's initrd or util-linux's switch_root has none.
umount -l /proc /sys /dev
# switch_root, not chroot: the kernel refuses user namespaces to a chrooted process.
# Each suite in turn; the result is the first failure's status (a skip, 77,
# is said by the suite itself and fails nothing).
exec switch_root /host /bin/sh -c 'cd / && export MGR_SRCDIR=$SRC MGR_BUILDDIR=$BUILD MGR_SECCOMP_DIR=$SRC/config/seccomp MGR_VM_BENCH_ARGS="$BENCH_ARGS" PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin; ip link set lo up; rc=0; for s in $SUITE; do echo "VM: suite \$s (at \$(cut -d" " -f1 /proc/uptime) s)"; $SRC/\$s; r=\$?; [ \$r -ne 0 ] && [ \$r -ne 77 ] && [ \$rc -eq 0 ] && rc=\$r; done; echo "VM-RESULT \$rc"; /bin/busybox poweroff -f'
echo "VM-RESULT 98 (switch_root failed)"
poweroff -f
INIT
chmod 755 "$I/init"
( cd "$I" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1 ) > "$WORK/initrd.gz"

log="$WORK/console.log"
# KVM when qemu can run this kernel with it, else TCG, which emulates every
# instruction: many times slower, and timings taken under it are distorted.
# /dev/kvm opening and KVM_CREATE_VM succeeding is not enough: PVM's kvm_pvm
# (a software KVM for hosts that are themselves VMs without nested
# virtualization) makes VMs but boots only kernels built as PVM guests, and
# Debian's hangs there. So KVM is tried for real: if the VM's init has not
# spoken within MGR_VM_KVM_WAIT seconds (or qemu ended), TCG instead.
# MGR_VM_ACCEL=kvm or tcg forces one.
# The whole run's limit, against a hang: the four suites take some 17
# minutes under TCG beside one busy loop on this 2-core host, and CI runs
# the lab beside the rest of make -j2 check.
limit=${MGR_VM_TIMEOUT:-3600}
boot() { # boot tcg|kvm: qemu in the background, its pid in qpid
  local opt cpu
  case $1 in kvm) opt=kvm cpu=host ;; *) opt=tcg,thread=multi cpu=max ;; esac
  : > "$log"
  timeout "$limit" qemu-system-x86_64 -accel $opt -cpu $cpu -M q35 -smp 2 -m 3G -display none -no-reboot \
    -serial "file:$log" -kernel "$vmlinuz" -initrd "$WORK/initrd.gz" \
    -append "console=ttyS0 panic=-1 quiet cgroup_no_v1=all ${KARGS:-}" \
    -virtfs local,path=/,mount_tag=hostroot,security_model=passthrough,readonly=on,multidevs=remap 2>"$WORK/qemu.err" &
  qpid=$!
}
accel=${MGR_VM_ACCEL:-auto}
case $accel in auto|kvm|tcg) ;; *) echo "MGR_VM_ACCEL=$accel: kvm, tcg or auto" >&2; exit 2 ;; esac
if [ "$accel" != tcg ] && [ -w /dev/kvm ]; then
  echo "# trying KVM"
  boot kvm
  for _ in $(seq "${MGR_VM_KVM_WAIT:-60}"); do
    grep -q '^VM:' "$log" && break
    kill -0 "$qpid" 2>/dev/null || break
    sleep 1
  done
  if grep -q '^VM:' "$log"; then
    accel=kvm
  else
    kill "$qpid" 2>/dev/null; wait "$qpid" 2>/dev/null
    why=$(grep -m1 -i error "$WORK/qemu.err")
    [ -d /sys/module/kvm_pvm ] && why="${why:+$why; }this host's KVM is PVM (kvm_pvm), which boots only PVM guest kernels"
    echo "# KVM did not boot this kernel (${why:-its init did not speak within ${MGR_VM_KVM_WAIT:-60} s})"
    [ "$accel" = kvm ] && { cat "$WORK/qemu.err"; exit 1; }
    accel=tcg
  fi
elif [ "$accel" = kvm ]; then
  echo "MGR_VM_ACCEL=kvm: /dev/kvm is not there or not writable" >&2; exit 1
else
  accel=tcg
fi
hostload() { printf 'load %s, %s processes' "$(cut -d' ' -f1-3 /proc/loadavg)" "$(ls /proc | grep -c '^[0-9]')"; }
[ "$accel" = tcg ] && boot tcg
echo "# booted $pkg under qemu with $accel$([ "$accel" = tcg ] && echo ' (emulation: timings are distorted)'), cgroup v2 only; suite: $SUITE"
# The host's load: the benchmark's own load line is the VM's.
[ -n "${MGR_VM_BENCH:-}" ] && echo "# host before: $(hostload)"
t0=$SECONDS
wait "$qpid"
[ -n "${MGR_VM_BENCH:-}" ] && echo "# host after: $(hostload)"
echo "# the VM ran $((SECONDS - t0)) s (limit $limit s, MGR_VM_TIMEOUT)"
grep -v 'terminating on signal' "$WORK/qemu.err" >&2
tr -d "\r" < "$log" | grep -v "^\[" | sed -n "/^VM:/,\$p"
rc=$(tr -d '\r' < "$log" | sed -n 's/^VM-RESULT \([0-9]*\).*/\1/p' | tail -1)
# A failure ends with what failed, not with the console's last suite: each
# suite's failed checks and tally (the console above can run to thousands
# of lines, of which a log's tail shows a few). A suite with no tally was
# cut short (it died, or the VM's time ran out while it ran).
summary() {
  tr -d '\r' < "$log" | grep -v '^\[' | awk '
    /^VM: suite / { if (s != "" && !t) print "#   " s ": no tally (cut short)"; s = $3; t = 0; next }
    s == "" { next }
    /^not ok/ || /^FAIL/ { print "#   " s ": " $0; next }
    /^[0-9]+ passed, [0-9]+ failed$/ { print "#   " s ": " $0; t = 1; next }
    /^SKIP/ { print "#   " s ": " $0; t = 1; next }
    END { if (s != "" && !t) print "#   " s ": no tally (cut short)" }'
}
if [ -z "$rc" ]; then
  echo "the VM did not report a result within ${limit} s (MGR_VM_TIMEOUT); its console's last lines:"
  tail -30 "$log"
  loud "THE CGROUP V2 LAB FAILED: no VM-RESULT"
  summary
  exit 1
fi
if [ "$rc" -ne 0 ]; then
  loud "THE CGROUP V2 LAB FAILED: VM-RESULT $rc"
  summary
fi
exit "$rc"
