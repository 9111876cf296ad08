/* Runtime state of a container: its folder under the runtime dir, the lock
 * that makes one monitor per container, and the state file that lets mgr-ls
 * and mgr-info answer without asking the monitor. */
#pragma once
#include <glib.h>
#include <stdbool.h>
#include <sys/types.h>

typedef enum {
  MGR_STATE_STOPPED,
  MGR_STATE_STARTING,
  MGR_STATE_RUNNING,
  MGR_STATE_STOPPING,
  MGR_STATE_FROZEN,
  MGR_STATE_ABORTING,
} MgrState;

const char *mgr_state_name (MgrState s);

/* A container is its folder: its identity is NAME-HASH, HASH the first 8
 * hex digits of the SHA-256 of the folder's canonical path (the containers
 * folder with symlinks resolved, then NAME). The runtime folder, lock,
 * socket and cgroup are named by it, so `web` in two folders are two
 * containers, and a person reading ps or a cgroup listing still sees the
 * name. A folder that is moved or renamed is a new identity: stop a
 * container before moving it. */
char *mgr_container_id (const char *container_dir);

typedef struct {
  char *id;     /* NAME-HASH, also the cgroup's name */
  char *dir;    /* RUNTIME/ID */
  char *lock;   /* RUNTIME/ID/lock */
  char *socket; /* RUNTIME/ID/monitor.sock */
  char *state;  /* RUNTIME/ID/state */
} MgrRuntimePaths;

/* The runtime paths of the container in container_dir (FOLDER/NAME). */
void mgr_runtime_paths_init (MgrRuntimePaths *p, const char *runtime_root, const char *container_dir);
void mgr_runtime_paths_clear (MgrRuntimePaths *p);

/* What the state file says, checked against the living processes. */
typedef struct {
  MgrState state;
  pid_t monitor_pid;
  guint64 monitor_start; /* its start time: a dead monitor's pid may be reused */
  pid_t init_pid;
  guint64 init_start; /* /proc/PID/stat start time, to tell pid reuse */
  gint64 started;     /* unix time */
  int exit_status;    /* of the last run, as waitpid gives it; -1 unknown */
  bool monitor_dead;  /* the monitor is gone, but processes of the container remain */
} MgrStatus;

/* Reads the state. A missing file is STOPPED. When the monitor has died
 * (killed, crashed) the container's cgroup is the truth: while it holds
 * processes, the state stays what the file says with monitor_dead set, and
 * init_pid is the one of them that is pid 1 of the container (0 when none
 * is); an empty cgroup is STOPPED. */
void mgr_runtime_status (const MgrRuntimePaths *p, MgrStatus *out);

/* Writes the state file atomically. */
gboolean mgr_runtime_write_status (const MgrRuntimePaths *p, const MgrStatus *s, GError **error);

/* Creates RUNTIME/NAME (mode 0700) and takes the container's lock. Returns
 * the lock's fd (O_CLOEXEC), or -1 with EWOULDBLOCK when another process
 * holds it, or another errno. */
int mgr_runtime_lock (const MgrRuntimePaths *p, GError **error);

/* Why the last run ended on its own soon after it started (the monitor's
 * words, with the console's last lines, escaped), or NULL; take removes the
 * record. */
char *mgr_runtime_last_failure (const MgrRuntimePaths *p, bool take);

/* Whether some process holds the lock, without taking it. */
bool mgr_runtime_locked (const MgrRuntimePaths *p);

/* The start time of a process (field 22 of /proc/PID/stat), 0 if gone or
 * a zombie. */
guint64 mgr_proc_start_time (pid_t pid);

/* A pidfd for pid if it is still the process that started at start_time. */
int mgr_pidfd_open_checked (pid_t pid, guint64 start_time);
