/* The mount policy of privileged containers, one test per decision, as
 * pure logic over (operation, fstype, flags, what the target's fd is, the
 * protected set); and, as root in a private mount namespace, that a target
 * swapped after the check changes nothing, because the monitor acts through
 * the fd it checked. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/child.h"
#include "lib/mountpolicy.h"
#include "lib/notify.h"
#include "lib/util.h"
#include "testutil.h"

/* /proc/sys's read-only bind, a /dev/null mask, a masked folder's tmpfs. */
static const struct mgr_mnt_obj proc_sys = { PROC_SUPER_MAGIC, { 21, 4026531853 }, true, true, true };
static const struct mgr_mnt_obj proc_root = { PROC_SUPER_MAGIC, { 21, 1 }, true, false, true };
static const struct mgr_mnt_obj mask_file = { TMPFS_MAGIC, { 5, 4 }, true, false, false };
static const struct mgr_mnt_obj mask_dir = { TMPFS_MAGIC, { 40, 1 }, true, true, true };
static const struct mgr_mnt_obj sys_ro = { SYSFS_MAGIC, { 22, 1 }, true, true, true };
/* Something of the container's own: a folder of its rootfs, a tmpfs it made. */
static const struct mgr_mnt_obj own_dir = { EXT4_SUPER_MAGIC, { 2049, 1234 }, false, false, true };
static const struct mgr_mnt_obj own_tmpfs = { TMPFS_MAGIC, { 77, 1 }, true, false, true };
/* A folder of /proc that is not a mount, where masks and /proc/sys sit. */
static const struct mgr_mnt_obj proc_dir = { PROC_SUPER_MAGIC, { 21, 1 }, false, false, true };

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

/* u: for a umount, the folder the mount sits in (NULL: not known). */
static int
decide_under (enum mgr_mnt_op op, const char *fstype, unsigned long flags, const struct mgr_mnt_obj *t,
              const struct mgr_mnt_obj *s, const struct mgr_mnt_obj *u)
{
  struct mgr_mnt_protected p = protected_set ();
  struct mgr_mnt_keys owned = { 1, &own_tmpfs.key };
  struct mgr_mnt_request r = { op, fstype, flags, t, s, u };
  const char *why = NULL;
  int e = mgr_mountpolicy_decide (&r, &p, &owned, &why);
  ck_assert_ptr_nonnull (why);
  return e;
}

static int
decide (enum mgr_mnt_op op, const char *fstype, unsigned long flags, const struct mgr_mnt_obj *t,
        const struct mgr_mnt_obj *s)
{
  return decide_under (op, fstype, flags, t, s, NULL);
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
  ck_assert_int_eq (decide (MGR_MNT_NEW, "fusectl", MS_RDONLY, &own_dir, NULL), -EPERM);
  ck_assert_int_eq (decide (MGR_MNT_NEW, "binfmt_misc", 0, &own_dir, NULL), -EPERM);
  ck_assert_int_eq (decide (MGR_MNT_NEW, "debugfs", 0, &own_dir, NULL), -EPERM);
  ck_assert_int_eq (decide (MGR_MNT_NEW, NULL, 0, &own_dir, NULL), -EPERM);
}
END_TEST

/* fusectl is the host's one superblock (every FUSE connection's abort
 * file): systemd mounts it in a privileged container, and gets it
 * read-only, which can then never be made writable. */
