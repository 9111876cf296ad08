#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "notify.h"
#include "util.h"

/* How long one mount call may take before the monitor gives up on it. */
#define WORKER_TIMEOUT_MS 5000
/* Superblocks remembered as the container's own: the newest ones. A
 * container that mounts more than this loses only the superblock remount
 * of its oldest tmpfs (a bind remount still works); the monitor's memory
 * stays bounded whatever it does. */
#define OWNED_MAX 4096
/* Distinct refusals logged. */
#define NOTED_MAX 512

#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL
#endif

struct MgrMountNotify {
  int fd;
  struct mgr_mnt_protected protected;
  GArray *owned; /* of struct mgr_mnt_key: superblocks the monitor mounted, theirs to remount */
  GHashTable *noted; /* refusals already logged */
  struct seccomp_notif *req;
  struct seccomp_notif_resp *resp;
  size_t req_size, resp_size;
  struct stat userns; /* the monitor's user namespace, which a privileged container shares */
  MgrMountNote note;
  void *note_data;
};

/* What the worker needs, read before it is forked: it allocates nothing. */
struct job {
  struct mgr_mnt_request r;
  bool has_source, has_data, nofollow;
  char source[PATH_MAX], target[PATH_MAX], fstype[256], data[4096];
  int mntns, ipcns, root, cwd;
  int tfd, sfd; /* the caller's own fds when the paths named them, else -1 */
  struct mgr_mnt_live live;
};

struct result {
  int err;      /* 0 or an errno */
  bool refused; /* by the policy or the monitor, not by the kernel: logged */
  bool made;
  struct mgr_mnt_key key;
  char why[160];
};

MgrMountNotify *
mgr_mount_notify_new (int listener_fd, const struct mgr_mnt_protected *protected, MgrMountNote note, void *data)
{
  struct seccomp_notif_sizes sizes;
  if (syscall (SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) < 0)
    sizes = (struct seccomp_notif_sizes){ sizeof (struct seccomp_notif), sizeof (struct seccomp_notif_resp), 0 };
  MgrMountNotify *n = g_new0 (MgrMountNotify, 1);
  n->fd = listener_fd;
  n->protected = *protected;
  n->note = note;
  n->note_data = data;
  n->req_size = MAX (sizes.seccomp_notif, sizeof (struct seccomp_notif));
  n->resp_size = MAX (sizes.seccomp_notif_resp, sizeof (struct seccomp_notif_resp));
  n->req = g_malloc0 (n->req_size);
  n->owned = g_array_new (FALSE, FALSE, sizeof (struct mgr_mnt_key));
  n->noted = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  n->resp = g_malloc0 (n->resp_size);
  if (stat ("/proc/self/ns/user", &n->userns) < 0)
    memset (&n->userns, 0, sizeof n->userns);
  return n;
}

void
mgr_mount_notify_free (MgrMountNotify *n)
{
  if (!n)
    return;
  if (n->fd >= 0)
    close (n->fd);
  g_free (n->req);
  g_free (n->resp);
  g_array_unref (n->owned);
  g_hash_table_unref (n->noted);
  g_free (n);
}

int
mgr_mount_notify_fd (const MgrMountNotify *n)
{
  return n ? n->fd : -1;
}

int
mgr_mount_describe (int fd, struct mgr_mnt_obj *obj)
{
  struct statx stx;
  struct statfs sf;
  if (statx (fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_TYPE | STATX_INO, &stx) < 0 || fstatfs (fd, &sf) < 0)
    return -errno;
  *obj = (struct mgr_mnt_obj){
    .fs_magic = (uint64_t) sf.f_type,
    .key = { makedev (stx.stx_dev_major, stx.stx_dev_minor), stx.stx_ino },
    .mount_root = (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) && (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT),
    .readonly = (sf.f_flags & ST_RDONLY) != 0,
    .dir = S_ISDIR (stx.stx_mode),
  };
  return 0;
}

