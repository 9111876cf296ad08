/* mgr-stop: ask init to shut down with the container's stop signal, then
 * kill everything after the timeout; -k kills at once. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "lib/attach.h"
#include "lib/cgroup.h"
#include "lib/client.h"
#include "lib/util.h"

/* Without a monitor: signal init through a checked pidfd and wait for it. */
static int
stop_orphan (const MgrRuntimePaths *rt, const MgrStatus *st, const char *name, int sig, int timeout_ms)
{
  _cleanup_close_ int fd = mgr_pidfd_open_checked (st->init_pid, st->init_start);
  g_printerr ("%s: the monitor of %s died; signalling its init (pid %d) directly\n", g_get_prgname (), name,
              st->init_pid);
  if (fd >= 0)
    {
      syscall (SYS_pidfd_send_signal, fd, sig, NULL, 0);
      struct pollfd p = { fd, POLLIN };
      if (sig != SIGKILL && poll (&p, 1, timeout_ms) == 0)
        {
          syscall (SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0);
          poll (&p, 1, -1);
        }
      else if (sig == SIGKILL)
        poll (&p, 1, -1);
    }
  g_autoptr (MgrCgroup) cg = mgr_cgroup_new (name, NULL);
  g_autoptr (GError) ce = NULL;
  if (cg && !mgr_cgroup_destroy (cg, &ce))
    g_printerr ("%s: %s\n", g_get_prgname (), ce->message);
  MgrStatus done = { .state = MGR_STATE_STOPPED, .exit_status = -1 };
  g_autoptr (GError) e = NULL;
  unlink (rt->socket);
  if (!mgr_runtime_write_status (rt, &done, &e))
    return mgr_report (e);
  return MGR_EXIT_OK;
}

int
mgr_cmd_stop (int argc, char **argv)
{
  char *name = NULL, *path = NULL;
  gboolean kill_now = FALSE, version = FALSE;
  int timeout = -1;
  GOptionEntry entries[] = {
    MGR_COMMON_OPTIONS (&name, &path, &version),
    { "timeout", 't', 0, G_OPTION_ARG_INT, &timeout, "seconds to wait before killing (default: [container] stop.timeout)", "SECONDS" },
    { "kill", 'k', 0, G_OPTION_ARG_NONE, &kill_now, "kill every process of the container at once", NULL },
    { NULL },
  };
  int rc = mgr_command_options (&argc, &argv, entries, NULL,
                               "Stop a container: its stop signal, then SIGKILL after the timeout.\n"
                                     "Exits 2 when the container was not running.", &version, &name, TRUE);
  if (rc >= 0)
    return rc;

  g_autoptr (GError) e = NULL;
  MgrContainer c;
  if (!mgr_container_open (&c, name, path, TRUE, &e))
    return mgr_report (e);
  MgrContainerRef ref = c.ref;
  MgrRuntimePaths rt = c.rt;
  MgrStatus st = c.st;

  guint64 ms = 30000;
  int stop_signal = SIGPWR;
  g_autoptr (MgrPlan) plan = mgr_container_plan (&ref, NULL, &e);
  if (plan)
    ms = plan->container.stop_timeout.v, stop_signal = plan->container.stop_signal;
  else if (!kill_now && timeout < 0)
    g_printerr ("%s: warning: the config does not load (%s); using SIGPWR and 30s\n", g_get_prgname (), e->message);
  g_clear_error (&e);
  if (timeout >= 0)
    ms = (guint64) timeout * 1000;
  if (kill_now)
    ms = 0;

  if (st.state == MGR_STATE_STOPPED)
    {
      g_printerr ("%s: %s is not running\n", g_get_prgname (), name);
      rc = MGR_EXIT_USAGE;
    }
  else if (st.monitor_dead)
    rc = stop_orphan (&rt, &st, name, ms ? stop_signal : SIGKILL, ms);
  else
    {
      /* Returning means everything is gone: wait for the monitor itself,
       * which replies only after its teardown, to exit. */
      _cleanup_close_ int mon = syscall (SYS_pidfd_open, st.monitor_pid, 0);
      _cleanup_close_ int sock = mgr_monitor_connect (&rt, &e);
      g_autofree char *req = ms ? g_strdup_printf ("stop %" G_GUINT64_FORMAT, ms) : g_strdup ("kill");
      g_autofree char *reply = sock >= 0 ? mgr_monitor_request (sock, req, NULL, &e) : NULL;
      if (!reply)
        {
          /* The monitor exited between our look and our question: stopped. */
          MgrStatus again;
          mgr_runtime_status (&rt, &again);
          rc = again.state == MGR_STATE_STOPPED ? MGR_EXIT_OK : mgr_report (e);
        }
      else
        rc = g_str_has_prefix (reply, "stopped") ? MGR_EXIT_OK : (g_printerr ("%s: %s\n", g_get_prgname (), reply), MGR_EXIT_FAIL);
      struct pollfd p = { mon, POLLIN };
      if (mon >= 0 && rc == MGR_EXIT_OK)
        poll (&p, 1, 5000);
    }
  mgr_container_close (&c);
  return rc;
}
