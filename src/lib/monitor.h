/* The monitor: one small process per running container. It is init's
 * parent: it reaps it, forwards termination signals as the container's stop
 * signal, owns the console, answers requests on a unix socket, and removes
 * what was made for the container when init exits.
 *
 * Requests are lines on RUNTIME/NAME/monitor.sock, answered by one line:
 *   state          → "state=RUNNING pid=N start=T"
 *   pidfd          → "pid=N" with init's pidfd attached (SCM_RIGHTS)
 *   stop MS        → stop.signal, SIGKILL after MS milliseconds; "stopped STATUS" when init is gone
 *   kill           → SIGKILL now; "stopped STATUS" when init is gone
 *   console        → "ok", then the console history and the live console both ways */
#pragma once
#include <glib.h>
#include <stdbool.h>

#include "plan.h"
#include "runtime.h"

typedef struct {
  const MgrPlan *plan;
  const MgrRuntimePaths *rt;
  int status_fd;  /* where to report "ok" or the start error, or -1 */
  bool foreground; /* -F: the console is on our terminal */
  bool execute;    /* mgr-execute: minimal init; fds 0-2 passed, but a pty for each terminal among them */
  char *const *command;
  bool wait_ready; /* report "ok" once init sends READY=1 to $NOTIFY_SOCKET */
  /* mgr-start's cgroup handle (prepared), when mgr-start makes the v1
   * cgroups while the monitor makes the rest and clones (client.c): the
   * monitor takes it over; it reads "ok" or an error line from
   * cgroup_ready_fd before the child joins them. Else NULL. */
  struct MgrCgroup *cgroup;
  int cgroup_ready_fd;
  /* The runtime lock's fd, which the monitor holds as long as it runs. */
  int lock_fd;
  /* When set, the monitor may become mgr-init's small mgr-monitor once the
   * container runs (monitor.c, monitor_exec_core): what mgr needs to load
   * the plan again if the core hands back ("name=", "folder=", "set="). */
  char *const *core_args;
} MgrMonitorOptions;

/* Starts the container and runs until init exits. Returns init's wait
 * status, or -1 with error when the start failed (nothing is left behind). */
int mgr_monitor_run (const MgrMonitorOptions *o, GError **error);

/* mgr-monitor-resume: the monitor again, after mgr-init's mgr-monitor has
 * handed back (a reboot, an init that failed on its own, cgroups that rmdir
 * could not remove): args are the core's KEY=VALUE arguments; o->plan may
 * be NULL when the config no longer loads (plan_error says why), and then
 * the container is only cleaned up. Returns as mgr_monitor_run. */
int mgr_monitor_resume (const MgrMonitorOptions *o, int argc, char **argv, const char *plan_error, GError **error);
