/* The mount policy of privileged containers, one test per decision, as
 * pure logic over (operation, fstype, flags, what the target's fd is, the
 * protected set); and, as root in a private mount namespace, that a target
 * swapped after the check changes nothing, because the monitor acts through
 * the fd it checked. */
#include "config.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/mountpolicy.h"
#include "lib/notify.h"
#include "lib/util.h"
#include "testutil.h"

/* /proc/sys's read-only bind, a /dev/null mask, a masked folder's tmpfs. */
static const struct mgr_mnt_obj proc_sys = { PROC_SUPER_MAGIC, { 21, 4026531853 }, true, true };
static const struct mgr_mnt_obj proc_root = { PROC_SUPER_MAGIC, { 21, 1 }, true, false };
static const struct mgr_mnt_obj mask_file = { TMPFS_MAGIC, { 5, 4 }, true, false };
static const struct mgr_mnt_obj mask_dir = { TMPFS_MAGIC, { 40, 1 }, true, true };
static const struct mgr_mnt_obj sys_ro = { SYSFS_MAGIC, { 22, 1 }, true, true };
/* Something of the container's own: a folder of its rootfs, a tmpfs it made. */
static const struct mgr_mnt_obj own_dir = { EXT4_SUPER_MAGIC, { 2049, 1234 }, false, false };
static const struct mgr_mnt_obj own_tmpfs = { TMPFS_MAGIC, { 77, 1 }, true, false };

static struct mgr_mnt_protected
protected_set (void)
{
  struct mgr_mnt_protected p = { 0 };
  mgr_mountpolicy_add (&p, proc_root.key);
  mgr_mountpolicy_add (&p, proc_sys.key);
  mgr_mountpolicy_add (&p, mask_file.key);
  mgr_mountpolicy_add (&p, mask_dir.key);
  mgr_mountpolicy_add (&p, sys_ro.key);
  return p;
}

static int
decide (enum mgr_mnt_op op, const char *fstype, unsigned long flags, const struct mgr_mnt_obj *t,
        const struct mgr_mnt_obj *s)
{
  struct mgr_mnt_protected p = protected_set (), owned = { 0 };
  mgr_mountpolicy_add (&owned, own_tmpfs.key);
  struct mgr_mnt_request r = { op, fstype, flags, t, s };
  const char *why = NULL;
  int e = mgr_mountpolicy_decide (&r, &p, &owned, &why);
  ck_assert_ptr_nonnull (why);
  return e;
}

START_TEST (test_new_tmpfs_allowed)
{
  ck_assert_int_eq (decide (MGR_MNT_NEW, "tmpfs", MS_NOSUID | MS_NODEV, &own_dir, NULL), 0);
  ck_assert_int_eq (decide (MGR_MNT_NEW, "mqueue", 0, &own_dir, NULL), 0);
  ck_assert_int_eq (decide (MGR_MNT_NEW, "devpts", 0, &own_dir, NULL), 0);
  ck_assert_int_eq (decide (MGR_MNT_NEW, "hugetlbfs", 0, &own_dir, NULL), 0);
  /* Covering a mask or /proc/sys hides it; it reveals nothing. */
  ck_assert_int_eq (decide (MGR_MNT_NEW, "tmpfs", 0, &proc_sys, NULL), 0);
}
END_TEST

START_TEST (test_new_proc_sysfs_refused)
{
  ck_assert_int_eq (decide (MGR_MNT_NEW, "proc", 0, &own_dir, NULL), -EPERM);
  ck_assert_int_eq (decide (MGR_MNT_NEW, "sysfs", 0, &own_dir, NULL), -EPERM);
  ck_assert_int_eq (decide (MGR_MNT_NEW, "cgroup2", 0, &own_dir, NULL), -EPERM);
  ck_assert_int_eq (decide (MGR_MNT_NEW, "cgroup", 0, &own_dir, NULL), -EPERM);
  ck_assert_int_eq (decide (MGR_MNT_NEW, "ext4", MS_RDONLY, &own_dir, NULL), -EPERM);
  ck_assert_int_eq (decide (MGR_MNT_NEW, "fusectl", 0, &own_dir, NULL), -EPERM);
  ck_assert_int_eq (decide (MGR_MNT_NEW, "binfmt_misc", 0, &own_dir, NULL), -EPERM);
  ck_assert_int_eq (decide (MGR_MNT_NEW, "debugfs", 0, &own_dir, NULL), -EPERM);
  ck_assert_int_eq (decide (MGR_MNT_NEW, NULL, 0, &own_dir, NULL), -EPERM);
}
END_TEST

