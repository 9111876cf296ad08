/* The container's filesystem tree: rootfs, [mount] entries, /proc, /sys,
 * then pivot_root. Runs in the child, in its new mount namespace.
 *
 * The rootfs is untrusted: every target inside it is opened with openat2
 * and RESOLVE_NO_SYMLINKS beneath the rootfs, and mounted through that fd
 * (/proc/self/fd/N), so a symlink planted in the rootfs cannot redirect a
 * mount onto the host. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <linux/sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "child.h"
#include "util.h"

int
mgr_open_beneath (int root_fd, const char *path, enum mgr_mount_create create, int flags)
{
  char comp[NAME_MAX + 1];
  int cur = dup (root_fd);
  const char *p = path;

  if (cur < 0)
    return -errno;
  while (*p == '/')
    p++;
  if (!*p)
    return cur;
  /* Nothing to create and no "..": one openat2 for the whole path refuses
   * what the walk below refuses (any symlink on the way, magic links,
   * leaving the root), in 2 system calls instead of 3 per component plus
   * 2; a start opens some 40 paths so (the masks, the cgroup views). */
  if (create == MGR_CREATE_NONE && !strstr (p, ".."))
    {
      close (cur);
      int fd = mgr_openat2_beneath (root_fd, p, flags);
      if (fd < 0)
        return -errno;
      /* O_PATH|O_NOFOLLOW opens a final symlink itself: refuse it too. */
      struct stat st;
      if (fstat (fd, &st) == 0 && S_ISLNK (st.st_mode))
        {
          close (fd);
          return -ELOOP;
        }
      return fd;
    }
  while (*p)
    {
      const char *end = strchr (p, '/');
      size_t len = end ? (size_t) (end - p) : strlen (p);
      bool last = true;
      for (const char *q = p + len; *q; q++)
        if (*q != '/')
          last = false;
      if (len > NAME_MAX)
        {
          close (cur);
          return -ENAMETOOLONG;
        }
      memcpy (comp, p, len);
      comp[len] = '\0';
      if (create != MGR_CREATE_NONE)
        {
          int r = last && create == MGR_CREATE_FILE
                    ? mknodat (cur, comp, S_IFREG | 0644, 0)
                    : mkdirat (cur, comp, 0755);
          if (r < 0 && errno != EEXIST)
            {
              int e = errno;
              close (cur);
              return -e;
            }
        }
      int next = mgr_openat2_beneath (cur, comp, last ? flags : O_PATH | O_DIRECTORY);
      int e = errno;
      struct stat lst;
      /* O_DIRECTORY reports a symlink as ENOTDIR: say what it really is. */
      if (next < 0 && e == ENOTDIR && fstatat (cur, comp, &lst, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK (lst.st_mode))
        e = ELOOP;
      close (cur);
      if (next < 0)
        return -e;
      /* O_PATH|O_NOFOLLOW opens a final symlink itself: refuse it too. */
      struct stat st;
      if (fstat (next, &st) == 0 && S_ISLNK (st.st_mode))
        {
          close (next);
          return -ELOOP;
        }
      cur = next;
      p += len;
      while (*p == '/')
        p++;
    }
  return cur;
}

static void
set_err (struct mgr_child_error *err, enum mgr_step step, const char *a, const char *b)
{
  err->step = step;
  snprintf (err->detail, PATH_MAX, "%s%s", a ? a : "", b ? b : "");
}

static void
fd_path (char *buf, size_t len, int fd)
{
  snprintf (buf, len, "/proc/self/fd/%d", fd);
}

/* Mounts onto a target beneath the rootfs; src NULL for pseudo filesystems. */
static int
mount_beneath (int rootfs_fd, const char *target, enum mgr_mount_create create, const char *src,
               const char *type, unsigned long flags, const void *data)
{
  char via[64];
  _cleanup_close_ int fd = mgr_open_beneath (rootfs_fd, target, create, O_PATH);
  if (fd < 0)
    return fd;
  fd_path (via, sizeof via, fd);
  if (mount (src, via, type, flags, data) < 0)
    return -errno;
  return 0;
}

static uint64_t
mount_attr_of (unsigned long ms)
{
  uint64_t a = 0;
  if (ms & MS_RDONLY)
    a |= MOUNT_ATTR_RDONLY;
  if (ms & MS_NOSUID)
    a |= MOUNT_ATTR_NOSUID;
  if (ms & MS_NODEV)
    a |= MOUNT_ATTR_NODEV;
  if (ms & MS_NOEXEC)
    a |= MOUNT_ATTR_NOEXEC;
  if (ms & MS_NODIRATIME)
    a |= MOUNT_ATTR_NODIRATIME;
  if (ms & MS_NOATIME)
    a |= MOUNT_ATTR_NOATIME;
  else if (ms & MS_STRICTATIME)
    a |= MOUNT_ATTR_STRICTATIME;
  else if (ms & MS_RELATIME)
    a |= MOUNT_ATTR_RELATIME;
  return a;
}

/* A bind mount with its flags. The flags of a bind mount only take effect
 * through a second call on the new mount, and that call must keep what the
 * kernel locked: in a user namespace a host mount's nosuid/nodev/noexec/
 * atime flags are locked, and MS_REMOUNT without them fails with EPERM.
 * mount_setattr (Linux 5.12) changes only the flags it names, on a whole
 * tree at once with AT_RECURSIVE, so rbind,ro makes every submount
 * read-only; it works on the detached clone before it is attached, so the
 * container never sees the mount writable. Older kernels: mount + remount
 * keeping the flags statvfs reports (crun's do_remount does the same). */
