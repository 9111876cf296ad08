/* mgr-console: the container's console on this terminal; Ctrl-a q detaches. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "lib/client.h"
#include "lib/console.h"
#include "lib/mgr-error.h"
#include "lib/util.h"

int
mgr_cmd_console (int argc, char **argv)
{
  char *name = NULL, *path = NULL;
  gboolean version = FALSE;
  int escape = 'a', tty = 0;
  GOptionEntry entries[] = {
    MGR_COMMON_OPTIONS (&name, &path, &version),
    { "tty", 't', 0, G_OPTION_ARG_INT, &tty, "/dev/ttyN instead of the console (see [container] tty.count)", "N" },
    { NULL },
  };
  int rc = mgr_command_options (&argc, &argv, entries, NULL,
                               "Attach to a container's console. The console's recent history is shown first.\n"
                                     "Type Ctrl-a q to detach, Ctrl-a a to send Ctrl-a itself.", &version, &name, TRUE);
  if (rc >= 0)
    return rc;
  g_autoptr (GError) e = NULL;
  MgrContainer ct;
  if (!mgr_container_open (&ct, name, path, TRUE, &e))
    return mgr_report (e);
  _cleanup_close_ int sock = -1;
  g_autofree char *reply = NULL;
  if (ct.st.state == MGR_STATE_STOPPED)
    g_set_error (&e, MGR_ERROR, MGR_ERROR_FAILED, "%s is not running", name);
  else if ((sock = mgr_monitor_connect (&ct.rt, &e)) >= 0)
    {
      g_autofree char *req = tty ? g_strdup_printf ("console %d", tty) : g_strdup ("console");
      reply = mgr_monitor_request (sock, req, NULL, &e);
    }
  mgr_container_close (&ct);
  if (!reply)
    return mgr_report (e);
  if (strcmp (reply, "ok") != 0)
    {
      g_printerr ("%s: %s: %s\n", g_get_prgname (), name,
                  g_str_has_prefix (reply, "error ") ? reply + 6 : "no console (it was started by mgr-execute)");
      return MGR_EXIT_FAIL;
    }
  /* Raw while attached, and cooked again however this process ends
   * (a signal included). */
  bool is_raw = isatty (STDIN_FILENO);
  if (is_raw)
    {
      mgr_term_raw (STDIN_FILENO);
      fprintf (stderr, "Connected to the console of %s. Type Ctrl-%c q to detach.\r\n", name, escape);
    }
  bool pending = false, in_open = true;
  for (;;)
    {
      struct pollfd p[2] = { { sock, POLLIN }, { in_open ? STDIN_FILENO : -1, POLLIN } };
      if (poll (p, 2, -1) < 0)
        continue;
      char buf[4096];
      if (p[0].revents)
        {
          ssize_t n = recv (sock, buf, sizeof buf, 0);
          if (n <= 0)
            break;
          (void) !write (STDOUT_FILENO, buf, n);
        }
      if (p[1].revents)
        {
          ssize_t n = read (STDIN_FILENO, buf, sizeof buf);
          if (n <= 0)
            {
              in_open = false;
              continue;
            }
          char out[sizeof buf + 1];
          size_t o = 0;
          bool quit = false;
          for (ssize_t i = 0; i < n; i++)
            {
              char c = buf[i];
              if (pending)
                {
                  pending = false;
                  if (c == 'q')
                    {
                      quit = true;
                      break;
                    }
                  out[o++] = c == 'a' ? 1 : c;
                  continue;
                }
              if (c == escape - 'a' + 1)
                pending = true;
              else
                out[o++] = c;
            }
          if (o)
            (void) !send (sock, out, o, MSG_NOSIGNAL);
          if (quit)
            break;
        }
    }
  if (is_raw)
    {
      mgr_term_restore ();
      fprintf (stderr, "\nDetached from %s.\n", name);
    }
  return MGR_EXIT_OK;
}
