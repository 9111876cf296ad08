/* Which mount calls of a privileged container the monitor performs.
 *
 * A privileged container's root is the host's root: left to the kernel, a
 * mount call could mount a fresh procfs or sysfs (the host's core_pattern,
 * uevent_helper), remount /proc/sys read-write, or unmount a mask. Its mount
 * calls reach the monitor through seccomp user notification instead; the
 * monitor opens the target (and source) inside the caller's root, describes
 * what it opened, asks this policy, and mounts through the same fd, so a
 * path swapped after the check changes nothing.
 *
 * Pure logic: no system call, no allocation (it runs in a forked worker). */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* A mount's root, by what survives copies into other mount namespaces
 * (systemd gives services their own): the root's device and inode. Mount
 * ids do not survive such a copy. */
struct mgr_mnt_key {
  uint64_t dev;
  uint64_t ino;
};

#define MGR_PROTECTED_MAX 64

/* The mounts mgr made to confine the container, recorded at setup: /proc,
 * /proc/sys and the other read-only binds, each mask, /sys, the cgroup view. */
struct mgr_mnt_protected {
  unsigned n;
  struct mgr_mnt_key k[MGR_PROTECTED_MAX];
};

/* Superblocks the monitor mounted for the container (theirs to remount):
 * a view of the monitor's growing array. */
struct mgr_mnt_keys {
  size_t n;
  const struct mgr_mnt_key *k;
};

/* What an opened path is, from its fd. */
struct mgr_mnt_obj {
  uint64_t fs_magic; /* statfs f_type */
  struct mgr_mnt_key key;
  bool mount_root; /* the fd is the root of a mount */
  bool readonly;   /* its mount is read-only */
  bool dir;        /* a directory (only those can have submounts) */
};

enum mgr_mnt_op {
  MGR_MNT_NEW,          /* a new filesystem */
  MGR_MNT_BIND,         /* MS_BIND */
  MGR_MNT_BIND_REMOUNT, /* MS_REMOUNT | MS_BIND: the mount's flags */
  MGR_MNT_REMOUNT,      /* MS_REMOUNT: the superblock's options */
  MGR_MNT_PROPAGATION,  /* MS_SHARED, MS_PRIVATE, MS_SLAVE, MS_UNBINDABLE */
  MGR_MNT_MOVE,         /* MS_MOVE */
  MGR_MNT_UMOUNT,       /* umount2 */
};

struct mgr_mnt_request {
  enum mgr_mnt_op op;
  const char *fstype;   /* MGR_MNT_NEW */
  unsigned long flags;  /* mount(2) flags, or umount2 flags for MGR_MNT_UMOUNT */
  const struct mgr_mnt_obj *target;
  const struct mgr_mnt_obj *source; /* MGR_MNT_BIND and MGR_MNT_MOVE */
  /* MGR_MNT_UMOUNT: the folder the target mount sits in (what unmounting it
   * uncovers belongs to that folder's mount), or NULL when unknown. */
  const struct mgr_mnt_obj *under;
};

/* Classifies mount(2) flags as the kernel does (path_mount's order), after
 * dropping the old magic number in the top bits. */
enum mgr_mnt_op mgr_mountpolicy_classify (unsigned long *flags);

/* Flags the monitor adds to a new mount of fstype whatever the caller asked
 * (MS_RDONLY for fusectl); the policy refuses such a mount without them. */
unsigned long mgr_mountpolicy_forced_flags (const char *fstype);

/* 0 when the monitor may perform the request, else -EPERM (or -EINVAL) with
 * why set to a short reason for the log. */
int mgr_mountpolicy_decide (const struct mgr_mnt_request *r, const struct mgr_mnt_protected *protected,
                            const struct mgr_mnt_keys *owned, const char **why);

bool mgr_mountpolicy_is_protected (const struct mgr_mnt_protected *p, const struct mgr_mnt_obj *o);
bool mgr_mountpolicy_is_owned (const struct mgr_mnt_keys *owned, const struct mgr_mnt_obj *o);

/* Adds a key unless it is there or the set is full; false when full. */
bool mgr_mountpolicy_add (struct mgr_mnt_protected *p, struct mgr_mnt_key k);
