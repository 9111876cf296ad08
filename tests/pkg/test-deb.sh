#!/bin/bash
# The Debian package: dpkg-buildpackage builds it from these sources, lintian
# finds no error, and it installs, works and goes away cleanly in a throwaway
# root: a copy-on-write overlay of this host's own root inside a private mount
# namespace, so dpkg's maintainer scripts run for real and nothing reaches the
# host. There mgr-create, mgr-start and mgr-attach run from the installed
# files only (no build tree, no MGR_* overrides).
. "${MGR_SRCDIR:-.}/tests/cli/lib.sh"
S=${MGR_SRCDIR:-.}
[ "$(id -u)" -eq 0 ] || { echo "SKIP: builds and installs a package as root"; exit 77; }
for c in dpkg-buildpackage dh lintian unshare; do
  command -v $c >/dev/null || { echo "SKIP: $c is missing (quickstart.sh check installs debhelper and lintian)"; exit 77; }
done
[ -x "$S/debian/rules" ] || { fail "no debian/ folder in $S"; finish; exit; }
# This runs under make check: the package's own make must not join its jobserver.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES
chmod 755 "$WORK"

# ---- build ----
mkdir -p "$WORK/src/mgr"
if [ -d "$S/.git" ]; then
  git -C "$S" ls-files -z | (cd "$S" && tar --null -T - -cf -) | tar -xf - -C "$WORK/src/mgr"
else # a release tarball (make distcheck): it holds only sources
  cp -a "$S/." "$WORK/src/mgr/" && chmod -R u+w "$WORK/src/mgr"
fi
if (cd "$WORK/src/mgr" && timeout 900 dpkg-buildpackage -us -uc -b) >"$WORK/build.log" 2>&1; then
  pass "dpkg-buildpackage -us -uc -b builds the package"
else
  fail "dpkg-buildpackage failed: $(tail -20 "$WORK/build.log")"; finish; exit
fi
deb=$(ls "$WORK"/src/mgr_*_"$(dpkg --print-architecture)".deb)
contents=$(dpkg-deb -c "$deb")
for f in ./usr/bin/mgr ./usr/bin/mgr-start ./usr/share/mgr/templates/mgr-busybox ./usr/share/mgr/seccomp/default.profile \
  ./usr/share/man/man1/mgr-start.1.gz ./usr/share/man/man5/mgr.container.conf.5.gz \
  ./usr/share/bash-completion/completions/mgr ./lib/systemd/system/mgr-autostart.service \
  ./usr/lib/systemd/user/mgr-autostart.service ./etc/mgr/mgr.conf; do
  grep -qF " $f" <<<"$contents" && pass "the package has $f" || fail "the package lacks $f"
done
grep -E ' \./usr/bin/mgr-user-nic$' <<<"$contents" | grep -q '^-rwsr-xr-x root/root' \
  && pass "mgr-user-nic is setuid root (4755) in the package" || fail "mgr-user-nic's mode: $(grep mgr-user-nic <<<"$contents")"
conff=$(dpkg-deb -f "$deb" Package >/dev/null; dpkg-deb --ctrl-tarfile "$deb" | tar -xOf - ./conffiles 2>/dev/null)
expect_in "$conff" "/etc/mgr/mgr.conf" "/etc/mgr/mgr.conf is a conffile"
expect_in "$conff" "/etc/mgr/default.conf" "/etc/mgr/default.conf is a conffile"
lint=$(lintian --fail-on error "$WORK"/src/mgr_*.changes 2>&1) && pass "lintian finds no error ($(grep -c '^[WIEP]:' <<<"$lint") other tags)" \
  || fail "lintian: $(grep '^E:' <<<"$lint")"
echo "$lint" | grep -E '^[EWI]:' | sed 's/^/# lintian: /'

