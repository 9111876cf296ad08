/* Talking to a container's monitor, and the start sequence that makes one. */
#pragma once
#include <glib.h>
#include <stdbool.h>

#include "plan.h"
#include "runtime.h"

/* Connects to the monitor's socket; -1 with error if it does not answer. */
int mgr_monitor_connect (const MgrRuntimePaths *rt, GError **error);

/* Sends one request line and reads one reply line (without "\n"); a file
 * descriptor passed with the reply lands in *fd when fd is not NULL. */
char *mgr_monitor_request (int sock, const char *request, int *fd, GError **error);

/* Stops a running container: its monitor sends stop_signal and SIGKILLs
 * after timeout_ms (0: SIGKILL at once); returns once the monitor has
 * removed everything and exited. When the monitor is dead, init (if known)
 * is signalled through a pidfd checked against its start time, then every
 * process of the container's cgroups is killed and they and the runtime
 * state are removed here; *orphan tells the caller so. Fails, with the
 * container stopped, when the timeout passed and SIGKILL ended it. A
 * container that was not running, or stopped meanwhile (another stop won),
 * is MGR_ERROR_NOT_RUNNING. */
gboolean mgr_stop (const MgrRuntimePaths *rt, const char *name, int stop_signal, guint64 timeout_ms, bool *orphan,
                   GError **error);

typedef struct {
  bool foreground;
  bool execute;
  char *const *command;
  bool wait_ready; /* return once init says READY=1 (sd_notify), not after the start window */
  char *const *core_args; /* MgrMonitorOptions.core_args */
} MgrStartOptions;

/* Takes the container's lock and runs its monitor: in the background
 * (double fork, setsid) returning once the container is RUNNING, or in the
 * foreground until it stops. Returns init's pid (background) or its wait
 * status (foreground), -1 with error. */
int mgr_start (const MgrPlan *plan, const MgrRuntimePaths *rt, const MgrStartOptions *o, GError **error);
