/* mgr-info and mgr-ls: what containers there are and how they are. */
#include "config.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <stdio.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <time.h>
#include <sys/wait.h>

#include "cmd/cmd.h"
#include "lib/cgroup.h"
#include "lib/initsig.h"
#include "lib/netinfo.h"
#include "lib/util.h"

/* What mgr-ls shows of one container. It reads only the state file and a
 * few keys, so that a broken config still lists and many containers list fast. */
typedef struct {
  char *name;
  MgrRuntimePaths rt;
  MgrStatus st;
  bool unprivileged;
  bool autostart;
  GPtrArray *ipv4, *ipv6;
  MgrCgroupStats stats;
} Row;

static void
row_clear (Row *r)
{
  g_free (r->name);
  mgr_runtime_paths_clear (&r->rt);
  if (r->ipv4)
    g_ptr_array_unref (r->ipv4);
  if (r->ipv6)
    g_ptr_array_unref (r->ipv6);
}

/* How much of a row to fill: the name and state (mgr-ls), what the table
 * of mgr-ls -f shows (memory, frozen, IPv4), or everything (JSON, mgr-info). */
enum row_detail { ROW_BRIEF, ROW_TABLE, ROW_FULL };

/* probe: the host's cgroup layout, read once for every row (NULL: read here). */
static void
row_fill (Row *r, const MgrPaths *paths, const char *containers, const char *name, enum row_detail detail,
          MgrCgroup **probe)
{
  r->stats = (MgrCgroupStats){ -1, -1, -1 };
  g_autofree char *dir = g_build_filename (containers, name, NULL);
  mgr_runtime_paths_init (&r->rt, paths->runtime, dir);
  r->name = g_strdup (name);
  mgr_runtime_status (&r->rt, &r->st);
  g_autofree char *cfg = g_build_filename (containers, name, "config", NULL);
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  gsize len = 0;
  /* Never blocks: a FIFO or symlink in place of a config is not read. */
  g_autofree char *text = mgr_read_regular_at (AT_FDCWD, cfg, 1 << 20, &len);
  if (text && g_key_file_load_from_data (kf, text, len, G_KEY_FILE_NONE, NULL))
    {
      r->unprivileged = g_key_file_has_group (kf, "id_map");
      g_autofree char *v = g_key_file_get_value (kf, "container", "autostart", NULL);
      r->autostart = v && (g_str_has_prefix (v, "true") || g_str_has_prefix (v, "yes") || g_str_has_prefix (v, "1")
                           || g_str_has_prefix (v, "on"));
    }
  if (detail != ROW_BRIEF && r->st.state != MGR_STATE_STOPPED)
    {
      g_autoptr (MgrCgroup) own = NULL;
      if (probe && !*probe)
        *probe = mgr_cgroup_new (r->rt.id, NULL);
      MgrCgroup *cg = probe && *probe ? (own = mgr_cgroup_new_like (*probe, r->rt.id))
                                      : (own = mgr_cgroup_new (r->rt.id, NULL));
      if (cg && detail == ROW_FULL)
        mgr_cgroup_stats (cg, &r->stats);
      else if (cg)
        r->stats.memory = mgr_cgroup_memory (cg);
      if (cg && r->st.state == MGR_STATE_RUNNING && mgr_cgroup_frozen (cg))
        r->st.state = MGR_STATE_FROZEN;
      r->ipv4 = mgr_netns_addresses (r->st.init_pid, AF_INET);
      if (detail == ROW_FULL)
        r->ipv6 = mgr_netns_addresses (r->st.init_pid, AF_INET6);
    }
}

static char *
state_text (const MgrStatus *st)
{
  return g_strdup_printf ("%s%s", mgr_state_name (st->state),
                          st->monitor_dead ? " (monitor died; processes remain: mgr-stop -k ends them)" : "");
}

static char *
join (GPtrArray *a, const char *sep)
{
  if (!a || !a->len)
    return g_strdup ("-");
  g_ptr_array_add (a, NULL);
  char *s = g_strjoinv (sep, (char **) a->pdata);
  g_ptr_array_remove_index (a, a->len - 1);
  return s;
}

