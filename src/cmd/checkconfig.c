/* mgr-checkconfig: what this kernel, host and user can do, and the command
 * that fixes each thing that is missing. */
#include "config.h"

#include <unistd.h>

#include "cmd/cmd.h"
#include "lib/hostcheck.h"
#include "lib/util.h"

static const char *const status_names[] = { "ok", "warning", "missing" };

int
mgr_cmd_checkconfig (int argc, char **argv)
{
  char *unused = NULL, *path = NULL, *format = NULL;
  gboolean version = FALSE, user = FALSE;
  GOptionEntry entries[] = {
    MGR_COMMON_OPTIONS (&unused, &path, &version),
    { "user", 'u', 0, G_OPTION_ARG_NONE, &user, "check what an ordinary user (the caller) needs as well", NULL },
    { "format", 0, 0, G_OPTION_ARG_STRING, &format, "text or json", "FORMAT" },
    { NULL },
  };
  entries[0].flags = entries[1].flags = G_OPTION_FLAG_HIDDEN;
  int rc = mgr_command_options (&argc, &argv, entries, NULL,
                               "Check what this kernel and host support for mgr, and with --user what an ordinary\n"
                               "user needs (subordinate ids, newuidmap, user namespaces, a delegated cgroup,\n"
                               "veth networks). Each problem comes with the command that fixes it. Exit status 1\n"
                               "when something required is missing. An ordinary user is always checked as one.",
                               &version, &unused, FALSE);
  if (rc >= 0)
    return rc;
  int json = mgr_format_json (format);
  if (json < 0)
    return MGR_EXIT_USAGE;
  MgrContainerRef ref;
  g_autoptr (GError) e = NULL;
  if (!mgr_container_ref (&ref, NULL, path, FALSE, &e))
    return mgr_container_ref_clear (&ref), mgr_report (e);
  g_autofree char *usernet = g_build_filename (g_path_get_dirname (ref.paths->system_conf), "usernet", NULL);
  MgrCheckOptions o = {
    .for_user = user || ref.paths->user,
    .user = g_get_user_name (),
    .uid = geteuid (),
    .gid = getegid (),
    .subuid = ref.paths->subuid,
    .subgid = ref.paths->subgid,
    .usernet = usernet,
  };
  g_autoptr (GPtrArray) checks = mgr_host_checks (&o);
  bool ready = mgr_host_ready (checks);
  guint missing = 0, warnings = 0;
  for (guint i = 0; i < checks->len; i++)
    {
      const MgrCheck *c = checks->pdata[i];
      missing += c->required && c->status == MGR_CHECK_MISSING;
      warnings += c->status != MGR_CHECK_OK && !(c->required && c->status == MGR_CHECK_MISSING);
    }
  if (json)
    {
      g_autoptr (GString) out = g_string_new ("{\"user\": ");
      mgr_json_string (out, o.user);
      g_string_append_printf (out, ", \"uid\": %u, \"for_user\": %s, \"ready\": %s, \"checks\": [", o.uid,
                              o.for_user ? "true" : "false", ready ? "true" : "false");
      for (guint i = 0; i < checks->len; i++)
        {
          const MgrCheck *c = checks->pdata[i];
          g_string_append (out, i ? ", {\"name\": " : "{\"name\": ");
          mgr_json_string (out, c->name);
          g_string_append_printf (out, ", \"status\": \"%s\", \"required\": %s, \"detail\": ", status_names[c->status],
                                  c->required ? "true" : "false");
          mgr_json_string (out, c->detail ? c->detail : "");
          g_string_append (out, ", \"fix\": ");
          if (c->fix)
            mgr_json_string (out, c->fix);
          else
            g_string_append (out, "null");
          g_string_append (out, "}");
        }
      g_string_append (out, "]}\n");
      g_print ("%s", out->str);
    }
  else
    {
      for (guint i = 0; i < checks->len; i++)
        {
          const MgrCheck *c = checks->pdata[i];
          const char *tag = c->status == MGR_CHECK_OK ? "ok" : c->status == MGR_CHECK_WARN || !c->required ? "warning"
                                                                                                            : "MISSING";
          g_print ("%-8s %s: %s\n", tag, c->name, c->detail ? c->detail : "");
          if (c->fix && c->status != MGR_CHECK_OK)
            g_print ("         fix: %s\n", c->fix);
        }
      if (ready)
        g_print ("ready: %s can create and start containers%s%s\n", o.for_user ? o.user : "this host",
                 warnings ? "; see the warnings for what is limited" : "", "");
      else
        g_print ("not ready: %u required thing%s missing; the fixes are above\n", missing, missing == 1 ? " is" : "s are");
    }
  mgr_container_ref_clear (&ref);
  return ready ? MGR_EXIT_OK : MGR_EXIT_FAIL;
}
