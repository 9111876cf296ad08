/* The container's first process, between clone and exec.
 *
 * Everything it needs is prepared in struct mgr_child before clone: paths,
 * argv, envp, capability state. The child only reads it, makes system calls,
 * and reports failures as (step, errno, detail) over the sync socket. It
 * never allocates and never calls GLib: a lock held at clone time by another
 * thread would deadlock it. */
#pragma once
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/capability.h>
#include <sys/types.h>

#include "mountpolicy.h"
#include "plan.h"
#include "seccomp.h"

/* What a process gives up before it runs the container's code. */
struct mgr_privileges {
  guint64 bounding;           /* capabilities kept in the bounding set */
  cap_t caps;                 /* permitted and effective, prepared */
  uid_t uid;
  gid_t gid;
  bool no_new_privs;
  const MgrSeccomp *seccomp;  /* or NULL */
  bool listen;                /* ask for the seccomp listener (a filter whose mount calls go to the monitor) */
  /* An OCI process: caps holds its own permitted, effective and
   * inheritable sets, kept across a change to a non-root uid; then the
   * ambient ones are raised, the additional groups set and the umask. */
  bool oci;
  guint64 ambient;
  const guint32 *groups;
  guint n_groups;
  int umask;                  /* -1: unchanged */
};

/* Steps, in order; each names what the child was doing when it failed. */
enum mgr_step {
  MGR_STEP_NONE,
  MGR_STEP_SYNC,
  MGR_STEP_CGROUP_ENTER,
  MGR_STEP_SETID_ROOT,
  MGR_STEP_CGROUPNS,
  MGR_STEP_CGROUP_VIEW,
  MGR_STEP_MOUNT_PRIVATE,
  MGR_STEP_ROOTFS_BIND,
  MGR_STEP_ROOTFS_OPEN,
  MGR_STEP_MOUNT_ENTRY,
  MGR_STEP_MOUNT_TARGET,
  MGR_STEP_MOUNT_SOURCE,
  MGR_STEP_PROC,
  MGR_STEP_SYS,
  MGR_STEP_MASK,
  MGR_STEP_READONLY,
  MGR_STEP_DEV,
  MGR_STEP_DEVPTS,
  MGR_STEP_RUN,
  MGR_STEP_BOOT_ID,
  MGR_STEP_CONSOLE_BIND,
  MGR_STEP_PIVOT,
  MGR_STEP_LOCK_MOUNTS,
  MGR_STEP_HOSTNAME,
  MGR_STEP_LOOPBACK,
  MGR_STEP_RLIMIT,
  MGR_STEP_CONSOLE,
  MGR_STEP_CWD,
  MGR_STEP_CAPS_BOUND,
  MGR_STEP_NO_NEW_PRIVS,
  MGR_STEP_SECCOMP,
  MGR_STEP_LISTENER,
  MGR_STEP_SETID,
  MGR_STEP_CAPS,
  MGR_STEP_FDS,
  MGR_STEP_FORK_INIT,
  MGR_STEP_EXEC_INIT,
  MGR_STEP_HOOK,
  MGR_STEP_EXEC,
  MGR_STEP_SYSCTL,
  MGR_STEP_DEVICE,
  MGR_STEP_ROOT_READONLY,
  MGR_STEP_PROPAGATION,
  MGR_STEP_WAIT_START,
  MGR_STEP_CGROUP_MOUNT,
  MGR_STEP_APPARMOR,
};

/* Parent → child and child → parent messages on the sync socket. */
enum mgr_sync_type {
  MGR_SYNC_GO = 1,
  MGR_SYNC_ERROR = 2,
  MGR_SYNC_PROTECTED = 3, /* struct mgr_sync_protected: the mounts the monitor must keep (privileged) */
  MGR_SYNC_LISTENER = 4,  /* the seccomp listener fd, in SCM_RIGHTS */
  MGR_SYNC_READY = 5,     /* OCI: everything is set up; the child waits on the exec fifo for start */
  MGR_SYNC_CONSOLE = 6,   /* OCI: the controller of the pty made in the container's devpts, in SCM_RIGHTS */
  MGR_SYNC_CGROUPS = 7,   /* the v1 tasks files made after clone, in SCM_RIGHTS (before GO) */
};

struct mgr_sync_msg {
  int32_t type;
  int32_t step;
  int32_t err;
  char detail[PATH_MAX];
};

struct mgr_sync_protected {
  int32_t type;
  struct mgr_mnt_protected set;
};

struct mgr_child_error;

/* A mount prepared for the child. */
struct mgr_child_mount {
  const struct mgr_mount *m; /* source, type, options */
  const char *target;        /* relative to the rootfs, without leading '/' */
  /* A bind source inside the container's folder (or its rootfs) belongs to
   * the container: it is opened beneath source_root at source_rel without
   * following symlinks. NULL: the administrator's host path, as written. */
  const char *source_root;
  const char *source_rel;
};