static int
bind_mount (const char *src, int src_fd, int rootfs_fd, const char *target, int target_fd, const char *via,
            const struct mgr_mount_opts *o, bool legacy)
{
  unsigned int rec = o->recursive ? AT_RECURSIVE : 0;
  struct mount_attr attr = {
    .attr_set = mount_attr_of (o->flags),
    .attr_clr = mount_attr_of (o->clear),
  };
  /* The atime modes are one field (relatime is 0): naming one clears it first. */
  if (o->flags & (MS_NOATIME | MS_STRICTATIME | MS_RELATIME))
    attr.attr_clr |= MOUNT_ATTR__ATIME;
  attr.attr_clr &= ~(attr.attr_set & ~(uint64_t) MOUNT_ATTR__ATIME);

  _cleanup_close_ int tree = -1;
  if (legacy)
    goto old_api;
  tree = src_fd >= 0
    ? syscall (SYS_open_tree, src_fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | rec)
    : syscall (SYS_open_tree, AT_FDCWD, src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | rec);
  if (tree >= 0)
    {
      if ((attr.attr_set || attr.attr_clr)
          && syscall (SYS_mount_setattr, tree, "", AT_EMPTY_PATH | rec, &attr, sizeof attr) < 0)
        {
          if (errno != ENOSYS)
            return -errno;
          goto old_api;
        }
      /* Onto the fd itself: through its /proc/self/fd path move_mount fails
       * with EINVAL. */
      if (syscall (SYS_move_mount, tree, "", target_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
        return -errno;
      return 0;
    }
  if (errno != ENOSYS)
    return -errno;

old_api:
  if (o->recursive && (o->flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)))
    return -EOPNOTSUPP; /* a remount changes only the top mount of the tree */
  if (mount (src, via, NULL, MS_BIND | (o->recursive ? MS_REC : 0), NULL) < 0)
    return -errno;
  if (!(o->flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME)))
    return 0;
  /* The fd names the mount point below the new mount: reopen it. */
  char top[64];
  _cleanup_close_ int fd = mgr_open_beneath (rootfs_fd, target, MGR_CREATE_NONE, O_PATH);
  if (fd < 0)
    return fd;
  fd_path (top, sizeof top, fd);
  struct statvfs sv;
  if (statvfs (top, &sv) < 0)
    return -errno;
  static const struct { unsigned long st, ms; } kept[] = {
    { ST_NOSUID, MS_NOSUID }, { ST_NODEV, MS_NODEV }, { ST_NOEXEC, MS_NOEXEC },
    { ST_NOATIME, MS_NOATIME }, { ST_NODIRATIME, MS_NODIRATIME }, { ST_RELATIME, MS_RELATIME },
  };
  unsigned long flags = o->flags;
  for (size_t i = 0; i < G_N_ELEMENTS (kept); i++)
    if ((sv.f_flag & kept[i].st) && !(o->clear & kept[i].ms))
      flags |= kept[i].ms;
  if (mount (NULL, top, NULL, MS_BIND | MS_REMOUNT | flags, NULL) < 0)
    return -errno;
  return 0;
}

static int
apply_mount (const struct mgr_child *c, int rootfs_fd, const struct mgr_child_mount *cm, struct mgr_child_error *err)
{
  const struct mgr_mount *m = cm->m;
  const struct mgr_mount_opts *o = &m->options;
  unsigned long flags = o->flags & ~(unsigned long) MS_RDONLY;
  char via[64], src_via[64];
  const char *src = m->source;
  _cleanup_close_ int src_fd = -1;

  if (o->bind && cm->source_root)
    {
      /* Opened before the target, in this mount namespace (a bind from an
       * fd of another namespace fails), and mounted through the fd. */
      set_err (err, MGR_STEP_MOUNT_SOURCE, m->name, NULL);
      _cleanup_close_ int root_fd = open (cm->source_root, O_PATH | O_DIRECTORY | O_CLOEXEC);
      if (root_fd < 0)
        return -errno;
      src_fd = mgr_open_beneath (root_fd, cm->source_rel, MGR_CREATE_NONE, O_PATH);
      if (src_fd == -ENOENT && o->optional)
        return 0;
      if (src_fd < 0)
        return src_fd;
      fd_path (src_via, sizeof src_via, src_fd);
      src = src_via;
    }
  else if (o->optional && m->source && o->bind && access (m->source, F_OK) < 0)
    return 0;
  _cleanup_close_ int fd = mgr_open_beneath (rootfs_fd, cm->target, o->create, O_PATH);
  if (fd < 0)
    {
      if (o->optional && fd == -ENOENT)
        return 0;
      set_err (err, MGR_STEP_MOUNT_TARGET, m->target, NULL);
      return fd;
    }
  fd_path (via, sizeof via, fd);
  set_err (err, MGR_STEP_MOUNT_ENTRY, m->name, NULL);
  int r;
  if (o->bind)
    {
      if ((r = bind_mount (src, src_fd, rootfs_fd, cm->target, fd, via, o, c->legacy_mount_api)) < 0)
        return r;
    }
  else if (mount (m->source, via, m->type, flags | (o->flags & MS_RDONLY), o->data) < 0)
    return -errno;
  if (o->propagation)
    {
      /* The fd names the mount point below the new mount: reopen it. */
      close (fd);
      fd = mgr_open_beneath (rootfs_fd, cm->target, MGR_CREATE_NONE, O_PATH);
      if (fd < 0)
        return fd;
      fd_path (via, sizeof via, fd);
      if (mount (NULL, via, NULL, o->propagation, NULL) < 0)
        return -errno;
    }
  return 0;
}

/* /sys/fs/cgroup as the container sees it, through its cgroup namespace:
 * rooted at the container's own cgroup, so that nothing above it is even
 * visible. cgroup2 is writable (the container's init manages its subtree:
 * systemd makes init.scope and its slices there); on v1 and hybrid hosts a
 * tmpfs with each controller hierarchy read-only, and name=systemd, which
 * has no controller and is only systemd's process tracking, writable. */
/* A host cgroup folder bound onto name beneath dirfd, read-only if asked;
 * -errno. */