START_TEST (test_remount_rw_proc_sys_refused)
{
  /* mount -o remount,rw /proc/sys is a bind remount without MS_RDONLY. */
  ck_assert_int_eq (decide (MGR_MNT_BIND_REMOUNT, NULL, MS_REMOUNT | MS_BIND, &proc_sys, NULL), -EPERM);
  ck_assert_int_eq (decide (MGR_MNT_BIND_REMOUNT, NULL, MS_REMOUNT | MS_BIND, &sys_ro, NULL), -EPERM);
  ck_assert_int_eq (decide (MGR_MNT_BIND_REMOUNT, NULL, MS_REMOUNT | MS_BIND, &mask_dir, NULL), -EPERM);
  /* ... and a superblock remount of a kernel interface, whatever it asks. */
  ck_assert_int_eq (decide (MGR_MNT_REMOUNT, NULL, MS_REMOUNT, &proc_sys, NULL), -EPERM);
  ck_assert_int_eq (decide (MGR_MNT_REMOUNT, NULL, MS_REMOUNT | MS_RDONLY, &sys_ro, NULL), -EPERM);
  /* Keeping or making it read-only is what systemd's ProtectKernelTunables does. */
  ck_assert_int_eq (decide (MGR_MNT_BIND_REMOUNT, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID, &proc_sys, NULL), 0);
  /* The container's own mounts are its own. */
  ck_assert_int_eq (decide (MGR_MNT_BIND_REMOUNT, NULL, MS_REMOUNT | MS_BIND, &own_dir, NULL), 0);
  ck_assert_int_eq (decide (MGR_MNT_REMOUNT, NULL, MS_REMOUNT, &own_tmpfs, NULL), 0);
  /* A superblock it did not make (the rootfs's, the host's): no. */
  struct mgr_mnt_obj host_tmpfs = own_tmpfs;
  host_tmpfs.key.dev = 99;
  ck_assert_int_eq (decide (MGR_MNT_REMOUNT, NULL, MS_REMOUNT | MS_RDONLY, &own_dir, NULL), -EPERM);
  ck_assert_int_eq (decide (MGR_MNT_REMOUNT, NULL, MS_REMOUNT, &host_tmpfs, NULL), -EPERM);
}
END_TEST

START_TEST (test_umount_mask_refused)
{
  ck_assert_int_eq (decide (MGR_MNT_UMOUNT, NULL, 0, &mask_file, NULL), -EPERM);
  ck_assert_int_eq (decide (MGR_MNT_UMOUNT, NULL, MNT_DETACH, &mask_dir, NULL), -EPERM);
  ck_assert_int_eq (decide (MGR_MNT_UMOUNT, NULL, MNT_DETACH, &proc_sys, NULL), -EPERM);
  ck_assert_int_eq (decide (MGR_MNT_UMOUNT, NULL, 0, &proc_root, NULL), -EPERM);
  ck_assert_int_eq (decide (MGR_MNT_UMOUNT, NULL, 0, &own_tmpfs, NULL), 0);
  ck_assert_int_eq (decide (MGR_MNT_UMOUNT, NULL, MNT_FORCE, &own_tmpfs, NULL), -EPERM);
}
END_TEST