int
mgr_mount_open (int root_fd, const char *path, bool follow, struct mgr_mnt_obj *obj)
{
  /* Magic links (/proc/PID/root, /proc/self/fd/N) would lead out of the
   * caller's view into the worker's own. Absolute paths start at the
   * caller's root and cannot climb above it. */
  struct open_how how = { .flags = O_PATH | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW), .resolve = RESOLVE_NO_MAGICLINKS };
  if (path[0] == '/')
    how.resolve |= RESOLVE_IN_ROOT;
  int fd = syscall (SYS_openat2, path[0] == '/' ? root_fd : AT_FDCWD, path, &how, sizeof how);
  if (fd < 0)
    return -errno;
  int e = mgr_mount_describe (fd, obj);
  if (e < 0)
    {
      close (fd);
      return e;
    }
  return fd;
}

int
mgr_mount_caller_fd (int pidfd, pid_t tid, const char *path, int *fd)
{
  const char *p;
  if (strncmp (path, "/proc/self/fd/", 14) == 0)
    p = path + 14;
  else if (strncmp (path, "/proc/thread-self/fd/", 21) == 0)
    p = path + 21;
  else
    return 0;
  long num = 0;
  if (!*p || (p[0] == '0' && p[1]))
    return 0;
  for (; *p; p++)
    {
      if (*p < '0' || *p > '9' || num > 1000000000L)
        return 0;
      num = num * 10 + (*p - '0');
    }
  /* The open file itself, not a path to it: what it names cannot change
   * after the check (a path can be swapped; the caller can close or reuse
   * its number, not change our copy). */
  *fd = pidfd >= 0 ? (int) syscall (SYS_pidfd_getfd, pidfd, (int) num, 0) : -1;
  if (*fd < 0 && (pidfd < 0 || errno == ENOSYS))
    {
      /* Before 5.6, or a thread that pidfd_open cannot name before 6.9:
       * the same object through the calling thread's own fd table. */
      char link[64];
      snprintf (link, sizeof link, "/proc/%d/fd/%ld", (int) tid, num);
      *fd = open (link, O_PATH | O_CLOEXEC);
    }
  if (*fd < 0)
    return errno == EBADF ? -ENOENT : -errno;
  return 1;
}

static uint64_t
mount_id (int fd)
{
  struct statx stx;
  if (statx (fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &stx) < 0 || !(stx.stx_mask & STATX_MNT_ID))
    return 0;
  return stx.stx_mnt_id;
}