# ---- install, use, remove, purge in a throwaway root ----
R="$WORK/ovl"
cat > "$WORK/inside.sh" <<'INSIDE'
set -u
R=$1 deb=$2 P=$3 n=$4
mount -t tmpfs tmpfs "$R" && mkdir "$R/upper" "$R/work" "$R/root" || exit 1
mount -t overlay overlay -o "lowerdir=/,upperdir=$R/upper,workdir=$R/work" "$R/root" || exit 1
for m in proc sys dev run tmp; do mount --rbind "/$m" "$R/root/$m" || exit 1; done
# pivot_root, not chroot: the kernel refuses a new user namespace to a
# chrooted process, and mgr's containers get one by default.
mkdir "$R/root/.old-root" && cd "$R/root" && pivot_root . .old-root && umount -l /.old-root && rmdir /.old-root || exit 1
cd /
inr() { env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root "$@"; }
echo "== dpkg -i"; inr dpkg -i "$deb" || echo "STEP-FAILED dpkg -i"
echo "== dpkg -s"; inr dpkg -s mgr | grep '^Status'
echo "== enabled"; ls /etc/systemd/system/multi-user.target.wants/ 2>&1
echo "== user units enabled"; ls /etc/systemd/user/default.target.wants/ 2>&1
echo "== verify"; inr systemd-analyze verify /lib/systemd/system/mgr-autostart.service 2>&1 | grep -v "^$"; echo "verify-system-rc=${PIPESTATUS[0]}"
mkdir -p -m 700 /tmp/xdg-$$
inr env XDG_RUNTIME_DIR=/tmp/xdg-$$ systemd-analyze --user verify /usr/lib/systemd/user/mgr-autostart.service 2>&1 | grep -v "^$"; echo "verify-user-rc=${PIPESTATUS[0]}"; rm -rf /tmp/xdg-$$
echo "== which"; inr sh -c 'command -v mgr-start; readlink -f "$(command -v mgr-start)"'
echo "== man"; inr man -w mgr-start
echo "== create"; inr mgr-create -P "$P" -n "$n" -t busybox || echo "STEP-FAILED create"
echo "== start"; inr timeout 30 mgr-start -P "$P" -n "$n" || echo "STEP-FAILED start"
echo "== attach"; inr timeout 30 mgr-attach -P "$P" -n "$n" -- sh -c 'echo "inside $(hostname)"' || echo "STEP-FAILED attach"
echo "== stop"; inr timeout 30 mgr-stop -k -P "$P" -n "$n" || echo "STEP-FAILED stop"
echo "== destroy"; inr mgr-destroy -P "$P" -n "$n" || echo "STEP-FAILED destroy"
echo "== dpkg -r"; inr dpkg -r mgr >/dev/null || echo "STEP-FAILED dpkg -r"
echo "== after remove"; ls /usr/bin/mgr /etc/mgr/mgr.conf 2>&1
echo "== dpkg -P"; inr dpkg -P mgr >/dev/null || echo "STEP-FAILED dpkg -P"
echo "== after purge"; ls -d /etc/mgr /usr/share/mgr /etc/systemd/system/multi-user.target.wants/mgr-autostart.service 2>&1
echo "== status"; inr dpkg -s mgr 2>&1 | head -2
INSIDE
mkdir -p "$R"
out=$(unshare -m --propagation private bash "$WORK/inside.sh" "$R" "$deb" "$WORK/c" "pkg$$" 2>&1)
echo "$out" | sed 's/^/# /'
expect_not_in "$out" "STEP-FAILED" "every step in the throwaway root succeeds"
expect_in "$out" "Status: install ok installed" "dpkg -i installs it"
en=$(sed -n '/== enabled/,/== user units/p' <<<"$out"); uen=$(sed -n '/== user units/,/== which/p' <<<"$out")
expect_in "$en" "mgr-autostart.service" "the system's mgr-autostart.service is enabled by the package"
expect_not_in "$uen" "mgr-autostart.service" "the user unit is not enabled for every user (each user enables their own)"
ver=$(sed -n '/== verify/,/== which/p' <<<"$out")
[ "$(grep -c rc=0 <<<"$ver")" -eq 2 ] && [ "$(wc -l <<<"$ver")" -eq 4 ] \
  && pass "systemd-analyze verify is silent on the installed system and user units" || fail "systemd-analyze verify: $ver"
expect_in "$out" "/usr/bin/mgr-start" "mgr-start is the installed /usr/bin/mgr-start"
expect_in "$out" "/usr/share/man/man1/mgr-start.1.gz" "man finds mgr-start(1)"
expect_in "$out" "inside pkg$$" "the installed mgr creates, starts and attaches to a busybox container"
rm_part=$(sed -n '/== after remove/,/== dpkg -P/p' <<<"$out")
expect_in "$rm_part" "/usr/bin/mgr': No such file" "dpkg -r removes the programs"
expect_not_in "$rm_part" "mgr.conf': No such file" "dpkg -r keeps the conffiles"
purge=$(sed -n '/== after purge/,/== status/p' <<<"$out")
[ "$(grep -c 'No such file' <<<"$purge")" -eq 3 ] && pass "dpkg -P leaves no /etc/mgr, /usr/share/mgr or unit link" || fail "after purge: $purge"
expect_in "$out" "not installed" "dpkg knows it is gone"
grep -qs " $R/" /proc/self/mountinfo && fail "mounts of the throwaway root are left on the host" || pass "nothing of the throwaway root is mounted on the host"
finish