START_TEST (test_fusectl_read_only)
{
  unsigned long f = mgr_mountpolicy_forced_flags ("fusectl");
  ck_assert_uint_eq (f & MS_RDONLY, MS_RDONLY);
  ck_assert_uint_eq (mgr_mountpolicy_forced_flags ("tmpfs"), 0);
  ck_assert_uint_eq (mgr_mountpolicy_forced_flags (NULL), 0);
  ck_assert_int_eq (decide (MGR_MNT_NEW, "fusectl", f, &own_dir, NULL), 0);
  static const struct mgr_mnt_obj fusectl = { 0x65735543, { 0, 44 }, true, true, true };
  ck_assert_int_eq (decide (MGR_MNT_BIND_REMOUNT, NULL, MS_REMOUNT | MS_BIND, &fusectl, NULL), -EPERM);
  ck_assert_int_eq (decide (MGR_MNT_REMOUNT, NULL, MS_REMOUNT, &fusectl, NULL), -EPERM);
  ck_assert_int_eq (decide (MGR_MNT_MOVE, NULL, MS_MOVE, &own_dir, &fusectl), -EPERM);
  /* It sits in sysfs, where nothing is unmounted. */
  ck_assert_int_eq (decide_under (MGR_MNT_UMOUNT, NULL, 0, &fusectl, NULL, &sys_ro), -EPERM);
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
  /* Where it sits decides: a mask or /proc/sys in /proc uncovers procfs. */
  ck_assert_int_eq (decide_under (MGR_MNT_UMOUNT, NULL, 0, &mask_file, NULL, &proc_dir), -EPERM);
  ck_assert_int_eq (decide_under (MGR_MNT_UMOUNT, NULL, MNT_DETACH, &proc_sys, NULL, &proc_dir), -EPERM);
  ck_assert_int_eq (decide_under (MGR_MNT_UMOUNT, NULL, MNT_DETACH, &mask_dir, NULL, &sys_ro), -EPERM);
  /* In a protected mount (the masks' own tmpfs, the cgroup view): no. */
  ck_assert_int_eq (decide_under (MGR_MNT_UMOUNT, NULL, 0, &proc_sys, NULL, &mask_dir), -EPERM);
}
END_TEST

/* The container's own recursive copy of /proc (mount --rbind /proc /x):
 * its root is /proc's root, and it sits in a folder of the container's own,
 * so it can be taken away whole; its submounts sit in the copy of procfs
 * and stay (one by one they would uncover a writable sys). */
START_TEST (test_umount_own_rbind_of_proc)
{
  ck_assert_int_eq (decide_under (MGR_MNT_UMOUNT, NULL, MNT_DETACH, &proc_root, NULL, &own_dir), 0);
  ck_assert_int_eq (decide_under (MGR_MNT_UMOUNT, NULL, 0, &proc_root, NULL, &own_tmpfs), 0);
  ck_assert_int_eq (decide_under (MGR_MNT_UMOUNT, NULL, 0, &sys_ro, NULL, &own_dir), 0);
  ck_assert_int_eq (decide_under (MGR_MNT_UMOUNT, NULL, 0, &proc_sys, NULL, &proc_dir), -EPERM);
  ck_assert_int_eq (decide_under (MGR_MNT_UMOUNT, NULL, 0, &mask_file, NULL, &proc_dir), -EPERM);
  /* Its own mounts inside a copy of /proc stay too (systemd relies on a
   * copy that is either whole or gone). */
  ck_assert_int_eq (decide_under (MGR_MNT_UMOUNT, NULL, 0, &own_tmpfs, NULL, &proc_dir), -EPERM);
  ck_assert_int_eq (decide_under (MGR_MNT_UMOUNT, NULL, 0, &own_tmpfs, NULL, &own_dir), 0);
  /* A /dev/null bind of its own (a mask's root) on a file of its own. */
  ck_assert_int_eq (decide_under (MGR_MNT_UMOUNT, NULL, 0, &mask_file, NULL, &own_dir), 0);
  /* The administrator's [mount] folder (protected, not a kernel
   * filesystem) stays, wherever it sits. */
  static const struct mgr_mnt_obj admin_dir = { EXT4_SUPER_MAGIC, { 2049, 77 }, true, true, true };
  struct mgr_mnt_protected p = protected_set ();
  mgr_mountpolicy_add (&p, admin_dir.key);
  struct mgr_mnt_keys owned = { 0 };
  struct mgr_mnt_request r = { MGR_MNT_UMOUNT, NULL, 0, &admin_dir, NULL, &own_dir };
  const char *why;
  ck_assert_int_eq (mgr_mountpolicy_decide (&r, &p, &owned, &why), -EPERM);
}
END_TEST

