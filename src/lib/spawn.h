/* Host side of starting a container's init: prepare, clone3 into new
 * namespaces, write the id maps, release the child, learn whether exec
 * succeeded. */
#pragma once
#include <glib.h>
#include <stdbool.h>
#include <sys/types.h>

#include "mountpolicy.h"
#include "plan.h"
#include "seccomp.h"

/* Where the monitor listens for sd_notify's READY=1 inside the container
 * (as systemd-nspawn's /run/host/notify); the child makes its folder. */
#define MGR_NOTIFY_DIR "run/host"
#define MGR_NOTIFY_SOCKET "/run/host/notify"

typedef struct {
  char *const *command;    /* replaces [container] init, or NULL */
  int console_fd;          /* pty slave for init's stdio, or -1 to pass ours */
  unsigned console_mask;   /* which of fds 0-2 become console_fd; 0: all three */
  const char *console_path; /* bound onto /dev/console, or NULL */
  const char *const *tty_paths; /* pty slaves for /dev/tty1..N, NULL-ended, or NULL */
  bool minimal_init;       /* mgr-execute */
  const MgrSeccomp *seccomp; /* compiled from [seccomp], or NULL */
  const struct MgrCgroup *cgroup; /* created for the container, or NULL */
  bool cgroup_deferred;    /* the v1 cgroups are being made meanwhile (monitor.h): wait for "ok" on */
  int cgroup_ready_fd;     /* cgroup_ready_fd, then send the child their tasks files */
  const char *boot_id;     /* this boot's id (a UUID) for /proc/sys/kernel/random/boot_id, or NULL */
  const struct mgr_net_auto *net_auto; /* mgr-net's automatic addresses, or NULL */
  bool notify;             /* NOTIFY_SOCKET=MGR_NOTIFY_SOCKET in init's environment */
  /* Called once the child exists, before it is released (OCI's
   * createRuntime hooks); FALSE stops the start. */
  gboolean (*before_go) (pid_t pid, void *data, GError **error);
  void *before_go_data;
} MgrSpawnOptions;

typedef struct {
  pid_t pid;
  int pidfd;
  guint64 start_time;
  int notify_fd;                     /* seccomp listener of a privileged container's mount calls, or -1 */
  int console_master;                /* OCI process.terminal: the pty's controller, made inside; else -1 */
  struct mgr_mnt_protected protected; /* the mounts that confine it, for the listener */
} MgrSpawned;

/* Starts init; on failure nothing of it is left (the child is reaped). */
gboolean mgr_spawn (const MgrPlan *plan, const MgrSpawnOptions *o, MgrSpawned *out, GError **error);

/* Checks what the executor cannot do for this plan yet, or on this host,
 * before anything is created. */
gboolean mgr_spawn_check (const MgrPlan *plan, GError **error);

/* For an ordinary user without a delegated cgroup: one line saying what
 * the container goes without and how to get a delegation; else NULL. */
char *mgr_spawn_user_notice (const MgrPlan *plan);

/* Writes /proc/PID/{uid,gid}_map: directly as root, with newuidmap and
 * newgidmap for ordinary users. */
gboolean mgr_idmap_write (pid_t pid, const MgrPlan *plan, GError **error);

/* Runs fn(data) in a forked child that is root of a new user namespace
 * with the plan's id maps; returns its wait status, or -1 (error set) when
 * the namespace could not be made or mapped. */
int mgr_userns_spawn (const MgrPlan *plan, int (*fn) (void *), void *data, GError **error);

/* The same; TRUE when fn returned 0. */
gboolean mgr_userns_run (const MgrPlan *plan, int (*fn) (void *), void *data, GError **error);

/* Host ids of the container's root, or the caller's for no user namespace. */
void mgr_plan_root_ids (const MgrPlan *plan, uid_t *uid, gid_t *gid);
