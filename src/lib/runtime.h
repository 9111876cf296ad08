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

typedef struct {
  char *dir;    /* RUNTIME/NAME */
  char *lock;   /* RUNTIME/NAME/lock */
  char *socket; /* RUNTIME/NAME/monitor.sock */
  char *state;  /* RUNTIME/NAME/state */
} MgrRuntimePaths;

void mgr_runtime_paths_init (MgrRuntimePaths *p, const char *runtime_root, const char *name);
void mgr_runtime_paths_clear (MgrRuntimePaths *p);

/* What the state file says, checked against the living processes. */
typedef struct {
  MgrState state;
  pid_t monitor_pid;
  pid_t init_pid;
  guint64 init_start; /* /proc/PID/stat start time, to tell pid reuse */
  gint64 started;     /* unix time */
  int exit_status;    /* of the last run, as waitpid gives it; -1 unknown */
  bool monitor_dead;  /* the state file says running, but nothing holds the lock */
} MgrStatus;

/* Reads the state. A missing file is STOPPED. */
void mgr_runtime_status (const MgrRuntimePaths *p, MgrStatus *out);

/* Writes the state file atomically. */
gboolean mgr_runtime_write_status (const MgrRuntimePaths *p, const MgrStatus *s, GError **error);

/* Creates RUNTIME/NAME (mode 0700) and takes the container's lock. Returns
 * the lock's fd (O_CLOEXEC), or -1 with EWOULDBLOCK when another process
 * holds it, or another errno. */
int mgr_runtime_lock (const MgrRuntimePaths *p, GError **error);

/* Whether some process holds the lock, without taking it. */
bool mgr_runtime_locked (const MgrRuntimePaths *p);

/* The start time of a process (field 22 of /proc/PID/stat), 0 if gone. */
guint64 mgr_proc_start_time (pid_t pid);

/* A pidfd for pid if it is still the process that started at start_time. */
int mgr_pidfd_open_checked (pid_t pid, guint64 start_time);