START_TEST (test_bind_and_move)
{
  /* /proc without MS_REC would leave its masks and read-only binds behind. */
  ck_assert_int_eq (decide (MGR_MNT_BIND, NULL, MS_BIND, &own_dir, &proc_root), -EPERM);
  ck_assert_int_eq (decide (MGR_MNT_BIND, NULL, MS_BIND, &own_dir, &sys_ro), -EPERM);
  ck_assert_int_eq (decide (MGR_MNT_BIND, NULL, MS_BIND | MS_REC, &own_dir, &proc_root), 0);
  ck_assert_int_eq (decide (MGR_MNT_BIND, NULL, MS_BIND, &own_dir, &own_dir), 0);
  ck_assert_int_eq (decide (MGR_MNT_BIND, NULL, MS_BIND, &own_dir, &mask_dir), -EPERM);
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

/* A file has no submounts to leave behind: systemd binds /dev/null (whose
 * root is every file mask's root) over paths it makes inaccessible. */
START_TEST (test_bind_file_of_protected)
{
  ck_assert_int_eq (decide (MGR_MNT_BIND, NULL, MS_BIND, &own_dir, &mask_file), 0);
  static const struct mgr_mnt_obj proc_file = { PROC_SUPER_MAGIC, { 21, 4026532000 }, false, true, false };
  ck_assert_int_eq (decide (MGR_MNT_BIND, NULL, MS_BIND, &own_dir, &proc_file), 0);
  /* ... and the copy stays read-only: a read-only kernel file cannot be
   * bind-remounted writable. */
  ck_assert_int_eq (decide (MGR_MNT_BIND_REMOUNT, NULL, MS_REMOUNT | MS_BIND, &proc_file, NULL), -EPERM);
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
  struct mgr_mnt_protected protected = { 0 };
  struct mgr_mnt_keys owned = { 0 };

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
  ck_assert_int_eq (mgr_mount_perform (&r, NULL, NULL, tfd, -1, fd_dir, NULL, NULL, NULL), 0);
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
  struct mgr_mnt_protected protected = { 0 };
  struct mgr_mnt_keys owned = { 0 };
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
  ck_assert_int_eq (mgr_mount_perform (&r, "probe", "size=16k,mode=700", tfd, -1, fd_dir, NULL, NULL, &made), 0);
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

/* systemd mounts on /proc/self/fd/N: the monitor's worker is not in the
 * caller's pid namespace, so it takes the caller's fd itself. */
START_TEST (test_caller_fd)
{
  g_autofree char *d = tmpdir_new ();
  _cleanup_close_ int pidfd = syscall (SYS_pidfd_open, getpid (), 0);
  _cleanup_close_ int dfd = open (d, O_PATH | O_DIRECTORY | O_CLOEXEC);
  ck_assert_int_ge (pidfd, 0);
  ck_assert_int_ge (dfd, 0);
  int fd = -1;
  g_autofree char *path = g_strdup_printf ("/proc/self/fd/%d", dfd);
  ck_assert_int_eq (mgr_mount_caller_fd (pidfd, getpid (), path, &fd), 1);
  struct stat a, b;
  ck_assert_int_eq (fstat (fd, &a), 0);
  ck_assert_int_eq (fstat (dfd, &b), 0);
  ck_assert_uint_eq (a.st_ino, b.st_ino);
  ck_assert_int_ne (fd, dfd);
  close (fd);
  g_free (path);
  path = g_strdup_printf ("/proc/thread-self/fd/%d", dfd);
  ck_assert_int_eq (mgr_mount_caller_fd (pidfd, getpid (), path, &fd), 1);
  close (fd);
  /* Without a pidfd, the calling thread's own fd table. */
  ck_assert_int_eq (mgr_mount_caller_fd (-1, getpid (), path, &fd), 1);
  close (fd);
  ck_assert_int_eq (mgr_mount_caller_fd (pidfd, getpid (), "/proc/self/fd/999999", &fd), -ENOENT);
  /* Anything else is an ordinary path, looked up in the caller's root. */
  ck_assert_int_eq (mgr_mount_caller_fd (pidfd, getpid (), "/proc/self/fd/", &fd), 0);
  ck_assert_int_eq (mgr_mount_caller_fd (pidfd, getpid (), "/proc/self/fd/03", &fd), 0);
  ck_assert_int_eq (mgr_mount_caller_fd (pidfd, getpid (), "/proc/self/fd/3/x", &fd), 0);
  ck_assert_int_eq (mgr_mount_caller_fd (pidfd, getpid (), "/proc/1/fd/3", &fd), 0);
  ck_assert_int_eq (mgr_mount_caller_fd (pidfd, getpid (), "/tmp", &fd), 0);
  tmpdir_free (g_steal_pointer (&d));
}
END_TEST

/* The caller's fd is the object checked and acted on: its path swapped for
 * a symlink to a protected mount changes nothing. */
START_TEST (test_swapped_caller_fd)
{
  g_autofree char *d = scratch_mounts ();
  if (!d)
    return;
  g_autofree char *guard = g_build_filename (d, "guard", NULL);
  g_autofree char *dir = g_build_filename (d, "dir", NULL), *aside = g_build_filename (d, "dir.aside", NULL);
  _cleanup_close_ int fd_dir = open ("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC);
  _cleanup_close_ int pidfd = syscall (SYS_pidfd_open, getpid (), 0);
  struct mgr_mnt_obj t;
  struct mgr_mnt_protected protected = { 0 };
  struct mgr_mnt_keys owned = { 0 };

  ck_assert_int_eq (mkdir (dir, 0755), 0);
  _cleanup_close_ int callers = open (dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  g_autofree char *path = g_strdup_printf ("/proc/self/fd/%d", callers);
  int tfd = -1;
  ck_assert_int_eq (mgr_mount_caller_fd (pidfd, getpid (), path, &tfd), 1);
  ck_assert_int_eq (mgr_mount_describe (tfd, &t), 0);
  ck_assert (t.dir);
  struct mgr_mnt_request r = { MGR_MNT_NEW, "tmpfs", MS_NOSUID, &t, NULL, NULL };
  const char *why;
  ck_assert_int_eq (mgr_mountpolicy_decide (&r, &protected, &owned, &why), 0);
  ck_assert_int_eq (rename (dir, aside), 0);
  ck_assert_int_eq (symlink (guard, dir), 0);
  close (callers);
  callers = open (dir, O_PATH | O_DIRECTORY | O_CLOEXEC); /* the caller reuses its number elsewhere */
  ck_assert_int_eq (mgr_mount_perform (&r, "probe", NULL, tfd, -1, fd_dir, NULL, NULL, NULL), 0);
  ck_assert_msg (is_mount_root (aside), "the mount is on the folder the caller's fd named when checked");
  close (tfd);
  umount2 (aside, MNT_DETACH);
  umount2 (guard, MNT_DETACH);
  g_autofree char *own = g_build_filename (d, "own", NULL);
  umount2 (own, MNT_DETACH);
  tmpdir_free (g_steal_pointer (&d));
}
END_TEST

/* A umount that was not asked to be lazy is not: through the mount's place
 * (no fd of ours holds it), so the kernel says EBUSY while it is used. */
START_TEST (test_umount_not_lazy)
{
  g_autofree char *d = scratch_mounts ();
  if (!d)
    return;
  g_autofree char *own = g_build_filename (d, "own", NULL), *guard = g_build_filename (d, "guard", NULL);
  _cleanup_close_ int root = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  _cleanup_close_ int fd_dir = open ("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC);
  struct mgr_mnt_obj t, u;
  char name[NAME_MAX + 1], at[NAME_MAX + 32];
  int dir_fd;

  int tfd = mgr_mount_open (root, own, true, &t);
  ck_assert_int_ge (tfd, 0);
  ck_assert (t.mount_root);
  ck_assert_int_eq (mgr_mount_place (root, fd_dir, tfd, &dir_fd, name, sizeof name, &u), 0);
  ck_assert_str_eq (name, "own");
  ck_assert (!u.mount_root);
  close (tfd);
  snprintf (at, sizeof at, "%d/%s", dir_fd, name);
  struct mgr_mnt_request r = { MGR_MNT_UMOUNT, NULL, 0, &t, NULL, &u };
  g_autofree char *inside = g_build_filename (own, "busy", NULL);
  int busy = open (inside, O_CREAT | O_RDWR | O_CLOEXEC, 0600);
  ck_assert_int_ge (busy, 0);
  ck_assert_int_eq (mgr_mount_perform (&r, NULL, NULL, -1, -1, fd_dir, at, NULL, NULL), -EBUSY);
  ck_assert (is_mount_root (own));
  close (busy);
  ck_assert_int_eq (mgr_mount_perform (&r, NULL, NULL, -1, -1, fd_dir, at, NULL, NULL), 0);
  ck_assert (!is_mount_root (own));
  close (dir_fd);

  /* The place follows the mount (found from its fd), not the path asked. */
  tfd = mgr_mount_open (root, guard, true, &t);
  ck_assert_int_ge (tfd, 0);
  g_autofree char *moved = g_build_filename (d, "moved", NULL);
  ck_assert_int_eq (mkdir (moved, 0755), 0);
  ck_assert_int_eq (mount (guard, moved, NULL, MS_MOVE, NULL), 0);
  ck_assert_int_eq (mount ("other", guard, "tmpfs", 0, "size=16k"), 0);
  ck_assert_int_eq (mgr_mount_place (root, fd_dir, tfd, &dir_fd, name, sizeof name, &u), 0);
  ck_assert_str_eq (name, "moved");
  close (dir_fd);
  /* Covered by another mount, its name leads elsewhere: no place. */
  ck_assert_int_eq (mount ("top", moved, "tmpfs", 0, "size=16k"), 0);
  ck_assert_int_eq (mgr_mount_place (root, fd_dir, tfd, &dir_fd, name, sizeof name, &u), -ESTALE);
  ck_assert_int_eq (dir_fd, -1);
  close (tfd);
  umount2 (guard, MNT_DETACH);
  umount2 (moved, MNT_DETACH);
  umount2 (moved, MNT_DETACH);
  tmpdir_free (g_steal_pointer (&d));
}
END_TEST

/* A caller killed while the monitor works gets nothing mounted. */
START_TEST (test_killed_caller_gets_nothing)
{
  g_autofree char *d = scratch_mounts ();
  if (!d)
    return;
  g_autofree char *dir = g_build_filename (d, "dir", NULL);
  ck_assert_int_eq (mkdir (dir, 0755), 0);
  int p[2];
  ck_assert_int_eq (pipe2 (p, O_CLOEXEC), 0);
  pid_t child = fork ();
  ck_assert_int_ge (child, 0);
  if (child == 0)
    {
      scmp_filter_ctx ctx = seccomp_init (SCMP_ACT_ALLOW);
      if (!ctx || prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0
          || seccomp_rule_add (ctx, SCMP_ACT_NOTIFY, SCMP_SYS (mount), 0) < 0 || seccomp_load (ctx) < 0)
        _exit (1);
      int fd = seccomp_notify_fd (ctx);
      (void) !write (p[1], &fd, sizeof fd);
      for (;;)
        mount ("x", "/", "tmpfs", 0, NULL);
    }
  close (p[1]);
  int cfd = -1;
  ck_assert_int_eq (read (p[0], &cfd, sizeof cfd), sizeof cfd);
  close (p[0]);
  _cleanup_close_ int pidfd = syscall (SYS_pidfd_open, child, 0);
  _cleanup_close_ int listener = syscall (SYS_pidfd_getfd, pidfd, cfd, 0);
  ck_assert_int_ge (listener, 0);
  struct seccomp_notif req = { 0 };
  ck_assert_int_eq (ioctl (listener, SECCOMP_IOCTL_NOTIF_RECV, &req), 0);

  _cleanup_close_ int root = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  _cleanup_close_ int fd_dir = open ("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC);
  struct mgr_mnt_obj t;
  _cleanup_close_ int tfd = mgr_mount_open (root, dir, true, &t);
  ck_assert_int_ge (tfd, 0);
  struct mgr_mnt_request r = { MGR_MNT_NEW, "tmpfs", 0, &t, NULL, NULL };
  struct mgr_mnt_live live = { listener, req.id };
  /* While it waits: performed. */
  ck_assert_int_eq (mgr_mount_perform (&r, "probe", NULL, tfd, -1, fd_dir, NULL, &live, NULL), 0);
  ck_assert (is_mount_root (dir));
  ck_assert_int_eq (umount2 (dir, 0), 0);
  struct mgr_mnt_obj u = t;
  r = (struct mgr_mnt_request){ MGR_MNT_BIND, NULL, MS_BIND, &t, &u, NULL };
  /* Killed: nothing, for a new filesystem and for a bind alike. */
  kill (child, SIGKILL);
  waitpid (child, NULL, 0);
  r.op = MGR_MNT_NEW;
  r.fstype = "tmpfs";
  ck_assert_int_eq (mgr_mount_perform (&r, "probe", NULL, tfd, -1, fd_dir, NULL, &live, NULL), -ESRCH);
  ck_assert (!is_mount_root (dir));
  r.op = MGR_MNT_BIND;
  ck_assert_int_eq (mgr_mount_perform (&r, NULL, NULL, tfd, tfd, fd_dir, NULL, &live, NULL), -ESRCH);
  ck_assert (!is_mount_root (dir));
  g_autofree char *own = g_build_filename (d, "own", NULL), *guard = g_build_filename (d, "guard", NULL);
  umount2 (own, MNT_DETACH);
  umount2 (guard, MNT_DETACH);
  tmpdir_free (g_steal_pointer (&d));
}
END_TEST

/* mgr_open_beneath, where every mount of a start is aimed: with nothing to
 * create it opens the whole path at once (one openat2), and refuses what
 * the walk component by component refuses: a symlink anywhere on the way
 * (absolute or climbing out), a final symlink even under O_PATH, and a way
 * out of the root. */
START_TEST (test_open_beneath_refuses_links)
{
  char *dir = tmpdir_new ();
  g_autofree char *ab = g_build_filename (dir, "a", "b", NULL);
  ck_assert_int_eq (g_mkdir_with_parents (ab, 0755), 0);
  g_free (write_tmp (ab, "file", "x"));
  g_autofree char *abs = g_build_filename (dir, "abs", NULL), *up = g_build_filename (dir, "a", "up", NULL);
  g_autofree char *flink = g_build_filename (ab, "flink", NULL);
  ck_assert_int_eq (symlink ("/etc", abs), 0);
  ck_assert_int_eq (symlink ("../..", up), 0);
  ck_assert_int_eq (symlink ("file", flink), 0);
  int root = open (dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  ck_assert_int_ge (root, 0);
  int fd = mgr_open_beneath (root, "/a/b/file", MGR_CREATE_NONE, O_PATH);
  ck_assert_int_ge (fd, 0);
  struct stat st;
  ck_assert_int_eq (fstat (fd, &st), 0);
  ck_assert (S_ISREG (st.st_mode));
  close (fd);
  ck_assert_int_eq (mgr_open_beneath (root, "abs/passwd", MGR_CREATE_NONE, O_PATH), -ELOOP);
  ck_assert_int_eq (mgr_open_beneath (root, "abs", MGR_CREATE_NONE, O_PATH), -ELOOP);
  ck_assert_int_eq (mgr_open_beneath (root, "a/up/etc", MGR_CREATE_NONE, O_PATH | O_DIRECTORY), -ELOOP);
  ck_assert_int_eq (mgr_open_beneath (root, "a/b/flink", MGR_CREATE_NONE, O_PATH), -ELOOP);
  ck_assert_int_eq (mgr_open_beneath (root, "a/b/flink", MGR_CREATE_NONE, O_RDONLY), -ELOOP);
  ck_assert_int_eq (mgr_open_beneath (root, "a/b/none", MGR_CREATE_NONE, O_PATH), -ENOENT);
  ck_assert_int_lt (mgr_open_beneath (root, "a/../../etc", MGR_CREATE_NONE, O_PATH), 0);
  ck_assert_int_lt (mgr_open_beneath (root, "a/b/file/x", MGR_CREATE_NONE, O_PATH), 0);
  /* The walk (something to create) refuses the same links. */
  ck_assert_int_eq (mgr_open_beneath (root, "abs/new", MGR_CREATE_DIR, O_PATH), -ELOOP);
  ck_assert_int_eq (mgr_open_beneath (root, "a/up/new", MGR_CREATE_DIR, O_PATH), -ELOOP);
  close (root);
  tmpdir_free (dir);
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
  tcase_add_test (tc, test_fusectl_read_only);
  tcase_add_test (tc, test_umount_own_rbind_of_proc);
  tcase_add_test (tc, test_bind_file_of_protected);
  tcase_add_test (tc, test_open_beneath_refuses_links);
  suite_add_tcase (s, tc);
  tc = tcase_create ("swapped target");
  tcase_add_test (tc, test_swapped_target_umount);
  tcase_add_test (tc, test_swapped_target_new_mount);
  tcase_add_test (tc, test_swapped_caller_fd);
  tcase_add_test (tc, test_umount_not_lazy);
  tcase_add_test (tc, test_killed_caller_gets_nothing);
  suite_add_tcase (s, tc);
  tc = tcase_create ("caller's fds");
  tcase_add_test (tc, test_caller_fd);
  suite_add_tcase (s, tc);
  return s;
}

RUN_SUITE (mountpolicy_suite)
