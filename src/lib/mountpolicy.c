#include "config.h"

#include <errno.h>
#include <linux/magic.h>
#include <string.h>
#include <sys/mount.h>

#include "mountpolicy.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif
#define FUSECTL_SUPER_MAGIC 0x65735543

/* Filesystems that are the kernel's own interfaces: a writable or unmasked
 * instance of any of them reaches the host (core_pattern, uevent_helper,
 * release_agent, sysrq-trigger), so none is ever made writable, moved away
 * from what it covers, or taken apart. */
static bool
kernel_fs (uint64_t magic)
{
  return magic == PROC_SUPER_MAGIC || magic == SYSFS_MAGIC || magic == CGROUP_SUPER_MAGIC || magic == CGROUP2_SUPER_MAGIC
         || magic == FUSECTL_SUPER_MAGIC;
}

/* New filesystems a container may have: each instance is its own and shows
 * nothing of the host (devpts is a new instance on every mount since 4.7,
 * mqueue is the caller's ipc namespace's, hugetlbfs only hands out huge
 * pages, which the hugetlb controller limits; systemd mounts it on
 * /dev/hugepages). */
static const char *const new_ok[] = { "tmpfs", "ramfs", "mqueue", "devpts", "hugetlbfs" };

/* fusectl has one superblock for the whole host: each FUSE connection's
 * abort and max_background files, whoever mounted the filesystem. systemd
 * mounts it in any container that has CAP_SYS_ADMIN and no user namespace
 * (sys-fs-fuse-connections.mount); read-only, it shows connection numbers
 * and their waiting counts and lets nothing be written. kernel_fs() keeps
 * it from being made writable again. */
unsigned long
mgr_mountpolicy_forced_flags (const char *fstype)
{
  return fstype && strcmp (fstype, "fusectl") == 0 ? MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC : 0;
}

/* Superblock remounts change a filesystem for every mount of it, the host's
 * included when it came from the host (the rootfs, a bound host folder, the
 * host's devpts behind /dev/console): only superblocks the monitor made. */
static const uint64_t remount_ok[] = { TMPFS_MAGIC, RAMFS_MAGIC, DEVPTS_SUPER_MAGIC, 0x19800202 /* mqueue */ };

bool
mgr_mountpolicy_is_protected (const struct mgr_mnt_protected *p, const struct mgr_mnt_obj *o)
{
  for (unsigned i = 0; p && i < p->n; i++)
    if (p->k[i].dev == o->key.dev && p->k[i].ino == o->key.ino)
      return true;
  return false;
}

bool
mgr_mountpolicy_is_owned (const struct mgr_mnt_keys *owned, const struct mgr_mnt_obj *o)
{
  for (size_t i = 0; owned && i < owned->n; i++)
    if (owned->k[i].dev == o->key.dev && owned->k[i].ino == o->key.ino)
      return true;
  return false;
}

bool
mgr_mountpolicy_add (struct mgr_mnt_protected *p, struct mgr_mnt_key k)
{
  for (unsigned i = 0; i < p->n; i++)
    if (p->k[i].dev == k.dev && p->k[i].ino == k.ino)
      return true;
  if (p->n == MGR_PROTECTED_MAX)
    return false;
  p->k[p->n++] = k;
  return true;
}

enum mgr_mnt_op
mgr_mountpolicy_classify (unsigned long *flags)
{
  if ((*flags & 0xffff0000UL) == 0xc0ed0000UL) /* MS_MGC_VAL */
    *flags &= ~0xffff0000UL;
  if ((*flags & (MS_REMOUNT | MS_BIND)) == (MS_REMOUNT | MS_BIND))
    return MGR_MNT_BIND_REMOUNT;
  if (*flags & MS_REMOUNT)
    return MGR_MNT_REMOUNT;
  if (*flags & MS_BIND)
    return MGR_MNT_BIND;
  if (*flags & (MS_SHARED | MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE))
    return MGR_MNT_PROPAGATION;
  if (*flags & MS_MOVE)
    return MGR_MNT_MOVE;
  return MGR_MNT_NEW;
}

static int
refuse (const char **why, const char *text)
{
  *why = text;
  return -EPERM;
}

