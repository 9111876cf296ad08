/* mgr-usernsexec: run a command as root of a new user namespace with the
 * given id maps (the download template unpacks images this way, so that
 * files inside are owned by the container's ids). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "lib/keys.h"
#include "lib/mgr-error.h"
#include "lib/spawn.h"

static gboolean
add_range (struct mgr_idmap *m, guint32 in, guint32 out, guint32 count)
{
  if (m->n >= MGR_IDMAP_MAX)
    return FALSE;
  m->r = g_renew (struct mgr_idmap_range, m->r, m->n + 1);
  m->r[m->n++] = (struct mgr_idmap_range){ in, out, count };
  return TRUE;
}

/* In the child, root of the new namespace (its maps written). */
static int
exec_command (void *data)
{
  char **command = data;
  if (setgroups (0, NULL) < 0)
    {
      g_printerr ("%s: dropping supplementary groups: %s\n", g_get_prgname (), g_strerror (errno));
      return 126;
    }
  execvp (command[0], command);
  g_printerr ("%s: executing %s: %s\n", g_get_prgname (), command[0], g_strerror (errno));
  return 127;
}

int
mgr_cmd_usernsexec (int argc, char **argv)
{
  char **maps = NULL, **command = NULL;
  gboolean version = FALSE;
  char *unused = NULL;
  GOptionEntry entries[] = {
    { "map", 'm', 0, G_OPTION_ARG_STRING_ARRAY, &maps, "an id range: u|g|b:INSIDE:OUTSIDE:COUNT", "MAP" },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, "print the version", NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &command, NULL, NULL },
    { NULL },
  };
  int rc = mgr_command_options (&argc, &argv, entries, "-m MAP... -- COMMAND [ARGS...]",
                               "Run a command as root of a new user namespace with these id maps.", &version, &unused, FALSE);
  if (rc >= 0)
    return rc;
  MgrPlan plan = { .user_namespace = true };
  for (char **m = maps; m && *m; m++)
    {
      g_auto (GStrv) f = g_strsplit (*m, ":", -1);
      guint64 in, out, count;
      if (g_strv_length (f) != 4 || strlen (f[0]) != 1 || !strchr ("ugb", f[0][0])
          || !g_ascii_string_to_unsigned (f[1], 10, 0, G_MAXUINT32, &in, NULL)
          || !g_ascii_string_to_unsigned (f[2], 10, 0, G_MAXUINT32, &out, NULL)
          || !g_ascii_string_to_unsigned (f[3], 10, 1, G_MAXUINT32, &count, NULL))
        {
          g_printerr ("%s: -m %s: expected u|g|b:INSIDE:OUTSIDE:COUNT\n", g_get_prgname (), *m);
          return MGR_EXIT_USAGE;
        }
      if ((f[0][0] != 'g' && !add_range (&plan.id_map.uid, in, out, count))
          || (f[0][0] != 'u' && !add_range (&plan.id_map.gid, in, out, count)))
        return g_printerr ("%s: too many ranges\n", g_get_prgname ()), MGR_EXIT_USAGE;
    }
  if (!plan.id_map.uid.n || !plan.id_map.gid.n || !command || !command[0])
    {
      g_printerr ("%s: give uid and gid maps (-m b:0:100000:65536) and a command after --\n", g_get_prgname ());
      return MGR_EXIT_USAGE;
    }
  g_autoptr (GError) e = NULL;
  int status = mgr_userns_spawn (&plan, exec_command, command, &e);
  if (status < 0)
    return mgr_report (e);
  return WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
}