struct mgr_child {
  const MgrPlan *plan;
  int sync_fd;
  int console_fd;        /* the pty's slave, or -1 to keep stdio (mgr-execute) */
  /* OCI process.terminal: the child makes the pty in the container's own
   * devpts (as runc and crun do, so that it is /dev/pts/N inside), sends
   * the controller to the host, and keeps the peer here (its own copy of
   * this memory) in place of console_fd. */
  int *console_out;
  unsigned console_mask; /* bit N: fd N becomes console_fd (the rest is kept) */
  const char *console_path; /* its host path, bound onto /dev/console */
  bool console_ctty;        /* make it the controlling terminal of init (of the command under the minimal init) */
  const char *const *tty_paths; /* host paths of the ptys bound onto /dev/tty1..N, NULL-ended */
  const char *rootfs;
  const char *rootfs_dir;    /* the folder above the rootfs, and the rootfs's name in it */
  const char *rootfs_base;
  char *rootfs_via;          /* PATH_MAX bytes: the child writes /proc/self/fd/N/BASE */
  char *const *argv;
  char *const *envp;
  const char *cwd;
  bool own_netns;
  bool minimal_init;     /* mgr-execute: PID 1 becomes mgr-init and reaps */
  bool legacy_mount_api; /* bind flags by remount, as before Linux 5.12 (MGR_MOUNT_API=legacy, for tests) */
  int init_fd;           /* mgr-init, a sealed memfd (execinit.h) */
  gid_t tty_gid;         /* gid of devpts nodes inside, or (gid_t)-1 */
  struct mgr_privileges privs;
  struct mgr_child_mount *mounts;
  guint n_mounts;
  char *const *hook_env[3]; /* pre-mount, mount, start */
  const char *const *cgroup_v1; /* v1 hierarchies' mount options, for the container's view */
  const int *cgroup_tasks;      /* the container's v1 tasks files, opened by the monitor: the child moves itself */
  const char *const *cgroup_tasks_paths;
  int n_cgroup_tasks;
  int n_cgroup_deferred;        /* > 0: the tasks files come in MGR_SYNC_CGROUPS instead, this many */
  const char *cgroup_v2;        /* the cgroup2 mount's name under /sys/fs/cgroup ("" = it), or NULL */
  /* OCI without a cgroup namespace: the container's own cgroup folders,
   * bound in place of the hierarchies (runc's view), or NULL. */
  char *const *cgroup_v1_dirs;
  const char *cgroup_v2_dir;
  const char *boot_id;          /* shown at /proc/sys/kernel/random/boot_id, or NULL */
};

enum { MGR_HOOK_PRE_MOUNT, MGR_HOOK_MOUNT, MGR_HOOK_START };

/* Runs a container-side hook and waits for it; 0, or -1 with a message
 * (exit status and the end of its stderr) in err. No allocation. */
int mgr_child_hook (const struct mgr_child *c, int which, struct mgr_child_error *err);

/* Runs OCI hooks (createContainer, startContainer) one after the other,
 * each with the state on stdin and its timeout; 0, or -1 with the message
 * in err. No allocation. */
int mgr_child_oci_hooks (const struct mgr_child *c, const struct mgr_oci_hook *h, guint n, const char *kind,
                         struct mgr_child_error *err);

/* The child's whole life; never returns. */
_Noreturn void mgr_child_run (const struct mgr_child *c);

/* Formats a failure the child reported: "mounting proc on …/proc: Permission denied". */
char *mgr_step_describe (const struct mgr_sync_msg *m);

/* Parts of the sequence, one file per concern. Each returns 0, or -errno
 * with the failing step and detail filled in. */
struct mgr_child_error {
  enum mgr_step step;
  char *detail; /* points into a caller's buffer of PATH_MAX */
};

/* Sends fd over the sync socket in SCM_RIGHTS, with a mgr_sync_msg of type. */
int mgr_child_send_fd (int sock, int type, int fd);
/* The same with n fds (at most 32) in one message. */
int mgr_child_send_fds (int sock, int type, const int *fds, int n);

int mgr_rootfs_setup (const struct mgr_child *c, struct mgr_child_error *err);
/* After pivot_root: makes every mount of the container locked (user namespace only). */
int mgr_rootfs_lock (struct mgr_child_error *err);
/* After pivot_root: the roots of the mounts that confine the container
 * (/proc, its read-only binds and masks, /sys, the cgroup view, [mount]). */
void mgr_rootfs_protected (const struct mgr_child *c, struct mgr_mnt_protected *out);
int mgr_dev_setup (const struct mgr_child *c, int rootfs_fd, struct mgr_child_error *err);
/* listener gets the seccomp listener fd when p->listen and the filter
 * notifies, else -1: the caller hands it to the monitor and closes it. */
int mgr_privileges_drop (const struct mgr_privileges *p, int *listener, struct mgr_child_error *err);

/* Opens path beneath root_fd without following any symlink, creating what
 * create asks for (the last component as a dir or file, parents as dirs). */
int mgr_open_beneath (int root_fd, const char *path, enum mgr_mount_create create, int flags);