static int
bind_ro (const char *src, int dirfd, const char *name, bool ro)
{
  char via[64];
  _cleanup_close_ int fd = mgr_open_beneath (dirfd, name, MGR_CREATE_NONE, O_PATH);
  if (!src)
    return -ENOENT;
  if (fd < 0)
    return fd;
  fd_path (via, sizeof via, fd);
  if (mount (src, via, NULL, MS_BIND, NULL) < 0)
    return -errno;
  if (!ro)
    return 0;
  /* The fd names the folder below the new mount: reopen it. */
  close (fd);
  fd = mgr_open_beneath (dirfd, name, MGR_CREATE_NONE, O_PATH);
  if (fd < 0)
    return fd;
  fd_path (via, sizeof via, fd);
  return mount (NULL, via, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0 ? -errno : 0;
}

static int
cgroup_view (const struct mgr_child *c, int rootfs_fd, const char *target, bool ro, struct mgr_child_error *err)
{
  char via[64], sub[NAME_MAX + 1];
  unsigned long common = MS_NOSUID | MS_NODEV | MS_NOEXEC;
  unsigned long v2flags = common | (ro ? MS_RDONLY : 0);
  if (!c->cgroup_v1 && !c->cgroup_v2)
    return 0;
  set_err (err, MGR_STEP_CGROUP_VIEW, "/", target);
  _cleanup_close_ int fd = mgr_open_beneath (rootfs_fd, target, c->plan->oci.set ? MGR_CREATE_DIR : MGR_CREATE_NONE,
                                             O_PATH | O_DIRECTORY);
  if (fd == -ENOENT)
    return 0;
  if (fd < 0)
    return fd;
  fd_path (via, sizeof via, fd);
  /* Without a cgroup namespace a fresh mount would show the host's whole
   * hierarchy: the container's own folders are bound instead. */
  bool bind = c->cgroup_v1_dirs != NULL;
  if (c->cgroup_v2 && !c->cgroup_v2[0] && (!c->cgroup_v1 || !c->cgroup_v1[0]))
    {
      if (!bind)
        return mount ("cgroup2", via, "cgroup2", v2flags, NULL) < 0 ? -errno : 0;
      return bind_ro (c->cgroup_v2_dir, rootfs_fd, target, ro);
    }
  if (mount ("cgroup", via, "tmpfs", common, "mode=755,size=64k") < 0)
    return -errno;
  close (fd);
  fd = mgr_open_beneath (rootfs_fd, target, MGR_CREATE_NONE, O_RDONLY | O_DIRECTORY);
  if (fd < 0)
    return fd;
  for (const char *const *o = c->cgroup_v1; o && *o; o++)
    {
      const char *name = strncmp (*o, "name=", 5) == 0 ? *o + 5 : *o;
      snprintf (sub, sizeof sub, "%s", name);
      set_err (err, MGR_STEP_CGROUP_VIEW, "/sys/fs/cgroup/", sub);
      _cleanup_close_ int d = mkdirat (fd, sub, 0755) < 0 ? -1 : openat (fd, sub, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (d < 0)
        return -errno;
      fd_path (via, sizeof via, d);
      bool own = strcmp (*o, "name=systemd") == 0 && !ro;
      if (bind)
        {
          int r = bind_ro (c->cgroup_v1_dirs[o - c->cgroup_v1], fd, sub, !own);
          if (r < 0)
            return r;
        }
      else if (mount ("cgroup", via, "cgroup", common | (own ? 0 : MS_RDONLY), *o) < 0)
        return -errno;
    }
  if (c->cgroup_v2)
    {
      set_err (err, MGR_STEP_CGROUP_VIEW, "/sys/fs/cgroup/", c->cgroup_v2);
      _cleanup_close_ int d = mkdirat (fd, c->cgroup_v2, 0755) < 0 ? -1
                              : openat (fd, c->cgroup_v2, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (d < 0)
        return -errno;
      fd_path (via, sizeof via, d);
      if (bind)
        {
          int r = bind_ro (c->cgroup_v2_dir, fd, c->cgroup_v2, ro);
          if (r < 0)
            return r;
        }
      else if (mount ("cgroup2", via, "cgroup2", v2flags, NULL) < 0)
        return -errno;
    }
  fd_path (via, sizeof via, fd);
  if (mount (NULL, via, NULL, MS_REMOUNT | MS_RDONLY | common, "mode=755,size=64k") < 0)
    return -errno;
  return 0;
}

/* What the container must not read: files become /dev/null, folders an
 * empty read-only tmpfs. */
static const char *const masked_files[] = {
  "proc/kcore", "proc/keys", "proc/key-users", "proc/timer_list", "proc/sched_debug", "proc/latency_stats",
  "proc/kallsyms", "proc/kpagecount", "proc/kpageflags", "proc/kpagecgroup", "proc/sysrq-trigger",
};
static const char *const masked_dirs[] = {
  "proc/acpi", "proc/scsi", "proc/asound", "sys/firmware", "sys/devices/virtual/powercap", "sys/kernel/security",
  "sys/kernel/debug",
};
/* What it must not change. */
static const char *const readonly[] = { "proc/sys", "proc/irq", "proc/bus", "proc/fs" };

static int
readonly_bind (int rootfs_fd, const char *path, bool rdonly)
{
  char via[64];
  _cleanup_close_ int fd = mgr_open_beneath (rootfs_fd, path, MGR_CREATE_NONE, O_PATH);
  if (fd < 0)
    return fd == -ENOENT ? 0 : fd;
  fd_path (via, sizeof via, fd);
  if (mount (via, via, NULL, MS_BIND | MS_REC, NULL) < 0)
    return -errno;
  /* Reopen: the fd still names the mount below the new one. */
  close (fd);
  fd = mgr_open_beneath (rootfs_fd, path, MGR_CREATE_NONE, O_PATH);
  fd_path (via, sizeof via, fd);
  if (fd < 0 || mount (NULL, via, NULL, MS_BIND | MS_REMOUNT | MS_NOSUID | MS_NODEV | MS_NOEXEC | (rdonly ? MS_RDONLY : 0),
                       NULL) < 0)
    return fd < 0 ? fd : -errno;
  return 0;
}

static int
mask_kernel_files (const struct mgr_child *c, int rootfs_fd, struct mgr_child_error *err)
{
  char via[64];
  int r;
  for (size_t i = 0; i < G_N_ELEMENTS (masked_files); i++)
    {
      set_err (err, MGR_STEP_MASK, "/", masked_files[i]);
      _cleanup_close_ int fd = mgr_open_beneath (rootfs_fd, masked_files[i], MGR_CREATE_NONE, O_PATH);
      if (fd == -ENOENT)
        continue;
      if (fd < 0)
        return fd;
      fd_path (via, sizeof via, fd);
      if (mount ("/dev/null", via, NULL, MS_BIND, NULL) < 0)
        return -errno;
    }
  for (size_t i = 0; i < G_N_ELEMENTS (masked_dirs); i++)
    {
      set_err (err, MGR_STEP_MASK, "/", masked_dirs[i]);
      _cleanup_close_ int fd = mgr_open_beneath (rootfs_fd, masked_dirs[i], MGR_CREATE_NONE, O_PATH | O_DIRECTORY);
      if (fd == -ENOENT)
        continue;
      if (fd < 0)
        return fd;
      fd_path (via, sizeof via, fd);
      if (mount ("mgr-masked", via, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=0,mode=555") < 0)
        return -errno;
    }
  for (size_t i = 0; i < G_N_ELEMENTS (readonly); i++)
    {
      set_err (err, MGR_STEP_READONLY, "/", readonly[i]);
      if ((r = readonly_bind (rootfs_fd, readonly[i], true)) < 0)
        return r;
    }
  /* A private network namespace's sysctls are the container's own. */
  set_err (err, MGR_STEP_READONLY, "/", "proc/sys/net");
  if (c->own_netns && (r = readonly_bind (rootfs_fd, "proc/sys/net", false)) < 0)
    return r;
  return 0;
}

/* What a distribution's init expects to find made, as systemd-nspawn and
 * LXC make it: /run and /run/lock as tmpfs, /run/systemd/container, and a
 * boot id of this boot rather than the host's (journald files each boot
 * under it). A privileged container's init cannot mount them itself:
 * seccomp refuses it the mount family. */
static int
run_and_boot_id (const struct mgr_child *c, int rootfs_fd, struct mgr_child_error *err)
{
  struct stat st;
  int r;
  if (fstatat (rootfs_fd, "run", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR (st.st_mode))
    {
      set_err (err, MGR_STEP_RUN, "/", "run");
      if ((r = mount_beneath (rootfs_fd, "run", MGR_CREATE_NONE, "tmpfs", "tmpfs", MS_NOSUID | MS_NODEV,
                              "mode=755,size=20%,nr_inodes=800k")) < 0)
        return r;
      set_err (err, MGR_STEP_RUN, "/", "run/lock");
      if ((r = mount_beneath (rootfs_fd, "run/lock", MGR_CREATE_DIR, "tmpfs", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
                              "mode=1777,size=5m")) < 0)
        return r;
      set_err (err, MGR_STEP_RUN, "/", "run/host");
      if (mkdirat (rootfs_fd, "run/host", 0755) < 0)
        return -errno;
      set_err (err, MGR_STEP_RUN, "/", "run/systemd/container");
      _cleanup_close_ int dir = mgr_open_beneath (rootfs_fd, "run/systemd", MGR_CREATE_DIR, O_PATH | O_DIRECTORY);
      if (dir < 0)
        return dir;
      _cleanup_close_ int f = openat (dir, "container", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0444);
      if (f < 0 || write (f, "mgr\n", 4) != 4)
        return -errno;
    }
  if (c->boot_id)
    {
      /* The file lives on the container's /dev tmpfs, which this mount
       * namespace owns (a bind source from the monitor's namespace would be
       * refused), and is unlinked once bound: only the bind keeps it. */
      char via[64], src[64];
      set_err (err, MGR_STEP_BOOT_ID, "/", "proc/sys/kernel/random/boot_id");
      _cleanup_close_ int dev = mgr_open_beneath (rootfs_fd, "dev", MGR_CREATE_NONE, O_PATH | O_DIRECTORY);
      if (dev < 0)
        return dev;
      _cleanup_close_ int id = openat (dev, ".mgr-boot-id", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0444);
      size_t len = strlen (c->boot_id);
      if (id < 0 || write (id, c->boot_id, len) != (ssize_t) len || write (id, "\n", 1) != 1)
        return -errno;
      _cleanup_close_ int fd = mgr_open_beneath (rootfs_fd, "proc/sys/kernel/random/boot_id", MGR_CREATE_NONE, O_PATH);
      if (fd < 0)
        return fd;
      fd_path (via, sizeof via, fd);
      fd_path (src, sizeof src, id);
      r = mount (src, via, NULL, MS_BIND, NULL) < 0 ? -errno : 0;
      unlinkat (dev, ".mgr-boot-id", 0);
      if (r < 0)
        return r;
      close (fd);
      fd = mgr_open_beneath (rootfs_fd, "proc/sys/kernel/random/boot_id", MGR_CREATE_NONE, O_PATH);
      if (fd < 0)
        return fd;
      fd_path (via, sizeof via, fd);
      if (mount (NULL, via, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
        return -errno;
    }
  return 0;
}

/* ---- an OCI bundle's tree: everything it lists, nothing of mgr's own ---- */

/* A device node at path inside the rootfs: made with mknod where the
 * container's root may (no user namespace), else the host's node of the
 * same path bound onto an empty file (runc and crun do the same). What the
 * rootfs had there is replaced: it is the image's, not a device. */
static int
oci_device (const struct mgr_child *c, int rootfs_fd, const char *path, char type, guint32 major, guint32 minor,
            guint32 mode, guint32 uid, guint32 gid, struct mgr_child_error *err)
{
  char dir[PATH_MAX], via[64];
  set_err (err, MGR_STEP_DEVICE, path, NULL);
  snprintf (dir, sizeof dir, "%s", path + 1);
  char *slash = strrchr (dir, '/');
  const char *base = slash ? slash + 1 : dir;
  if (slash)
    *slash = '\0';
  _cleanup_close_ int dfd = mgr_open_beneath (rootfs_fd, slash ? dir : "", MGR_CREATE_DIR, O_PATH | O_DIRECTORY);
  if (dfd < 0)
    return dfd;
  if (unlinkat (dfd, base, 0) < 0 && errno != ENOENT)
    return -errno;
  if (!c->plan->user_namespace)
    {
      mode_t kind = type == 'b' ? S_IFBLK : type == 'p' ? S_IFIFO : S_IFCHR;
      if (mknodat (dfd, base, kind | (mode & 07777), type == 'p' ? 0 : makedev (major, minor)) < 0
          || fchownat (dfd, base, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
        return -errno;
      return 0;
    }
  _cleanup_close_ int f = openat (dfd, base, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (f < 0)
    return -errno;
  fd_path (via, sizeof via, f);
  return mount (path, via, NULL, MS_BIND, NULL) < 0 ? -errno : 0;
}

static int
oci_devices (const struct mgr_child *c, int rootfs_fd, struct mgr_child_error *err)
{
  const struct mgr_oci_settings *o = &c->plan->oci;
  static const struct { const char *path; guint32 major, minor; } defaults[] = {
    { "/dev/null", 1, 3 }, { "/dev/zero", 1, 5 },    { "/dev/full", 1, 7 },
    { "/dev/random", 1, 8 }, { "/dev/urandom", 1, 9 }, { "/dev/tty", 5, 0 },
  };
  int r;
  for (size_t i = 0; i < G_N_ELEMENTS (defaults); i++)
    {
      bool listed = false;
      for (guint j = 0; j < o->n_devices && !listed; j++)
        listed = strcmp (o->devices[j].path, defaults[i].path) == 0;
      if (!listed
          && (r = oci_device (c, rootfs_fd, defaults[i].path, 'c', defaults[i].major, defaults[i].minor, 0666, 0, 0, err)) < 0)
        return r;
    }
  for (guint j = 0; j < o->n_devices; j++)
    {
      const struct mgr_device_node *d = &o->devices[j];
      if ((r = oci_device (c, rootfs_fd, d->path, d->type, d->major, d->minor, d->mode, d->uid, d->gid, err)) < 0)
        return r;
    }
  _cleanup_close_ int devfd = mgr_open_beneath (rootfs_fd, "dev", MGR_CREATE_DIR, O_PATH | O_DIRECTORY);
  if (devfd < 0)
    {
      set_err (err, MGR_STEP_DEV, "/dev in the rootfs", NULL);
      return devfd;
    }
  static const struct { const char *link, *target; } links[] = {
    { "fd", "/proc/self/fd" }, { "stdin", "/proc/self/fd/0" }, { "stdout", "/proc/self/fd/1" },
    { "stderr", "/proc/self/fd/2" },
  };
  for (size_t i = 0; i < G_N_ELEMENTS (links); i++)
    if (symlinkat (links[i].target, devfd, links[i].link) < 0 && errno != EEXIST)
      {
        set_err (err, MGR_STEP_DEV, links[i].link, NULL);
        return -errno;
      }
  /* With a devpts of its own, /dev/ptmx must be that instance's. */
  struct stat st;
  if (fstatat (devfd, "pts/ptmx", &st, AT_SYMLINK_NOFOLLOW) == 0)
    {
      set_err (err, MGR_STEP_DEV, "ptmx", NULL);
      if ((unlinkat (devfd, "ptmx", 0) < 0 && errno != ENOENT) || symlinkat ("pts/ptmx", devfd, "ptmx") < 0)
        return -errno;
    }
  if (c->console_path)
    {
      char via[64];
      set_err (err, MGR_STEP_CONSOLE_BIND, c->console_path, NULL);
      if (unlinkat (devfd, "console", 0) < 0 && errno != ENOENT)
        return -errno;
      _cleanup_close_ int f = openat (devfd, "console", O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
      if (f < 0)
        return -errno;
      fd_path (via, sizeof via, f);
      if (mount (c->console_path, via, NULL, MS_BIND, NULL) < 0)
        return -errno;
    }
  return 0;
}

static int
oci_sysctl (int rootfs_fd, char *const *sysctl, struct mgr_child_error *err)
{
  char path[PATH_MAX];
  for (char *const *s = sysctl; s && *s; s++)
    {
      const char *eq = strchr (*s, '=');
      int n = snprintf (path, sizeof path, "proc/sys/%.*s", (int) (eq - *s), *s);
      for (char *p = path + 9; p < path + n; p++)
        if (*p == '.')
          *p = '/';
      set_err (err, MGR_STEP_SYSCTL, *s, NULL);
      _cleanup_close_ int fd = mgr_open_beneath (rootfs_fd, path, MGR_CREATE_NONE, O_WRONLY);
      if (fd < 0)
        return fd;
      size_t len = strlen (eq + 1);
      if (write (fd, eq + 1, len) != (ssize_t) len)
        return -errno;
    }
  return 0;
}

static int
oci_mask (int rootfs_fd, char *const *masked, char *const *ro_paths, struct mgr_child_error *err)
{
  char via[64];
  int r;
  for (char *const *m = masked; m && *m; m++)
    {
      set_err (err, MGR_STEP_MASK, *m, NULL);
      _cleanup_close_ int fd = mgr_open_beneath (rootfs_fd, *m, MGR_CREATE_NONE, O_PATH);
      if (fd == -ENOENT)
        continue;
      if (fd < 0)
        return fd;
      struct stat st;
      if (fstat (fd, &st) < 0)
        return -errno;
      fd_path (via, sizeof via, fd);
      if (S_ISDIR (st.st_mode) ? mount ("mgr-masked", via, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=0,mode=555") < 0
                               : mount ("/dev/null", via, NULL, MS_BIND, NULL) < 0)
        return -errno;
    }
  for (char *const *m = ro_paths; m && *m; m++)
    {
      set_err (err, MGR_STEP_READONLY, *m, NULL);
      if ((r = readonly_bind (rootfs_fd, *m + 1, true)) < 0)
        return r;
    }
  return 0;
}

struct mgr_dirent64 {
  uint64_t ino;
  int64_t off;
  unsigned short reclen;
  unsigned char type;
  char name[];
};

/* tmpcopyup: copies the tree at from (the rootfs's folder, now covered)
 * into to (the new tmpfs), without following a symlink and without
 * allocating: a buffer of entries per level, at most 32 levels. */
static int
copy_tree (int from, int to, int depth)
{
  char buf[4096], link[PATH_MAX];
  if (depth > 32)
    return -ELOOP;
  for (;;)
    {
      long n = syscall (SYS_getdents64, from, buf, sizeof buf);
      if (n < 0)
        return -errno;
      if (n == 0)
        return 0;
      for (long off = 0; off < n;)
        {
          struct mgr_dirent64 *d = (struct mgr_dirent64 *) (buf + off);
          const char *name = d->name;
          struct stat st;
          int r = 0;
          off += d->reclen;
          if (strcmp (name, ".") == 0 || strcmp (name, "..") == 0)
            continue;
          if (fstatat (from, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
            return -errno;
          if (S_ISDIR (st.st_mode))
            {
              if (mkdirat (to, name, st.st_mode & 07777) < 0)
                return -errno;
              _cleanup_close_ int f = openat (from, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
              _cleanup_close_ int t = openat (to, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
              if (f < 0 || t < 0)
                return -errno;
              if ((r = copy_tree (f, t, depth + 1)) < 0)
                return r;
            }
          else if (S_ISREG (st.st_mode))
            {
              /* The image's file: never a wait on a FIFO put in its place. */
              struct stat fst;
              _cleanup_close_ int f = openat (from, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
              if (f < 0 || fstat (f, &fst) < 0)
                return -errno;
              if (!S_ISREG (fst.st_mode))
                return -EINVAL;
              _cleanup_close_ int t = openat (to, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, st.st_mode & 07777);
              if (t < 0)
                return -errno;
              for (off_t left = st.st_size; left > 0;)
                {
                  ssize_t w = sendfile (t, f, NULL, left);
                  if (w < 0 && errno == EINTR)
                    continue;
                  if (w <= 0)
                    return w < 0 ? -errno : -EIO;
                  left -= w;
                }
            }
          else if (S_ISLNK (st.st_mode))
            {
              ssize_t l = readlinkat (from, name, link, sizeof link - 1);
              if (l < 0)
                return -errno;
              link[l] = '\0';
              if (symlinkat (link, to, name) < 0)
                return -errno;
            }
          else if (S_ISCHR (st.st_mode) || S_ISBLK (st.st_mode))
            /* A device node an image keeps in a folder to copy up is not
             * made again: devices come from linux.devices only. */
            continue;
          else if (mknodat (to, name, st.st_mode, 0) < 0)
            return -errno;
          if (fchownat (to, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
            return -errno;
          if (S_ISDIR (st.st_mode) || S_ISREG (st.st_mode))
            fchmodat (to, name, st.st_mode & 07777, 0);
        }
    }
}

static int
oci_tmpcopyup (const struct mgr_child *c, int rootfs_fd, const struct mgr_child_mount *cm, struct mgr_child_error *err)
{
  struct stat st;
  int r;
  _cleanup_close_ int old = mgr_open_beneath (rootfs_fd, cm->target, MGR_CREATE_NONE, O_RDONLY | O_DIRECTORY);
  if ((r = apply_mount (c, rootfs_fd, cm, err)) < 0 || old < 0)
    return r;
  set_err (err, MGR_STEP_MOUNT_ENTRY, cm->m->name, " (tmpcopyup)");
  _cleanup_close_ int new = mgr_open_beneath (rootfs_fd, cm->target, MGR_CREATE_NONE, O_RDONLY | O_DIRECTORY);
  if (new < 0)
    return new;
  if (fstat (old, &st) < 0 || fchmod (new, st.st_mode & 07777) < 0 || fchown (new, st.st_uid, st.st_gid) < 0)
    return -errno;
  return copy_tree (old, new, 0);
}

/* process.terminal: a pty of the container's devpts, its peer bound onto
 * /dev/console, its controller sent to the host (sync 1b). */
static int
oci_console (const struct mgr_child *c, int rootfs_fd, struct mgr_child_error *err)
{
  char via[64], src[64];
  unsigned int n, unlock = 0;
  set_err (err, MGR_STEP_CONSOLE_BIND, "a pty of the container's /dev/pts (process.terminal needs a devpts mount there)", NULL);
  _cleanup_close_ int master = mgr_open_beneath (rootfs_fd, "dev/pts/ptmx", MGR_CREATE_NONE, O_RDWR | O_NOCTTY);
  if (master < 0)
    return master;
  if (ioctl (master, TIOCSPTLCK, &unlock) < 0 || ioctl (master, TIOCGPTN, &n) < 0)
    return -errno;
  int slave = ioctl (master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0)
    return -errno;
  struct winsize ws = { .ws_row = c->plan->oci.console_rows, .ws_col = c->plan->oci.console_cols };
  if ((ws.ws_row || ws.ws_col) && ioctl (master, TIOCSWINSZ, &ws) < 0)
    return -errno;
  *c->console_out = slave;
  _cleanup_close_ int dev = mgr_open_beneath (rootfs_fd, "dev", MGR_CREATE_NONE, O_PATH | O_DIRECTORY);
  if (dev < 0)
    return dev;
  if (unlinkat (dev, "console", 0) < 0 && errno != ENOENT)
    return -errno;
  _cleanup_close_ int f = openat (dev, "console", O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (f < 0)
    return -errno;
  fd_path (via, sizeof via, f);
  fd_path (src, sizeof src, slave);
  if (mount (src, via, NULL, MS_BIND, NULL) < 0)
    return -errno;
  /* sync 1b: the controller goes to the host, which hands it to the engine. */
  return mgr_child_send_fd (c->sync_fd, MGR_SYNC_CONSOLE, master);
}

static int
oci_tree (const struct mgr_child *c, int rootfs_fd, struct mgr_child_error *err)
{
  const struct mgr_oci_settings *o = &c->plan->oci;
  int r;
  /* Nodes and files get exactly the modes the bundle gives. */
  umask (0);
  for (guint i = 0; i < c->n_mounts; i++)
    {
      const struct mgr_mount *m = c->mounts[i].m;
      if (m->type && (strcmp (m->type, "cgroup") == 0 || strcmp (m->type, "cgroup2") == 0))
        r = cgroup_view (c, rootfs_fd, c->mounts[i].target, m->options.flags & MS_RDONLY, err);
      else if (m->type && strcmp (m->type, "sysfs") == 0 && !c->own_netns)
        {
          /* sysfs can only be mounted by the owner of the network
           * namespace: sharing the host's, bind the host's read-only. */
          char via[64];
          set_err (err, MGR_STEP_SYS, c->rootfs, m->target);
          r = mount_beneath (rootfs_fd, c->mounts[i].target, MGR_CREATE_DIR, "/sys", NULL, MS_BIND | MS_REC, NULL);
          _cleanup_close_ int fd = r == 0 ? mgr_open_beneath (rootfs_fd, c->mounts[i].target, MGR_CREATE_NONE, O_PATH) : -1;
          fd_path (via, sizeof via, fd);
          if (r == 0 && mount (NULL, via, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
            r = -errno;
        }
      else if (m->options.copy_up)
        r = oci_tmpcopyup (c, rootfs_fd, &c->mounts[i], err);
      else
        r = apply_mount (c, rootfs_fd, &c->mounts[i], err);
      if (r < 0)
        return r;
    }
  if (o->terminal && c->console_out && (r = oci_console (c, rootfs_fd, err)) < 0)
    return r;
  if ((r = oci_sysctl (rootfs_fd, o->sysctl, err)) < 0 || (r = oci_devices (c, rootfs_fd, err)) < 0
      || (r = oci_mask (rootfs_fd, o->masked, o->readonly, err)) < 0)
    return r;
  umask (022);
  /* createContainer: in the container's namespaces, before pivot_root. */
  if (mgr_child_oci_hooks (c, o->create_container, o->n_create_container, "createContainer", err) < 0)
    return -1;
  return 0;
}

/* After pivot_root: / read-only, keeping the flags the kernel locked. */
static int
oci_root_readonly (struct mgr_child_error *err)
{
  struct statvfs sv;
  set_err (err, MGR_STEP_ROOT_READONLY, NULL, NULL);
  if (statvfs ("/", &sv) < 0)
    return -errno;
  unsigned long flags = MS_BIND | MS_REMOUNT | MS_RDONLY;
  static const struct { unsigned long st, ms; } kept[] = {
    { ST_NOSUID, MS_NOSUID }, { ST_NODEV, MS_NODEV }, { ST_NOEXEC, MS_NOEXEC },
    { ST_NOATIME, MS_NOATIME }, { ST_NODIRATIME, MS_NODIRATIME }, { ST_RELATIME, MS_RELATIME },
  };
  for (size_t i = 0; i < G_N_ELEMENTS (kept); i++)
    if (sv.f_flag & kept[i].st)
      flags |= kept[i].ms;
  return mount (NULL, "/", NULL, flags, NULL) < 0 ? -errno : 0;
}

int
mgr_rootfs_setup (const struct mgr_child *c, struct mgr_child_error *err)
{
  int r;

  /* Nothing the container mounts may propagate back to the host (an OCI
   * bundle's rootfsPropagation is applied to its root after pivot_root,
   * which refuses a shared new root). */
  set_err (err, MGR_STEP_MOUNT_PRIVATE, NULL, NULL);
  if (mount (NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
    return -errno;
  /* pivot_root needs the new root to be a mount point. */
  set_err (err, MGR_STEP_ROOTFS_BIND, c->rootfs, NULL);
  if (mount (c->rootfs_via, c->rootfs_via, NULL, MS_BIND | MS_REC, NULL) < 0)
    return -errno;
  set_err (err, MGR_STEP_ROOTFS_OPEN, c->rootfs, NULL);
  _cleanup_close_ int rootfs_fd = open (c->rootfs_via, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfs_fd < 0)
    return -errno;

  if (c->plan->oci.set)
    {
      if ((r = oci_tree (c, rootfs_fd, err)) < 0)
        return r;
      goto pivot;
    }
  if (c->plan->hooks.pre_mount && mgr_child_hook (c, MGR_HOOK_PRE_MOUNT, err) < 0)
    return -1; /* the hook's own message is in err->detail */
  for (guint i = 0; i < c->n_mounts; i++)
    if ((r = apply_mount (c, rootfs_fd, &c->mounts[i], err)) < 0)
      return r;

  set_err (err, MGR_STEP_PROC, c->rootfs, "/proc");
  if ((r = mount_beneath (rootfs_fd, "proc", MGR_CREATE_DIR, "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL)) < 0)
    return r;

  set_err (err, MGR_STEP_SYS, c->rootfs, "/sys");
  if (c->own_netns)
    r = mount_beneath (rootfs_fd, "sys", MGR_CREATE_DIR, "sysfs", "sysfs",
                       MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
  else
    {
      /* sysfs can only be mounted by the owner of the network namespace:
       * sharing the host's, bind the host's read-only instead. */
      r = mount_beneath (rootfs_fd, "sys", MGR_CREATE_DIR, "/sys", NULL, MS_BIND | MS_REC, NULL);
      char via[64];
      _cleanup_close_ int fd = r == 0 ? mgr_open_beneath (rootfs_fd, "sys", MGR_CREATE_NONE, O_PATH) : -1;
      fd_path (via, sizeof via, fd);
      if (r == 0 && mount (NULL, via, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
        r = -errno;
    }
  if (r < 0)
    return r;

  if ((r = cgroup_view (c, rootfs_fd, "sys/fs/cgroup", false, err)) < 0)
    return r;

  if ((r = mask_kernel_files (c, rootfs_fd, err)) < 0)
    return r;

  if ((r = mgr_dev_setup (c, rootfs_fd, err)) < 0)
    return r;

  if ((r = run_and_boot_id (c, rootfs_fd, err)) < 0)
    return r;

  if (c->plan->hooks.mount && mgr_child_hook (c, MGR_HOOK_MOUNT, err) < 0)
    return -1; /* the hook's own message is in err->detail */

pivot:
  set_err (err, MGR_STEP_PIVOT, c->rootfs, NULL);
  if (fchdir (rootfs_fd) < 0)
    return -errno;
  /* pivot_root(".", ".") stacks the old root under the new one; detaching
   * it leaves no path to the host's tree. */
  if (syscall (SYS_pivot_root, ".", ".") < 0)
    return -errno;
  if (umount2 (".", MNT_DETACH) < 0)
    return -errno;
  if (chdir ("/") < 0)
    return -errno;
  set_err (err, MGR_STEP_PROPAGATION, "/", NULL);
  if (c->plan->oci.root_propagation && mount (NULL, "/", NULL, c->plan->oci.root_propagation, NULL) < 0)
    return -errno;
  if (c->plan->oci.root_readonly && (r = oci_root_readonly (err)) < 0)
    return r;
  return 0;
}

/* In a user-namespaced container every mount above was made in a mount
 * namespace that belongs to the container's own user namespace, so its root
 * could remount /proc/sys read-write, unmount a mask, or mount a fresh procfs
 * beside the masked one. The kernel locks a mount tree when it copies it into
 * a mount namespace owned by a different user namespace (copy_mnt_ns calls
 * lock_mnt_tree): MNT_LOCKED (no unmount, nothing beneath revealed) and
 * MNT_LOCK_READONLY, _NODEV, _NOSUID, _NOEXEC, _ATIME (flags kept); procfs and
 * sysfs with locked masks are no longer "fully visible", so no second one can
 * be mounted either. The locks hold for every process in the copy, whatever
 * its capabilities.
 *
 * Two copies bring the tree back locked into a namespace the container owns:
 * a helper unshares a child user namespace with a mount namespace (copy one,
 * locked), and we join that mount namespace (its user namespace was created
 * by a process of ours with our euid, so we hold every capability over it)
 * and unshare a mount namespace of our own user namespace (copy two, locked
 * again). The original namespace then has no member left and is freed, so no
 * unlocked copy of the tree remains reachable. Runs after pivot_root. */
/* The helper of mgr_rootfs_lock: its user and mount namespaces are new (a
 * copy of ours, locked), and it sends us that mount namespace. */
struct lock_helper
{
  int sock;
  bool made; /* born in them (clone3), or to make them (fork) */
};

static int
lock_helper (void *p)
{
  const struct lock_helper *h = p;
  char cbuf[CMSG_SPACE (sizeof (int))] = { 0 };
  int e = 0, fd = -1;
  struct iovec iov = { &e, sizeof e };
  struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
  if ((!h->made && unshare (CLONE_NEWUSER | CLONE_NEWNS) < 0)
      || (fd = open ("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC)) < 0)
    e = errno;
  else
    {
      mh.msg_control = cbuf;
      mh.msg_controllen = sizeof cbuf;
      struct cmsghdr *cm = CMSG_FIRSTHDR (&mh);
      cm->cmsg_level = SOL_SOCKET;
      cm->cmsg_type = SCM_RIGHTS;
      cm->cmsg_len = CMSG_LEN (sizeof (int));
      memcpy (CMSG_DATA (cm), &fd, sizeof fd);
    }
  return sendmsg (h->sock, &mh, MSG_NOSIGNAL) < 0 ? 1 : 0;
}

int
mgr_rootfs_lock (struct mgr_child_error *err)
{
  int sv[2], status, r = 0;
  char cbuf[CMSG_SPACE (sizeof (int))] = { 0 };

  set_err (err, MGR_STEP_LOCK_MOUNTS, "a socket to the helper", NULL);
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    return -errno;
  struct lock_helper h = { .sock = sv[1] };
  pid_t pid = -1;
#ifdef MGR_HAVE_CLONE3_RUN
  /* Born in its namespaces, sharing our memory while we wait (CLONE_VM |
   * CLONE_VFORK, as posix_spawn does): no copy of our page tables (all of
   * mgr's) to make at the fork and to tear down at its exit, some 0.2 ms of
   * each user-namespaced start. Its stack is ours, static: nothing is
   * allocated between clone and exec. */
  static char stack[16384] __attribute__ ((aligned (16)));
  struct clone_args ca = { .flags = CLONE_VM | CLONE_VFORK | CLONE_NEWUSER | CLONE_NEWNS, .exit_signal = SIGCHLD,
                           .stack = (guint64) (uintptr_t) stack, .stack_size = sizeof stack };
  h.made = true;
  long ret = mgr_clone3_run (&ca, lock_helper, &h);
  if (ret > 0)
    pid = ret;
  else if (ret == -ENOSYS || ret == -EINVAL)
    h.made = false; /* before Linux 5.3 (clone3): fork below */
  else
    {
      close (sv[0]);
      close (sv[1]);
      set_err (err, MGR_STEP_LOCK_MOUNTS, "creating a user and mount namespace to copy them through", NULL);
      return ret;
    }
#endif
  if (!h.made)
    {
      pid = fork ();
      if (pid < 0)
        {
          r = -errno;
          close (sv[0]);
          close (sv[1]);
          set_err (err, MGR_STEP_LOCK_MOUNTS, "forking the helper", NULL);
          return r;
        }
      if (pid == 0)
        _exit (lock_helper (&h));
    }
  close (sv[1]);
  int e = 0, fd = -1;
  struct iovec iov = { &e, sizeof e };
  struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
  ssize_t n = recvmsg (sv[0], &mh, MSG_CMSG_CLOEXEC);
  int recv_errno = errno;
  close (sv[0]);
  while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
    ;
  struct cmsghdr *cm = n > 0 ? CMSG_FIRSTHDR (&mh) : NULL;
  if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS && cm->cmsg_len == CMSG_LEN (sizeof (int)))
    memcpy (&fd, CMSG_DATA (cm), sizeof fd);
  if (fd < 0)
    {
      set_err (err, MGR_STEP_LOCK_MOUNTS, "creating a user and mount namespace to copy them through", NULL);
      return -(e ? e : n < 0 ? recv_errno : EPROTO);
    }
  set_err (err, MGR_STEP_LOCK_MOUNTS, "joining the locked copy", NULL);
  if (setns (fd, CLONE_NEWNS) < 0)
    r = -errno;
  close (fd);
  if (r < 0)
    return r;
  set_err (err, MGR_STEP_LOCK_MOUNTS, "copying them into the container's own mount namespace", NULL);
  if (unshare (CLONE_NEWNS) < 0)
    return -errno;
  if (chdir ("/") < 0)
    return -errno;
  return 0;
}

void
mgr_rootfs_protected (const struct mgr_child *c, struct mgr_mnt_protected *out)
{
  char path[PATH_MAX];
  out->n = 0;
  /* Paths that are not a mount's root here were not mounted (absent on
   * this kernel): nothing to keep. */
#define KEEP(p)                                                                                        \
  do                                                                                                   \
    {                                                                                                  \
      struct statx stx;                                                                                \
      if (statx (AT_FDCWD, (p), AT_SYMLINK_NOFOLLOW, STATX_INO, &stx) == 0                             \
          && (stx.stx_attributes & stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT))                   \
        mgr_mountpolicy_add (out, (struct mgr_mnt_key){ makedev (stx.stx_dev_major, stx.stx_dev_minor), \
                                                        stx.stx_ino });                                \
    }                                                                                                  \
  while (0)
  KEEP ("/proc");
  /* Below it is the host's boot id. */
  KEEP ("/proc/sys/kernel/random/boot_id");
  KEEP ("/sys");
  KEEP ("/sys/fs/cgroup");
  for (size_t i = 0; i < G_N_ELEMENTS (masked_files); i++)
    {
      snprintf (path, sizeof path, "/%s", masked_files[i]);
      KEEP (path);
    }
  for (size_t i = 0; i < G_N_ELEMENTS (masked_dirs); i++)
    {
      snprintf (path, sizeof path, "/%s", masked_dirs[i]);
      KEEP (path);
    }
  for (size_t i = 0; i < G_N_ELEMENTS (readonly); i++)
    {
      snprintf (path, sizeof path, "/%s", readonly[i]);
      KEEP (path);
    }
  for (const char *const *o = c->cgroup_v1; o && *o; o++)
    {
      snprintf (path, sizeof path, "/sys/fs/cgroup/%s", strncmp (*o, "name=", 5) == 0 ? *o + 5 : *o);
      KEEP (path);
    }
  if (c->cgroup_v2 && c->cgroup_v2[0])
    {
      snprintf (path, sizeof path, "/sys/fs/cgroup/%s", c->cgroup_v2);
      KEEP (path);
    }
  /* The administrator's [mount] entries: a read-only bind of a host folder
   * must stay read-only, and none may be taken away from under the
   * container's feet. */
  for (guint i = 0; i < c->n_mounts; i++)
    {
      snprintf (path, sizeof path, "/%s", c->mounts[i].target);
      KEEP (path);
    }
#undef KEEP
}