static void
json_list (GString *out, GPtrArray *a)
{
  g_string_append_c (out, '[');
  for (guint i = 0; a && i < a->len; i++)
    {
      if (i)
        g_string_append (out, ", ");
      mgr_json_string (out, a->pdata[i]);
    }
  g_string_append_c (out, ']');
}

static void
row_json (GString *out, const Row *r)
{
  g_string_append (out, "{\"name\": ");
  mgr_json_string (out, r->name);
  g_string_append_printf (out, ", \"state\": \"%s\", \"pid\": %d, \"monitor_dead\": %s, \"unprivileged\": %s, "
                               "\"autostart\": %s, \"ipv4\": ",
                          mgr_state_name (r->st.state), r->st.state ? r->st.init_pid : -1,
                          r->st.monitor_dead ? "true" : "false", r->unprivileged ? "true" : "false",
                          r->autostart ? "true" : "false");
  json_list (out, r->ipv4);
  g_string_append (out, ", \"ipv6\": ");
  json_list (out, r->ipv6);
  g_string_append_printf (out, ", \"memory_bytes\": %" G_GINT64_FORMAT ", \"cpu_usec\": %" G_GINT64_FORMAT
                               ", \"pids\": %" G_GINT64_FORMAT "}", r->stats.memory, r->stats.cpu_usec, r->stats.pids);
}

int
mgr_cmd_ls (int argc, char **argv)
{
  char *name_unused = NULL, *path = NULL, *format = NULL;
  gboolean fancy = FALSE, running = FALSE, stopped = FALSE, version = FALSE;
  GOptionEntry entries[] = {
    MGR_COMMON_OPTIONS (&name_unused, &path, &version),
    { "fancy", 'f', 0, G_OPTION_ARG_NONE, &fancy, "a table: NAME STATE PID IPV4 UNPRIVILEGED AUTOSTART", NULL },
    { "running", 0, 0, G_OPTION_ARG_NONE, &running, "only running containers", NULL },
    { "stopped", 0, 0, G_OPTION_ARG_NONE, &stopped, "only stopped containers", NULL },
    { "format", 0, 0, G_OPTION_ARG_STRING, &format, "text or json", "FORMAT" },
    { NULL },
  };
  entries[0].flags = G_OPTION_FLAG_HIDDEN;
  int rc = mgr_command_options (&argc, &argv, entries, NULL,
                               "List containers.", &version, &name_unused, FALSE);
  if (rc >= 0)
    return rc;
  int json = mgr_format_json (format);
  if (json < 0)
    return MGR_EXIT_USAGE;

  g_autoptr (GError) e = NULL;
  MgrContainerRef ref;
  if (!mgr_container_ref (&ref, NULL, path, FALSE, &e))
    return mgr_container_ref_clear (&ref), mgr_report (e);
  /* A folder that exists but cannot be read (another user's, 0700) is an
   * error, not an empty list. */
  if (access (ref.paths->containers, R_OK | X_OK) < 0 && errno != ENOENT)
    {
      g_printerr ("%s: %s: %s (another user's containers are theirs alone)\n", g_get_prgname (), ref.paths->containers,
                  g_strerror (errno));
      mgr_container_ref_clear (&ref);
      return MGR_EXIT_FAIL;
    }
  g_autoptr (GPtrArray) names = mgr_container_names (ref.paths->containers);

  GString *out = g_string_new (json ? "[" : NULL);
  if (fancy && !json)
    g_string_append_printf (out, "%-20s %-10s %-8s %-16s %-10s %-12s %s\n", "NAME", "STATE", "PID", "IPV4", "RAM",
                            "UNPRIVILEGED", "AUTOSTART");
  guint shown = 0;
  g_autoptr (MgrCgroup) probe = NULL;
  for (guint i = 0; i < names->len; i++)
    {
      Row r = { 0 };
      row_fill (&r, ref.paths, ref.paths->containers, names->pdata[i], json ? ROW_FULL : fancy ? ROW_TABLE : ROW_BRIEF,
                &probe);
      bool is_running = r.st.state != MGR_STATE_STOPPED;
      if ((running && !is_running) || (stopped && is_running))
        {
          row_clear (&r);
          continue;
        }
      if (json)
        {
          if (shown)
            g_string_append (out, ", ");
          row_json (out, &r);
        }
      else if (fancy)
        {
          g_autofree char *ips = join (r.ipv4, ",");
          g_autofree char *pid = is_running && r.st.init_pid ? g_strdup_printf ("%d", r.st.init_pid) : g_strdup ("-");
          g_autofree char *ram = r.stats.memory >= 0 ? g_format_size_full (r.stats.memory, G_FORMAT_SIZE_IEC_UNITS)
                                                     : g_strdup ("-");
          /* g_format_size puts a no-break space before the unit; columns count bytes. */
          g_auto (GStrv) parts = g_strsplit (ram, "\u00a0", -1);
          g_autofree char *plain = g_strjoinv (" ", parts);
          /* ORPHANED: processes in the container's cgroup, no monitor. */
          g_string_append_printf (out, "%-20s %-10s %-8s %-16s %-10s %-12s %s\n", r.name,
                                  r.st.monitor_dead ? "ORPHANED" : mgr_state_name (r.st.state),
                                  pid, ips, plain, r.unprivileged ? "true" : "false", r.autostart ? "true" : "false");
        }
      else
        g_string_append_printf (out, "%s\n", r.name);
      shown++;
      row_clear (&r);
    }
  if (json)
    g_string_append (out, "]\n");
  fputs (out->str, stdout);
  g_string_free (out, TRUE);
  mgr_container_ref_clear (&ref);
  return MGR_EXIT_OK;
}