START_TEST (test_bind_and_move)
{
  /* /proc without MS_REC would leave its masks and read-only binds behind. */
  ck_assert_int_eq (decide (MGR_MNT_BIND, NULL, MS_BIND, &own_dir, &proc_root), -EPERM);
  ck_assert_int_eq (decide (MGR_MNT_BIND, NULL, MS_BIND, &own_dir, &sys_ro), -EPERM);
  ck_assert_int_eq (decide (MGR_MNT_BIND, NULL, MS_BIND | MS_REC, &own_dir, &proc_root), 0);
  ck_assert_int_eq (decide (MGR_MNT_BIND, NULL, MS_BIND, &own_dir, &own_dir), 0);
  /* Moving /proc/sys's read-only bind away uncovers a writable /proc/sys. */
  ck_assert_int_eq (decide (MGR_MNT_MOVE, NULL, MS_MOVE, &own_dir, &proc_sys), -EPERM);
  ck_assert_int_eq (decide (MGR_MNT_MOVE, NULL, MS_MOVE, &own_dir, &mask_file), -EPERM);
  ck_assert_int_eq (decide (MGR_MNT_MOVE, NULL, MS_MOVE, &own_dir, &own_tmpfs), 0);
  ck_assert_int_eq (decide (MGR_MNT_PROPAGATION, NULL, MS_PRIVATE | MS_REC, &proc_sys, NULL), 0);
  /* An rbind leaves unbindable submounts out (nothing is locked in a
   * privileged container): unbindable is refused everywhere. */
  ck_assert_int_eq (decide (MGR_MNT_PROPAGATION, NULL, MS_UNBINDABLE, &proc_sys, NULL), -EPERM);
  ck_assert_int_eq (decide (MGR_MNT_PROPAGATION, NULL, MS_UNBINDABLE | MS_REC, &own_dir, NULL), -EPERM);
}
END_TEST

START_TEST (test_classify)
{
  unsigned long f = 0xc0ed0000UL | MS_REMOUNT | MS_BIND | MS_RDONLY;
  ck_assert_int_eq (mgr_mountpolicy_classify (&f), MGR_MNT_BIND_REMOUNT);
  ck_assert_uint_eq (f, MS_REMOUNT | MS_BIND | MS_RDONLY);
  f = MS_REMOUNT | MS_RDONLY;
  ck_assert_int_eq (mgr_mountpolicy_classify (&f), MGR_MNT_REMOUNT);
  /* The kernel looks at MS_BIND before propagation and MS_MOVE. */
  f = MS_BIND | MS_MOVE;
  ck_assert_int_eq (mgr_mountpolicy_classify (&f), MGR_MNT_BIND);
  f = MS_PRIVATE | MS_MOVE;
  ck_assert_int_eq (mgr_mountpolicy_classify (&f), MGR_MNT_PROPAGATION);
  f = MS_MOVE;
  ck_assert_int_eq (mgr_mountpolicy_classify (&f), MGR_MNT_MOVE);
  f = MS_NOSUID;
  ck_assert_int_eq (mgr_mountpolicy_classify (&f), MGR_MNT_NEW);
}
END_TEST

static bool
is_mount_root (const char *path)
{
  struct statx stx;
  return statx (AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_INO, &stx) == 0
         && (stx.stx_attributes & stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT);
}

/* A private mount namespace and a scratch folder with two tmpfs: "own" (the
 * container's) and "guard" (protected). 0 when the test cannot run here. */