int
mgr_mount_place (int root_fd, int fd_dir, int tfd, int *dir_fd, char *name, size_t size, struct mgr_mnt_obj *under)
{
  char path[PATH_MAX], num[16];
  *dir_fd = -1;
  snprintf (num, sizeof num, "%d", tfd);
  /* Where the mount is, as seen from the root: a path outside it starts
   * with "(unreachable)", a removed one ends with " (deleted)". */
  ssize_t len = readlinkat (fd_dir, num, path, sizeof path - 1);
  if (len <= 1 || path[0] != '/')
    return -ENOENT;
  path[len] = '\0';
  static const char deleted[] = " (deleted)";
  if ((size_t) len >= sizeof deleted && strcmp (path + len - (sizeof deleted - 1), deleted) == 0)
    return -ENOENT;
  char *slash = strrchr (path, '/');
  const char *base = slash + 1;
  if (!*base || strcmp (base, ".") == 0 || strcmp (base, "..") == 0 || strlen (base) >= size)
    return -ENOENT;
  snprintf (name, size, "%s", base);
  if (slash == path)
    slash[1] = '\0';
  else
    *slash = '\0';
  int d = mgr_mount_open (root_fd, path, true, under);
  if (d < 0)
    return d;
  /* The name must lead to the very mount that was checked. Until the
   * umount it keeps doing so: the monitor performs one mount call at a
   * time, so nothing is mounted on top or taken away meanwhile, and the
   * kernel refuses to rename or remove a mountpoint in its namespace. */
  _cleanup_close_ int v = openat (d, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  uint64_t want = mount_id (tfd);
  if (v < 0 || !want || mount_id (v) != want)
    {
      close (d);
      return -ESTALE;
    }
  *dir_fd = d;
  return 0;
}

/* Mount options as the new mount API wants them: key=value or a flag. */
static int
configure (int fs, const char *data)
{
  char opt[4096];
  const char *p = data;
  while (p && *p)
    {
      const char *end = strchrnul (p, ',');
      size_t len = (size_t) (end - p);
      if (len && len < sizeof opt)
        {
          memcpy (opt, p, len);
          opt[len] = '\0';
          char *eq = strchr (opt, '=');
          int r = eq ? (*eq = '\0', fsconfig (fs, FSCONFIG_SET_STRING, opt, eq + 1, 0))
                     : fsconfig (fs, FSCONFIG_SET_FLAG, opt, NULL, 0);
          if (r < 0)
            return -errno;
        }
      p = *end ? end + 1 : end;
    }
  return 0;
}

/* Whether the caller still waits on this notification. A caller killed
 * while the monitor worked gets nothing mounted: its mounts would stay
 * behind in a namespace nobody asked for them in. */
static bool
still_wanted (const struct mgr_mnt_live *live)
{
  if (!live)
    return true;
  uint64_t id = live->id;
  return ioctl (live->listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
}

int
mgr_mount_perform (const struct mgr_mnt_request *r, const char *source, const char *data, int tfd, int sfd,
                   int fd_dir, const char *umount_at, const struct mgr_mnt_live *live, struct mgr_mnt_key *made)
{
  char t[16], s[16];
  snprintf (t, sizeof t, "%d", tfd);
  snprintf (s, sizeof s, "%d", sfd);
  /* mount(2) and umount2(2) take paths: the fds' numbers under the host's
   * /proc/self/fd name exactly the objects that were checked. */
  if (r->op != MGR_MNT_NEW && fchdir (fd_dir) < 0)
    return -errno;
  switch (r->op)
    {
    case MGR_MNT_NEW:
      {
        /* The new API gives the new superblock as an fd: its identity is
         * known without looking the target up again. */
        _cleanup_close_ int fs = fsopen (r->fstype, FSOPEN_CLOEXEC);
        if (fs < 0)
          return -errno;
        if (source && fsconfig (fs, FSCONFIG_SET_STRING, "source", source, 0) < 0)
          return -errno;
        int e = configure (fs, data);
        if (e < 0)
          return e;
        if ((r->flags & MS_RDONLY) && fsconfig (fs, FSCONFIG_SET_FLAG, "ro", NULL, 0) < 0)
          return -errno;
        static const struct { unsigned long ms; const char *flag; } sb[] = {
          { MS_SYNCHRONOUS, "sync" }, { MS_DIRSYNC, "dirsync" }, { MS_LAZYTIME, "lazytime" },
        };
        for (size_t i = 0; i < G_N_ELEMENTS (sb); i++)
          if ((r->flags & sb[i].ms) && fsconfig (fs, FSCONFIG_SET_FLAG, sb[i].flag, NULL, 0) < 0)
            return -errno;
        if (fsconfig (fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
          return -errno;
        unsigned attr = (r->flags & MS_RDONLY ? MOUNT_ATTR_RDONLY : 0) | (r->flags & MS_NOSUID ? MOUNT_ATTR_NOSUID : 0)
                        | (r->flags & MS_NODEV ? MOUNT_ATTR_NODEV : 0) | (r->flags & MS_NOEXEC ? MOUNT_ATTR_NOEXEC : 0)
                        | (r->flags & MS_NODIRATIME ? MOUNT_ATTR_NODIRATIME : 0)
                        | (r->flags & MS_NOATIME ? MOUNT_ATTR_NOATIME : r->flags & MS_STRICTATIME ? MOUNT_ATTR_STRICTATIME : 0);
        _cleanup_close_ int mnt = fsmount (fs, FSMOUNT_CLOEXEC, attr);
        if (mnt < 0)
          return -errno;
        struct stat st;
        if (fstat (mnt, &st) == 0 && made)
          *made = (struct mgr_mnt_key){ st.st_dev, st.st_ino };
        if (!still_wanted (live))
          return -ESRCH;
        if (move_mount (mnt, "", tfd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
          return -errno;
        /* Killed between the check and the move: the new mount is ours
         * to take back (mnt still names it). */
        if (!still_wanted (live))
          {
            char m[16];
            snprintf (m, sizeof m, "%d", mnt);
            if (fchdir (fd_dir) == 0)
              (void) umount2 (m, MNT_DETACH);
            return -ESRCH;
          }
        return 0;
      }
    default:
      break;
    }
  if (!still_wanted (live))
    return -ESRCH;
  switch (r->op)
    {
    case MGR_MNT_NEW:
      return -EINVAL;
    case MGR_MNT_BIND:
      return mount (s, t, NULL, r->flags & (MS_BIND | MS_REC), NULL) < 0 ? -errno : 0;
    case MGR_MNT_BIND_REMOUNT:
      return mount (NULL, t, NULL, r->flags, NULL) < 0 ? -errno : 0;
    case MGR_MNT_REMOUNT:
      return mount (NULL, t, NULL, r->flags, data) < 0 ? -errno : 0;
    case MGR_MNT_PROPAGATION:
      return mount (NULL, t, NULL, r->flags, NULL) < 0 ? -errno : 0;
    case MGR_MNT_MOVE:
      return mount (s, t, NULL, MS_MOVE, NULL) < 0 ? -errno : 0;
    case MGR_MNT_UMOUNT:
      /* Through its place when that is known and no fd holds the mount
       * (the kernel answers EBUSY for a busy one, as the caller expects).
       * Else through the fd, which counts as a user of the mount: only a
       * detach gets past that. */
      if (umount_at)
        return umount2 (umount_at, (int) (r->flags & MNT_DETACH) | UMOUNT_NOFOLLOW) < 0 ? -errno : 0;
      return umount2 (t, MNT_DETACH) < 0 ? -errno : 0;
    }
  return -EINVAL;
}

/* The worker: joins the caller's view, decides, acts. Forked from the
 * monitor, so it allocates nothing. */
static _Noreturn void
worker (const struct job *j, int out, const struct mgr_mnt_protected *protected, const struct mgr_mnt_keys *owned)
{
  struct result res = { 0 };
  struct mgr_mnt_obj tobj, sobj, uobj;
  struct mgr_mnt_request r = j->r;
  _cleanup_close_ int fd_dir = open ("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC);
  _cleanup_close_ int dir_fd = -1;
  int tfd = -1, sfd = -1, e;
  const char *why = NULL;
  char name[NAME_MAX + 1], at[NAME_MAX + 32];

  /* The ipc namespace too: an mqueue mount shows the mounter's. */
  if (fd_dir < 0 || setns (j->ipcns, CLONE_NEWIPC) < 0 || setns (j->mntns, CLONE_NEWNS) < 0 || fchdir (j->root) < 0
      || chroot (".") < 0 || fchdir (j->cwd) < 0)
    {
      res.err = errno;
      res.refused = true;
      snprintf (res.why, sizeof res.why, "joining the caller's mount namespace and root");
      goto out;
    }
  if (j->tfd >= 0)
    tfd = (e = mgr_mount_describe (j->tfd, &tobj)) < 0 ? e : j->tfd;
  else
    tfd = mgr_mount_open (j->root, j->target, !j->nofollow, &tobj);
  if (tfd < 0)
    {
      res.err = -tfd;
      snprintf (res.why, sizeof res.why, "opening the target");
      goto out;
    }
  r.target = &tobj;
  if (r.op == MGR_MNT_BIND || r.op == MGR_MNT_MOVE)
    {
      if (!j->has_source)
        {
          res.err = EFAULT;
          goto out;
        }
      if (j->sfd >= 0)
        sfd = (e = mgr_mount_describe (j->sfd, &sobj)) < 0 ? e : j->sfd;
      else
        sfd = mgr_mount_open (j->root, j->source, true, &sobj);
      if (sfd < 0)
        {
          res.err = -sfd;
          snprintf (res.why, sizeof res.why, "opening the source");
          goto out;
        }
      r.source = &sobj;
    }
  if (r.op == MGR_MNT_UMOUNT)
    {
      if (!tobj.mount_root)
        {
          res.err = EINVAL; /* what the kernel says of a folder that is no mountpoint */
          goto out;
        }
      if (mgr_mount_place (j->root, fd_dir, tfd, &dir_fd, name, sizeof name, &uobj) == 0)
        r.under = &uobj;
    }
  r.fstype = j->fstype;
  if ((e = mgr_mountpolicy_decide (&r, protected, owned, &why)) < 0)
    {
      res.err = -e;
      res.refused = true;
      snprintf (res.why, sizeof res.why, "%s", why);
      goto out;
    }
  const char *umount_at = NULL;
  if (r.op == MGR_MNT_UMOUNT && dir_fd >= 0 && !(r.flags & MNT_DETACH))
    {
      /* Its place names it now: our own references to it go, or the
       * kernel would count them as users. */
      snprintf (at, sizeof at, "%d/%s", dir_fd, name);
      umount_at = at;
      close (tfd);
      tfd = -1;
    }
  e = mgr_mount_perform (&r, j->has_source ? j->source : NULL, j->has_data ? j->data : NULL, tfd, sfd, fd_dir, umount_at,
                         &j->live, &res.key);
  res.err = -e;
  res.made = e == 0 && r.op == MGR_MNT_NEW;
out:
  (void) !write (out, &res, sizeof res);
  _exit (0);
}

/* A NUL-terminated string from the caller's memory, a page at a time so that
 * a string ending before an unmapped page reads. */
static int
read_string (int mem, uint64_t addr, char *buf, size_t size, bool truncate_ok)
{
  size_t got = 0;
  while (got < size - 1)
    {
      size_t chunk = 4096 - ((addr + got) & 4095);
      if (chunk > size - 1 - got)
        chunk = size - 1 - got;
      ssize_t n = pread (mem, buf + got, chunk, (off_t) (addr + got));
      if (n <= 0)
        return -EFAULT;
      if (memchr (buf + got, '\0', (size_t) n))
        return 0;
      got += (size_t) n;
    }
  buf[size - 1] = '\0';
  return truncate_ok ? 0 : -ENAMETOOLONG;
}

/* The caller must be able to mount by itself: CAP_SYS_ADMIN in the user
 * namespace the container shares with the host. A process that made a user
 * namespace of its own has every capability there, and nothing here. */
static bool
caller_may_mount (MgrMountNotify *n, pid_t pid)
{
  char path[64], line[256];
  struct stat st;
  bool ok = false;
  snprintf (path, sizeof path, "/proc/%d/ns/user", pid);
  if (stat (path, &st) < 0 || st.st_ino != n->userns.st_ino || st.st_dev != n->userns.st_dev)
    return false;
  snprintf (path, sizeof path, "/proc/%d/status", pid);
  FILE *f = fopen (path, "re");
  while (f && fgets (line, sizeof line, f))
    {
      unsigned long long caps;
      if (sscanf (line, "CapEff: %llx", &caps) == 1)
        ok = (caps >> 21) & 1; /* CAP_SYS_ADMIN */
    }
  if (f)
    fclose (f);
  return ok;
}

static int
prepare (MgrMountNotify *n, const struct seccomp_notif *req, struct job *j)
{
  char path[64];
  g_autofree char *name = seccomp_syscall_resolve_num_arch (req->data.arch, req->data.nr);
  const __u64 *a = req->data.args;
  int r;
  pid_t pid = (pid_t) req->pid;

  j->mntns = j->ipcns = j->root = j->cwd = j->tfd = j->sfd = -1;
  j->live = (struct mgr_mnt_live){ n->fd, req->id };
  if (!name)
    return -ENOSYS;
  if (!caller_may_mount (n, pid))
    return -EPERM;
  snprintf (path, sizeof path, "/proc/%d/mem", pid);
  _cleanup_close_ int mem = open (path, O_RDONLY | O_CLOEXEC);
  if (mem < 0)
    return -EPERM;
  /* By number: the notification is checked to be live after this, which
   * proves the number still was the caller's (pidfd_open needs a thread
   * group leader before 6.9, or PIDFD_THREAD since). */
  _cleanup_close_ int pidfd = syscall (SYS_pidfd_open, pid, 0);
  if (pidfd < 0 && errno == EINVAL)
    pidfd = syscall (SYS_pidfd_open, pid, PIDFD_THREAD);
  if (strcmp (name, "mount") == 0)
    {
      unsigned long flags = (unsigned long) a[3];
      j->r.op = mgr_mountpolicy_classify (&flags);
      j->r.flags = flags;
      if (!a[1] || (r = read_string (mem, a[1], j->target, sizeof j->target, false)) < 0)
        return a[1] ? r : -EFAULT;
      if (a[0] && (j->r.op == MGR_MNT_NEW || j->r.op == MGR_MNT_BIND || j->r.op == MGR_MNT_MOVE))
        {
          if ((r = read_string (mem, a[0], j->source, sizeof j->source, false)) < 0)
            return r;
          j->has_source = true;
        }
      if (j->r.op == MGR_MNT_NEW)
        {
          if (!a[2] || (r = read_string (mem, a[2], j->fstype, sizeof j->fstype, false)) < 0)
            return a[2] ? r : -EINVAL;
          j->r.flags |= mgr_mountpolicy_forced_flags (j->fstype);
        }
      if (a[4] && (j->r.op == MGR_MNT_NEW || j->r.op == MGR_MNT_REMOUNT))
        {
          if ((r = read_string (mem, a[4], j->data, sizeof j->data, true)) < 0)
            return r;
          j->has_data = true;
        }
    }
  else if (strcmp (name, "umount2") == 0 || strcmp (name, "umount") == 0)
    {
      j->r.op = MGR_MNT_UMOUNT;
      j->r.flags = strcmp (name, "umount2") == 0 ? (unsigned long) a[1] : 0;
      if (j->r.flags & ~(unsigned long) (MNT_FORCE | MNT_DETACH | MNT_EXPIRE | UMOUNT_NOFOLLOW))
        return -EINVAL;
      j->nofollow = (j->r.flags & UMOUNT_NOFOLLOW) != 0;
      if (!a[0] || (r = read_string (mem, a[0], j->target, sizeof j->target, false)) < 0)
        return a[0] ? r : -EFAULT;
    }
  else
    return -ENOSYS;

  if ((r = mgr_mount_caller_fd (pidfd, pid, j->target, &j->tfd)) < 0)
    return r;
  /* A new filesystem's source is a name, not a path. */
  if (j->has_source && j->r.op != MGR_MNT_NEW && (r = mgr_mount_caller_fd (pidfd, pid, j->source, &j->sfd)) < 0)
    return r;
  snprintf (path, sizeof path, "/proc/%d/ns/mnt", pid);
  j->mntns = open (path, O_RDONLY | O_CLOEXEC);
  snprintf (path, sizeof path, "/proc/%d/ns/ipc", pid);
  j->ipcns = open (path, O_RDONLY | O_CLOEXEC);
  snprintf (path, sizeof path, "/proc/%d/root", pid);
  j->root = open (path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  snprintf (path, sizeof path, "/proc/%d/cwd", pid);
  j->cwd = open (path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (j->mntns < 0 || j->ipcns < 0 || j->root < 0 || j->cwd < 0)
    return -EPERM;
  return 0;
}

/* Before the answer: the caller, once answered, may unmount what our copy
 * of its fd names, and the kernel would count that copy as a user (EBUSY). */
static void
job_close (struct job *j)
{
  for (int *fd[] = { &j->mntns, &j->ipcns, &j->root, &j->cwd, &j->tfd, &j->sfd }, i = 0; i < 6; i++)
    if (*fd[i] >= 0)
      {
        close (*fd[i]);
        *fd[i] = -1;
      }
}

static void
respond (MgrMountNotify *n, guint64 id, int err)
{
  memset (n->resp, 0, n->resp_size);
  n->resp->id = id;
  n->resp->error = err ? -err : 0;
  n->resp->val = 0;
  /* The caller may have been killed meanwhile: ENOENT, nothing to do. */
  (void) ioctl (n->fd, SECCOMP_IOCTL_NOTIF_SEND, n->resp);
}

bool
mgr_mount_notify_handle (MgrMountNotify *n)
{
  struct job *j = g_new0 (struct job, 1);
  struct result res = { 0 };
  int err;

  memset (n->req, 0, n->req_size);
  if (ioctl (n->fd, SECCOMP_IOCTL_NOTIF_RECV, n->req) < 0)
    {
      g_free (j);
      /* EINTR, or the caller died before we read it (ENOENT). */
      return errno == EINTR || errno == ENOENT;
    }
  guint64 id = n->req->id;
  err = -prepare (n, n->req, j);
  /* Everything read above (memory, status, namespaces) belongs to the
   * caller only if it is still waiting on this very notification: a pid
   * can be reused once the caller has died. */
  if (ioctl (n->fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) < 0)
    goto done;
  if (err)
    {
      job_close (j);
      respond (n, id, err);
      goto done;
    }

  int p[2];
  if (pipe2 (p, O_CLOEXEC) < 0)
    {
      int e = errno;
      job_close (j);
      respond (n, id, e);
      goto done;
    }
  struct mgr_mnt_keys owned = { n->owned->len, (const struct mgr_mnt_key *) (void *) n->owned->data };
  pid_t pid = fork ();
  if (pid == 0)
    {
      close (p[0]);
      worker (j, p[1], &n->protected, &owned);
    }
  close (p[1]);
  if (pid < 0)
    {
      close (p[0]);
      job_close (j);
      respond (n, id, EAGAIN);
      goto done;
    }
  /* The worker is reaped with the monitor's other children (SIGCHLD). */
  struct pollfd pf = { p[0], POLLIN, 0 };
  int pr;
  do
    pr = poll (&pf, 1, WORKER_TIMEOUT_MS);
  while (pr < 0 && errno == EINTR);
  if (pr <= 0 || read (p[0], &res, sizeof res) != sizeof res)
    {
      kill (pid, SIGKILL);
      res.err = pr == 0 ? ETIMEDOUT : EIO;
      res.refused = true;
      snprintf (res.why, sizeof res.why, "%s", pr == 0 ? "the mount did not finish in time" : "the worker failed");
    }
  close (p[0]);
  /* Answered only once the worker is gone: its root, working folder and
   * fds are in the caller's mount namespace, and a umount the caller makes
   * next would find them still using the mount (EBUSY). A pidfd polls
   * readable after the exiting task let go of all of them. */
  int wfd = syscall (SYS_pidfd_open, pid, 0);
  if (wfd >= 0)
    {
      struct pollfd wp = { wfd, POLLIN, 0 };
      while (poll (&wp, 1, WORKER_TIMEOUT_MS) < 0 && errno == EINTR)
        ;
      close (wfd);
    }
  if (res.made)
    {
      struct mgr_mnt_obj o = { .key = res.key };
      struct mgr_mnt_keys view = { n->owned->len, (const struct mgr_mnt_key *) (void *) n->owned->data };
      if (!mgr_mountpolicy_is_owned (&view, &o))
        g_array_append_val (n->owned, res.key);
      if (n->owned->len > OWNED_MAX)
        g_array_remove_range (n->owned, 0, n->owned->len - OWNED_MAX);
    }
  /* What the kernel answered (ENOENT, EBUSY, EINVAL) is the caller's
   * business, as it would be without the monitor; refusals are logged. */
  if (res.err && res.refused && n->note)
    {
      g_autofree char *text = g_strdup_printf (
        "%s %s%s%s%s%s%s (flags 0x%lx) by pid %u: %s: %s", j->r.op == MGR_MNT_UMOUNT ? "umount" : "mount",
        j->r.op == MGR_MNT_NEW ? "-t " : "", j->r.op == MGR_MNT_NEW ? j->fstype : "", j->r.op == MGR_MNT_NEW ? " " : "",
        j->has_source ? j->source : "",
        j->has_source ? " on " : "", j->target, j->r.flags, n->req->pid, res.why[0] ? res.why : "refused",
        g_strerror (res.err));
      g_autofree char *safe = g_strescape (text, NULL);
      /* Every service systemd starts with ProtectKernelLogs= and the like
       * tries the same refused umounts: each line once. */
      char *key = g_strdup_printf ("%s %s %s", j->r.op == MGR_MNT_UMOUNT ? "u" : "m", j->target, res.why);
      if (g_hash_table_size (n->noted) < NOTED_MAX && g_hash_table_add (n->noted, key))
        n->note (n->note_data, safe);
      else if (g_hash_table_size (n->noted) >= NOTED_MAX)
        g_free (key);
    }
  job_close (j);
  respond (n, id, res.err);

done:
  job_close (j);
  g_free (j);
  return true;
}