int
mgr_cmd_info (int argc, char **argv)
{
  char *name = NULL, *path = NULL, *format = NULL;
  gboolean version = FALSE;
  GOptionEntry entries[] = {
    MGR_COMMON_OPTIONS (&name, &path, &version),
    { "format", 0, 0, G_OPTION_ARG_STRING, &format, "text or json", "FORMAT" },
    { NULL },
  };
  int rc = mgr_command_options (&argc, &argv, entries, NULL,
                               "Show a container's state, pid, ids, addresses and config.", &version, &name, TRUE);
  if (rc >= 0)
    return rc;
  int json = mgr_format_json (format);
  if (json < 0)
    return MGR_EXIT_USAGE;
  g_autoptr (GError) e = NULL;
  MgrContainerRef ref;
  if (!mgr_container_ref (&ref, name, path, TRUE, &e))
    return mgr_container_ref_clear (&ref), mgr_report (e);
  Row r = { 0 };
  row_fill (&r, ref.paths, ref.paths->containers, name, ROW_FULL, NULL);
  g_autoptr (MgrPlan) plan = mgr_container_plan (&ref, NULL, &e);
  guint32 root = 0;
  bool mapped = plan && plan->user_namespace && mgr_idmap_to_host (&plan->id_map.uid, 0, &root);
  bool running = r.st.state != MGR_STATE_STOPPED;

  if (json)
    {
      GString *out = g_string_new (NULL);
      row_json (out, &r);
      g_string_truncate (out, out->len - 1);
      g_string_append (out, ", \"config\": ");
      mgr_json_string (out, ref.config);
      g_string_append (out, ", \"id\": ");
      mgr_json_string (out, r.rt.id);
      g_string_append (out, ", \"runtime_dir\": ");
      mgr_json_string (out, r.rt.dir);
      g_string_append (out, ", \"cgroup\": ");
      g_autoptr (MgrCgroup) cg = mgr_cgroup_new (r.rt.id, NULL);
      if (cg)
        mgr_json_string (out, mgr_cgroup_path (cg));
      else
        g_string_append (out, "null");
      g_string_append_printf (out, ", \"config_valid\": %s, \"monitor_pid\": %d, \"started\": %" G_GINT64_FORMAT
                                   ", \"last_exit_status\": %d",
                              plan ? "true" : "false", running ? r.st.monitor_pid : -1, running ? r.st.started : 0,
                              running ? -1 : r.st.exit_status);
      if (mapped)
        g_string_append_printf (out, ", \"host_uid_of_root\": %u", root);
      g_autofree char *failure = running ? NULL : mgr_runtime_last_failure (&r.rt, false);
      if (failure)
        {
          g_string_append (out, ", \"last_failure\": ");
          mgr_json_string (out, failure);
        }
      if (plan)
        {
          MgrInitKind kind;
          int sig = mgr_plan_stop_signal (plan, NULL, &kind);
          g_string_append_printf (out, ", \"stop_signal\": \"%s\"", mgr_signal_name (sig));
          if (plan->container.stop_signal == MGR_SIGNAL_AUTO)
            g_string_append_printf (out, ", \"init_kind\": \"%s\"", mgr_init_kind_name (kind));
        }
      g_string_append (out, "}\n");
      fputs (out->str, stdout);
      g_string_free (out, TRUE);
    }
  else
    {
      g_autofree char *state = state_text (&r.st);
      g_print ("Name:          %s\nState:         %s\n", name, state);
      if (running)
        {
          char when[64];
          time_t t = r.st.started;
          strftime (when, sizeof when, "%Y-%m-%d %H:%M:%S", localtime (&t));
          g_autofree char *v4 = join (r.ipv4, ", "), *v6 = join (r.ipv6, ", ");
          g_print ("PID:           %d\nMonitor PID:   %d%s\nStarted:       %s\nIPv4:          %s\nIPv6:          %s\n",
                   r.st.init_pid, r.st.monitor_pid, r.st.monitor_dead ? " (gone: mgr-stop -k still works)" : "",
                   when, v4, v6);
          if (r.stats.memory >= 0)
            {
              g_autofree char *mem = g_format_size_full (r.stats.memory, G_FORMAT_SIZE_IEC_UNITS);
              g_print ("Memory:        %s\n", mem);
            }
          if (r.stats.cpu_usec >= 0)
            g_print ("CPU time:      %.2f s\n", r.stats.cpu_usec / 1e6);
          if (r.stats.pids >= 0)
            g_print ("Tasks:         %" G_GINT64_FORMAT "\n", r.stats.pids);
        }
      else if (r.st.exit_status >= 0)
        g_print ("Last exit:     %s %d\n", WIFEXITED (r.st.exit_status) ? "status" : "signal",
                 WIFEXITED (r.st.exit_status) ? WEXITSTATUS (r.st.exit_status) : WTERMSIG (r.st.exit_status));
      g_autofree char *failure = running ? NULL : mgr_runtime_last_failure (&r.rt, false);
      if (failure)
        g_print ("Failed start:  %s\n", failure);
      g_autofree char *unpriv = mapped ? g_strdup_printf ("yes (root is host uid %u)", root)
                                : g_strdup (plan && plan->user_namespace ? "yes" : "no");
      if (plan)
        g_print ("Unprivileged:  %s\n", unpriv);
      g_print ("Config:        %s%s\n", ref.config, plan ? "" : " (invalid: mgr-config validate says why)");
      if (plan)
        {
          MgrInitKind kind;
          int sig = mgr_plan_stop_signal (plan, NULL, &kind);
          g_print ("Rootfs:        %s\n", plan->container.rootfs);
          if (plan->container.stop_signal == MGR_SIGNAL_AUTO)
            g_print ("Stop signal:   %s (auto: init is %s)\n", mgr_signal_name (sig), mgr_init_kind_name (kind));
          else
            g_print ("Stop signal:   %s\n", mgr_signal_name (sig));
        }
      g_autoptr (MgrCgroup) cg = mgr_cgroup_new (r.rt.id, NULL);
      g_print ("Identity:      %s\nRuntime:       %s\n", r.rt.id, r.rt.dir);
      if (cg)
        g_print ("Cgroup:        %s\n", mgr_cgroup_path (cg));
    }
  row_clear (&r);
  mgr_container_ref_clear (&ref);
  return MGR_EXIT_OK;
}
