#!/bin/bash
# The OCI runtime conformance suite (opencontainers/runtime-tools) against
# mgr-oci: its source comes from ../shared/oci beside the source tree (or
# MGR_OCI_SUITE=TARBALL), is built offline with Debian's Go, and every
# validation test runs against mgr-oci. Each test in oci-pass.list must pass
# (a regression names the test); the others are counted and shown.
#
#   MGR_OCI_COMPARE="crun runc"   also run the suite with those runtimes and
#                                 print a table test x mgr-oci x crun x runc
. "${MGR_SRCDIR:-.}/tests/cli/lib.sh"
[ "$(id -u)" -eq 0 ] || { echo "SKIP: the conformance suite starts containers as root"; exit 77; }
S=${MGR_SRCDIR:-.}
B=${MGR_BUILDDIR:-.}
OCI="$B/src/mgr-oci"

tarball=${MGR_OCI_SUITE:-$(ls "$S"/../shared/oci/runtime-tools-*.tar.xz 2>/dev/null | head -1)}
if [ -z "$tarball" ] || [ ! -f "$tarball" ]; then
  echo "SKIP: ################################################################"
  echo "SKIP: the OCI conformance suite was NOT run: no runtime-tools source in"
  echo "SKIP: $S/../shared/oci (set MGR_OCI_SUITE=/path/to/runtime-tools-*.tar.xz)"
  echo "SKIP: ################################################################"
  exit 77
fi
if ! command -v go >/dev/null; then
  echo "SKIP: the OCI conformance suite was NOT run: no Go compiler (apt-get install golang-go)"
  exit 77
fi

# The build is kept beside the build tree, by the tarball's checksum: it
# takes minutes on two loaded cores and never changes.
sum=$(sha256sum "$tarball" | cut -c1-12)
suite="$B/tests/oci-suite/$sum"
if [ ! -x "$suite/runtime-tools/validation/state/state.t" ]; then
  rm -rf "$suite"
  mkdir -p "$suite"
  tar -xJf "$tarball" -C "$suite" || { fail "unpacking $tarball"; finish; exit 1; }
  echo "# building runtime-tools from $tarball (offline, vendored)"
  if ! (cd "$suite/runtime-tools" && GOFLAGS=-mod=vendor GOPROXY=off GOCACHE="$suite/gocache" \
        make runtimetest validation-executables >"$suite/build.log" 2>&1); then
    fail "building runtime-tools: $(tail -5 "$suite/build.log")"
    rm -rf "$suite"
    finish
    exit 1
  fi
fi
RT="$suite/runtime-tools"
tests=$(cd "$RT" && ls validation/*/*.t | sort)
pass "runtime-tools built: $(wc -l <<<"$tests") validation tests"

# A runtime under test: a wrapper with its own --root (or whatever it
# needs), so that nothing of the host's containers is touched.
wrapper() { # wrapper NAME COMMAND...
  local w="$WORK/rt-$1"
  printf '#!/bin/sh\nexec %s "$@"\n' "$2" > "$w"
  chmod +x "$w"
  echo "$w"
}

# run_suite NAME RUNTIME: one line per test, "TEST pass|fail OK/TOTAL".
run_suite() {
  local name=$1 rt=$2 t out rc ok total
  for t in $tests; do
    out=$(cd "$RT" && RUNTIME="$rt" timeout 120 "$t" 2>&1) && rc=0 || rc=$?
    ok=$(grep -c '^ok ' <<<"$out")
    total=$(grep -cE '^(not )?ok ' <<<"$out")
    printf '%s\n' "$out" > "$WORK/$name-$(basename "$t" .t).log"
    # A test of a refusal (process_capabilities_fail: CAP_TEST in the
    # bounding set) prints no TAP and exits 0 when the runtime refused as
    # the spec requires, and calls util.Fatal (exit 1) when it did not.
    if [ "$rc" -eq 0 ] && ! grep -q '^not ok' <<<"$out" && { [ "$total" -gt 0 ] || [[ "$t" == *_fail.t ]]; }; then
      echo "$(basename "$t" .t) pass $ok/$total"
    else
      echo "$(basename "$t" .t) fail $ok/$total"
    fi
  done
}

# The tests make their bundles as /tmp/ocitestN and leave some behind (a test
# that stops at a fatal error skips its clean-up). runc runs linux_ns_itype's
# container without a mount namespace: the bundle's mounts land in the host's
# and outlive the test (/tmp/ocitestN/{proc,dev,sys}); mgr-oci refuses that
# configuration. What a run left is removed after it, and mounts are said.
bundles_before=$(ls -d /tmp/ocitest* 2>/dev/null)
bundles_left() { # RUNTIME
  local d
  for d in $(ls -d /tmp/ocitest* 2>/dev/null); do
    grep -qx "$d" <<<"$bundles_before" && continue
    if findmnt -rn -o TARGET | grep -q "^$d/"; then
      echo "# $1 left mounts on the host under $d: unmounted"
      umount -R -l "$d"
    fi
    rm -rf "$d"
  done
}
mgr=$(wrapper mgr-oci "$OCI --root $WORK/root-mgr")
run_suite mgr-oci "$mgr" > "$WORK/mgr-oci.results"
mounts_left=$(bundles_left mgr-oci)
[ -z "$mounts_left" ] && pass "mgr-oci left no mount on the host" || fail "$mounts_left"
npass=$(grep -c ' pass ' "$WORK/mgr-oci.results")
echo "# mgr-oci: $npass of $(wc -l <"$WORK/mgr-oci.results") validation tests pass"
while read -r t; do
  [ -z "$t" ] || [ "${t#\#}" != "$t" ] && continue
  if grep -q "^$t pass " "$WORK/mgr-oci.results"; then
    pass "$t passes with mgr-oci"
  else
    fail "$t no longer passes with mgr-oci: $(grep "^$t " "$WORK/mgr-oci.results"); its log:"
    grep -E '^not ok|^#' "$WORK/mgr-oci-$t.log" | head -20 | sed 's/^/#   /'
  fi
done < "$S/tests/integration/oci-pass.list"
# The rest, for the record.
grep ' fail ' "$WORK/mgr-oci.results" | sed 's/^/# not (yet) passing: /'

if [ -n "${MGR_OCI_COMPARE:-}" ]; then
  cols="mgr-oci"
  for r in $MGR_OCI_COMPARE; do
    command -v "$r" >/dev/null || { echo "# $r is not installed: left out of the table"; continue; }
    w=$(wrapper "$r" "$(command -v "$r") --root $WORK/root-$r")
    run_suite "$r" "$w" > "$WORK/$r.results"
    bundles_left "$r"
    cols="$cols $r"
  done
  echo "# | test | ${cols// / | } |"
  echo "# |---|$(for c in $cols; do printf -- '---|'; done)"
  for t in $tests; do
    n=$(basename "$t" .t)
    row="| $n |"
    for c in $cols; do row="$row $(grep "^$n " "$WORK/$c.results" | cut -d' ' -f2-) |"; done
    echo "# $row"
  done
  for c in $cols; do echo "# $c: $(grep -c ' pass ' "$WORK/$c.results") pass"; done
fi
for d in "$WORK"/root-*/*/; do
  [ -d "$d" ] && "$OCI" --root "$(dirname "$d")" delete --force "$(basename "$d")" >/dev/null 2>&1
done
finish
