#!/bin/bash
# mgr quickstart.
#   sudo ./quickstart.sh         install what the build needs, build, install, run the demo
#   sudo ./quickstart.sh check   install what the build needs, build, run every test suite
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")"

mode=${1:-demo}
case "$mode" in
  demo|check) ;;
  -h|--help) sed -n '2,4p' "$0"; exit 0 ;;
  *) echo "usage: sudo ./quickstart.sh [check]" >&2; exit 2 ;;
esac
if [ "$(id -u)" -ne 0 ]; then
  echo "quickstart.sh installs packages and mgr itself: run it as root (sudo ./quickstart.sh $mode)" >&2
  exit 1
fi

say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

# Debian packages: the build, the libraries the design fixes, and what the
# tests and the demo run (busybox-static for rootfs, uidmap for users).
DEPS="build-essential autoconf automake pkg-config libglib2.0-dev libseccomp-dev libcap-dev
      libnl-3-dev libnl-route-3-dev libconfig-dev check busybox-static uidmap iproute2
      python3 valgrind man-db"
missing=()
for p in $DEPS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "Installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

say "Building"
./autogen.sh >/dev/null 2>&1 || ./autogen.sh
./configure -q --prefix=/usr/local --sysconfdir=/etc --localstatedir=/var --runstatedir=/run
make -s -j"$(nproc)"

if [ "$mode" = check ]; then
  say "Running every test suite"
  status=0
  make -s -j"$(nproc)" check || status=$?
  say "make distcheck (the release tarball builds and passes its tests)"
  make -s distcheck >/tmp/mgr-distcheck.log 2>&1 && echo "distcheck: ok" \
    || { echo "distcheck FAILED; see /tmp/mgr-distcheck.log:"; tail -40 /tmp/mgr-distcheck.log; status=1; }

  # One summary over every suite: Check's "Checks: N, Failures: F, Errors: E"
  # lines and the shell suites' "N passed, N failed".
  passed=0; failed=0
  for log in $(find tests -name '*.log' ! -name 'test-suite.log'); do
    if line=$(grep -E '^[0-9]+%: Checks: ' "$log" | tail -1) && [ -n "$line" ]; then
      n=$(sed -E 's/.*Checks: ([0-9]+).*/\1/' <<<"$line")
      f=$(sed -E 's/.*Failures: ([0-9]+), Errors: ([0-9]+).*/\1+\2/' <<<"$line")
      passed=$((passed + n - (f))); failed=$((failed + (f)))
    elif line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -1) && [ -n "$line" ]; then
      passed=$((passed + $(cut -d' ' -f1 <<<"$line"))); failed=$((failed + $(cut -d' ' -f3 <<<"$line")))
    fi
    grep -qE '^(FAIL|ERROR)' "${log%.log}.trs" 2>/dev/null && { echo "--- $log"; tail -30 "$log"; }
  done
  [ $status -eq 0 ] || [ $failed -gt 0 ] || failed=1
  echo
  echo "total: $passed passed, $failed failed"
  exit $status
fi

say "Installing"
make -s install

say "Demo: a container config, checked and resolved"
demo=$(mktemp -d /tmp/mgr-demo-XXXXXX)
trap 'rm -rf "$demo"' EXIT
mkdir -p "$demo/demo"
cat > "$demo/demo/config" <<'CONF'
# A demo container: busybox's init, its own user namespace, some limits.
[container]
init = /sbin/init
stop.signal = SIGUSR2

[id_map]
uid = 0 100000 65536
gid = 0 100000 65536

[cgroup]
memory.limit = 128M   # a typo: the cgroup v2 name is memory.max
pids.max = 256
CONF
echo "\$ cat config"; cat "$demo/demo/config"
echo; echo "\$ mgr-config -P $demo -n demo validate"
mgr-config -P "$demo" -n demo validate || true
echo; echo "\$ sed -i s/memory.limit/memory.max/ config && mgr-config -n demo validate"
sed -i 's/memory.limit/memory.max/' "$demo/demo/config"
mgr-config -P "$demo" -n demo validate
echo; echo "\$ mgr-config -n demo set cgroup.cpu.max 50000 100000"
mgr-config -P "$demo" -n demo set cgroup.cpu.max 50000 100000
echo; echo "\$ mgr-config -n demo show --plan"
mgr-config -P "$demo" -n demo show --plan
say "Done. man mgr.container.conf describes every key; mgr-config --help the commands."