int
mgr_mountpolicy_decide (const struct mgr_mnt_request *r, const struct mgr_mnt_protected *protected,
                        const struct mgr_mnt_keys *owned, const char **why)
{
  const struct mgr_mnt_obj *t = r->target, *s = r->source, *u = r->under;
  bool t_guarded = t && (kernel_fs (t->fs_magic) || mgr_mountpolicy_is_protected (protected, t));
  *why = "allowed";
  switch (r->op)
    {
    case MGR_MNT_NEW:
      for (size_t i = 0; i < sizeof new_ok / sizeof new_ok[0]; i++)
        if (r->fstype && strcmp (r->fstype, new_ok[i]) == 0)
          return 0;
      if (mgr_mountpolicy_forced_flags (r->fstype))
        {
          unsigned long want = mgr_mountpolicy_forced_flags (r->fstype);
          return (r->flags & want) == want ? 0 : refuse (why, "fusectl only read-only, nosuid, nodev, noexec");
        }
      /* proc and sysfs above all: a fresh one has no masks and a writable
       * sys; cgroup ones would lift the container's own limits. */
      return refuse (why, "only tmpfs, ramfs, mqueue, devpts and hugetlbfs may be mounted");
    case MGR_MNT_BIND:
      /* A bind without MS_REC leaves the masks and read-only binds of a
       * kernel filesystem behind: /proc without them is /proc unmasked. A
       * file has no submounts to leave behind: binding a mask (/dev/null)
       * or a file of /proc copies just what the caller sees, with its
       * mount's flags (read-only stays read-only). */
      if (!s)
        return refuse (why, "no source");
      if (s->dir && (kernel_fs (s->fs_magic) || mgr_mountpolicy_is_protected (protected, s)) && !(r->flags & MS_REC))
        return refuse (why, "a bind of proc, sysfs or cgroup must be recursive (rbind), so that its masks come along");
      return 0;
    case MGR_MNT_BIND_REMOUNT:
      if (t_guarded && t->readonly && !(r->flags & MS_RDONLY))
        return refuse (why, "would make a read-only kernel interface or mask writable");
      return 0;
    case MGR_MNT_REMOUNT:
      if (t_guarded)
        return refuse (why, "a superblock remount of a kernel interface or mask");
      for (size_t i = 0; i < sizeof remount_ok / sizeof remount_ok[0]; i++)
        if (t->fs_magic == remount_ok[i] && mgr_mountpolicy_is_owned (owned, t))
          return 0;
      return refuse (why, "a superblock remount of a filesystem the container did not mount itself (use -o remount,bind)");
    case MGR_MNT_PROPAGATION:
      /* A recursive bind copies every submount except the unbindable ones,
       * unless they are locked, and nothing is locked in a privileged
       * container: an unbindable /proc/sys (or /) would let an rbind of
       * /proc come out without its read-only sys and its masks. No other
       * propagation type makes a copy drop mounts. */
      if (r->flags & MS_UNBINDABLE)
        return refuse (why, "unbindable mounts would let a recursive bind leave the masks behind");
      return 0;
    case MGR_MNT_MOVE:
      /* Moving /proc/sys's read-only bind away uncovers a writable /proc/sys. */
      if (!s)
        return refuse (why, "no source");
      if (kernel_fs (s->fs_magic) || mgr_mountpolicy_is_protected (protected, s))
        return refuse (why, "would move a kernel interface or mask away from what it covers");
      return 0;
    case MGR_MNT_UMOUNT:
      if (r->flags & (MNT_FORCE | MNT_EXPIRE))
        return refuse (why, "MNT_FORCE and MNT_EXPIRE reach the host's filesystems");
      /* Unmounting uncovers the folder below the mount, in the mount it
       * sits in. Below a mask or /proc/sys's read-only bind that is
       * procfs or sysfs itself; below /proc, /sys or a copy the container
       * made of them elsewhere (same root: same key), a folder of its own.
       * So a protected mount goes only where what it sits in is known, is
       * no kernel interface and is not protected, and only if it is a
       * kernel filesystem (a copy of /proc, taken away whole with
       * MNT_DETACH) or a file (a bind of /dev/null, the masks' root): the
       * administrator's [mount] folders stay where they were put. */
      if (mgr_mountpolicy_is_protected (protected, t)
          && (!u || kernel_fs (u->fs_magic) || mgr_mountpolicy_is_protected (protected, u)
              || (!kernel_fs (t->fs_magic) && t->dir)))
        return refuse (why, "would uncover what a kernel interface or mask hides, or take away a [mount] (a recursive "
                            "copy of /proc or /sys is removed whole, with umount -l)");
      /* Nothing that sits inside procfs, sysfs or a cgroup hierarchy is
       * unmounted, protected or not, so that a copy of /proc stays whole:
       * systemd 252 (ProtectKernelLogs and the like) unmounts what is below
       * its copy of /proc, then mounts a fresh procfs, and uses the copy
       * as it is only if that copy was left untouched. */
      if (u && kernel_fs (u->fs_magic))
        return refuse (why, "mounts inside procfs, sysfs and cgroup filesystems stay");
      return 0;
    }
  return refuse (why, "unknown operation");
}