static char *
scratch_mounts (void)
{
  if (geteuid () != 0 || unshare (CLONE_NEWNS) < 0 || mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
    {
      fprintf (stderr, "SKIPPED: the swapped-target tests need root (a private mount namespace and tmpfs mounts)\n");
      return NULL;
    }
  char *d = tmpdir_new ();
  g_autofree char *own = g_build_filename (d, "own", NULL), *guard = g_build_filename (d, "guard", NULL);
  ck_assert_int_eq (mkdir (own, 0755), 0);
  ck_assert_int_eq (mkdir (guard, 0755), 0);
  ck_assert_int_eq (mount ("own", own, "tmpfs", 0, "size=64k"), 0);
  ck_assert_int_eq (mount ("guard", guard, "tmpfs", 0, "size=64k"), 0);
  return d;
}

START_TEST (test_swapped_target_umount)
{
  g_autofree char *d = scratch_mounts ();
  if (!d)
    return; /* needs root: the security suite covers the same end to end */
  g_autofree char *own = g_build_filename (d, "own", NULL), *guard = g_build_filename (d, "guard", NULL);
  g_autofree char *link = g_build_filename (d, "link", NULL), *tmp = g_build_filename (d, "link.new", NULL);
  _cleanup_close_ int root = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  _cleanup_close_ int fd_dir = open ("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC);
  struct mgr_mnt_obj t, g;
  struct mgr_mnt_protected protected = { 0 }, owned = { 0 };

  _cleanup_close_ int gfd = mgr_mount_open (root, guard, true, &g);
  ck_assert_int_ge (gfd, 0);
  mgr_mountpolicy_add (&protected, g.key);
  ck_assert_int_eq (symlink (own, link), 0);
  _cleanup_close_ int tfd = mgr_mount_open (root, link, true, &t);
  ck_assert_int_ge (tfd, 0);
  struct mgr_mnt_request r = { MGR_MNT_UMOUNT, NULL, 0, &t, NULL };
  const char *why;
  ck_assert_int_eq (mgr_mountpolicy_decide (&r, &protected, &owned, &why), 0);

  /* The attacker swaps the path for the protected mount after the check. */
  ck_assert_int_eq (symlink (guard, tmp), 0);
  ck_assert_int_eq (rename (tmp, link), 0);
  ck_assert_int_eq (mgr_mount_perform (&r, NULL, NULL, tfd, -1, fd_dir, NULL), 0);
  ck_assert_msg (is_mount_root (guard), "the protected mount was unmounted through the swapped path");
  ck_assert_msg (!is_mount_root (own), "the checked mount is still there");

  /* Checked on the fd, the protected one is refused whatever the path says. */
  _cleanup_close_ int gfd2 = mgr_mount_open (root, link, true, &t);
  ck_assert_int_ge (gfd2, 0);
  ck_assert_int_eq (mgr_mountpolicy_decide (&r, &protected, &owned, &why), -EPERM);
  umount2 (guard, MNT_DETACH);
  tmpdir_free (g_steal_pointer (&d));
}
END_TEST

START_TEST (test_swapped_target_new_mount)
{
  g_autofree char *d = scratch_mounts ();
  if (!d)
    return;
  g_autofree char *own = g_build_filename (d, "own", NULL), *guard = g_build_filename (d, "guard", NULL);
  g_autofree char *dir = g_build_filename (d, "dir", NULL), *aside = g_build_filename (d, "dir.aside", NULL);
  _cleanup_close_ int root = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  _cleanup_close_ int fd_dir = open ("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC);
  struct mgr_mnt_obj t;
  struct mgr_mnt_protected protected = { 0 }, owned = { 0 };
  struct mgr_mnt_key made = { 0 };

  ck_assert_int_eq (mkdir (dir, 0755), 0);
  _cleanup_close_ int tfd = mgr_mount_open (root, dir, true, &t);
  ck_assert_int_ge (tfd, 0);
  struct mgr_mnt_request r = { MGR_MNT_NEW, "tmpfs", MS_NOSUID, &t, NULL };
  const char *why;
  ck_assert_int_eq (mgr_mountpolicy_decide (&r, &protected, &owned, &why), 0);
  /* The folder is swapped for a symlink to somewhere else. */
  ck_assert_int_eq (rename (dir, aside), 0);
  ck_assert_int_eq (symlink (guard, dir), 0);
  ck_assert_int_eq (mgr_mount_perform (&r, "probe", "size=16k,mode=700", tfd, -1, fd_dir, &made), 0);
  ck_assert_msg (is_mount_root (aside), "the mount is on the folder that was checked");
  struct stat st;
  ck_assert_int_eq (stat (aside, &st), 0);
  ck_assert_uint_eq (st.st_mode & 07777, 0700);
  ck_assert_uint_eq (st.st_dev, made.dev);
  ck_assert_int_eq (stat (guard, &st), 0);
  ck_assert_uint_ne (st.st_dev, made.dev);
  umount2 (aside, MNT_DETACH);
  umount2 (guard, MNT_DETACH);
  umount2 (own, MNT_DETACH);
  tmpdir_free (g_steal_pointer (&d));
}
END_TEST

static Suite *
mountpolicy_suite (void)
{
  Suite *s = suite_create ("mountpolicy");
  TCase *tc = tcase_create ("decisions");
  tcase_add_test (tc, test_new_tmpfs_allowed);
  tcase_add_test (tc, test_new_proc_sysfs_refused);
  tcase_add_test (tc, test_remount_rw_proc_sys_refused);
  tcase_add_test (tc, test_umount_mask_refused);
  tcase_add_test (tc, test_bind_and_move);
  tcase_add_test (tc, test_classify);
  suite_add_tcase (s, tc);
  tc = tcase_create ("swapped target");
  tcase_add_test (tc, test_swapped_target_umount);
  tcase_add_test (tc, test_swapped_target_new_mount);
  suite_add_tcase (s, tc);
  return s;
}

RUN_SUITE (mountpolicy_suite)
