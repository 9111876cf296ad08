#!/bin/bash
# mgr-create -t download against lxc-create -t download, on the same local
# mirror served over HTTPS on 127.0.0.1 (LXC 5.0's download template speaks
# HTTPS only). A throwaway CA is handed to curl (CURL_CA_BUNDLE) and wget
# (WGETRC): the host's trust store is not touched. Prints medians of RUNS
# creates, from an empty cache and from a warm one, and what each prints.
#   sudo tests/bench/bench-download.sh [RUNS]     (needs: apt-get install lxc wget openssl)
set -u
RUNS=${1:-5}
[ "$(id -u)" -eq 0 ] || { echo "run as root" >&2; exit 1; }
for c in lxc-create wget openssl; do command -v $c >/dev/null || { echo "needs $c" >&2; exit 1; }; done
SRC=$(cd "$(dirname "$0")/../.." && pwd)
MGR=${MGR:-mgr}
W=$(mktemp -d /tmp/mgr-bench-dl-XXXXXX); chmod 755 "$W"
P="$W/mgr"; L="$W/lxc"; mkdir -p "$P" "$L"
SERVER=
cleanup() { [ -n "$SERVER" ] && kill "$SERVER"; rm -rf "$W" /var/cache/lxc/download/busybox; }
trap cleanup EXIT

"$SRC/tests/download/make-mirror.sh" "$W/mirror" "$W" >/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=mgr-test-ca -keyout "$W/ca.key" -out "$W/ca.pem" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout "$W/srv.key" -out "$W/srv.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\n' > "$W/ext"
openssl x509 -req -in "$W/srv.csr" -CA "$W/ca.pem" -CAkey "$W/ca.key" -CAcreateserial -days 1 -extfile "$W/ext" -out "$W/srv.pem" 2>/dev/null
python3 "$SRC/tests/download/image-server.py" "$W/mirror" "$W/port" "$W/requests" "$W/faults" "$W/srv.pem" "$W/srv.key" &
SERVER=$!
for i in $(seq 50); do [ -s "$W/port" ] && break; sleep 0.1; done
HOSTPORT="127.0.0.1:$(cat "$W/port")"
export CURL_CA_BUNDLE="$W/ca.pem"
printf 'ca_certificate = %s\n' "$W/ca.pem" > "$W/wgetrc"; export WGETRC="$W/wgetrc"
mkdir -p "$W/etc/mgr"; echo "cache_path = \"$W/mgr-cache\";" > "$W/etc/mgr/mgr.conf"; export MGR_SYSCONFDIR="$W/etc"

median() { sort -n | awk '{a[NR]=$1} END {m = NR % 2 ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2; printf "%.0f", m / 1e6}'; }
mgr_create() { $MGR create -P "$P" -n d$1 -t download --privileged -- --server "https://$HOSTPORT" -d busybox -r 1.35 -a amd64 $2; }
lxc_create() { lxc-create -P "$L" -n d$1 -t download -- --server "$HOSTPORT" -d busybox -r 1.35 -a amd64 $2; }
run() { # KIND FLAGS: ms of RUNS creates
  for i in $(seq "$RUNS"); do
    t0=$(date +%s%N); ${1}_create "$i$3" "$2" >/dev/null 2>&1 || echo "FAILED" >&2; t1=$(date +%s%N)
    echo $((t1 - t0))
  done | median
}
echo "== what mgr-create -t download prints (empty cache):"
mgr_create first --flush-cache 2>&1 | sed 's/^/  /'
echo "== what lxc-create -t download prints (empty cache):"
lxc_create first --flush-cache 2>&1 | sed 's/^/  /'
printf '\n%-34s %10s %10s\n' "create (median of $RUNS)" mgr "LXC 5.0"
printf '%-34s %7s ms %7s ms\n' "empty cache (download, verify)" "$(run mgr --flush-cache a)" "$(run lxc --flush-cache a)"
printf '%-34s %7s ms %7s ms\n' "warm cache" "$(run mgr '' b)" "$(run lxc '' b)"
