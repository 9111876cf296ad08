/* mgr-oci: the OCI runtime command line (runc's and crun's), so that
 * podman, containerd and CRI-O run their containers with mgr's executor.
 *
 * There is no monitor of mgr's own here: create clones the container's
 * init and exits, and the engine's monitor (conmon, the containerd shim),
 * a child subreaper, becomes its parent, reaps it and reports its exit. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <json-glib/json-glib.h>
#include <locale.h>
#include <poll.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "lib/attach.h"
#include "lib/caps.h"
#include "lib/cgroup.h"
#include "lib/console.h"
#include "lib/keys.h"
#include "lib/mgr-error.h"
#include "lib/oci.h"
#include "lib/oci-seccomp.h"
#include "lib/runtime.h"
#include "lib/spawn.h"
#include "lib/util.h"

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

static char *opt_root = NULL;
static char *opt_log = NULL;
static char *opt_log_format = NULL;
static gboolean opt_systemd_cgroup = FALSE;
static gboolean opt_version = FALSE;
static gboolean opt_help_man = FALSE;

static const GOptionEntry global_entries[] = {
  { "root", 0, 0, G_OPTION_ARG_FILENAME, &opt_root, "the folder of container records (default " MGR_RUNSTATEDIR "/mgr-oci)", "DIR" },
  { "log", 0, 0, G_OPTION_ARG_FILENAME, &opt_log, "also write errors to FILE (the engine reads it)", "FILE" },
  { "log-format", 0, 0, G_OPTION_ARG_STRING, &opt_log_format, "text or json, for --log", "FORMAT" },
  { "systemd-cgroup", 0, 0, G_OPTION_ARG_NONE, &opt_systemd_cgroup,
    "systemd's cgroup manager (refused: mgr-oci has cgroupfs backends for v1, v2 and hybrid hosts only)", NULL },
  { "version", 'v', 0, G_OPTION_ARG_NONE, &opt_version, "print the version", NULL },
  { "help-man", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_NONE, &opt_help_man, "the manual page, in groff", NULL },
  { NULL },
};

static const char *
root_dir (void)
{
  return opt_root ? opt_root : MGR_RUNSTATEDIR "/mgr-oci";
}

/* Errors go to stderr and, with --log, to the log the engine shows its
 * user when the runtime fails (conmon reads the last "error" line). */
static int
report (GError *error)
{
  g_printerr ("mgr-oci: %s\n", error->message);
  if (opt_log)
    {
      int fd = open (opt_log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
      if (fd >= 0)
        {
          g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
          g_autofree char *t = g_date_time_format_iso8601 (now);
          g_autoptr (GString) line = g_string_new (NULL);
          if (g_strcmp0 (opt_log_format, "json") == 0)
            {
              g_string_append (line, "{\"level\":\"error\",\"msg\":");
              mgr_json_string (line, error->message);
              g_string_append (line, ",\"time\":");
              mgr_json_string (line, t);
              g_string_append (line, "}\n");
            }
          else
            g_string_append_printf (line, "%s error: %s\n", t, error->message);
          (void) !write (fd, line->str, line->len);
          close (fd);
        }
    }
  return error->domain == MGR_ERROR && error->code == MGR_ERROR_USAGE ? EXIT_USAGE : EXIT_FAIL;
}

static int
report_new (int code, const char *fmt, va_list ap)
{
  g_autoptr (GError) e = g_error_new_valist (MGR_ERROR, code, fmt, ap);
  return report (e);
}

static int
fail (const char *fmt, ...) G_GNUC_PRINTF (1, 2);

static int
fail (const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  int r = report_new (MGR_ERROR_FAILED, fmt, ap);
  va_end (ap);
  return r;
}

static int
usage_error (const char *fmt, ...) G_GNUC_PRINTF (1, 2);

static int
usage_error (const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  int r = report_new (MGR_ERROR_USAGE, fmt, ap);
  va_end (ap);
  return r;
}

/* A command's options; argv[1] on is what is left. strict: stop at the
 * first argument that is not an option (exec's command). */
static int
parse (const char *cmd, const char *params, const GOptionEntry *entries, int *argc, char ***argv, int want_min,
       int want_max)
{
  g_autofree char *p = g_strdup_printf ("%s %s", cmd, params);
  g_autoptr (GOptionContext) ctx = g_option_context_new (p);
  g_autoptr (GError) e = NULL;
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_set_strict_posix (ctx, TRUE);
  if (!g_option_context_parse (ctx, argc, argv, &e))
    return usage_error ("%s: %s", cmd, e->message);
  /* argv[0] is the command name; an optional "--" before the arguments. */
  if (*argc > 1 && strcmp ((*argv)[1], "--") == 0)
    {
      memmove (&(*argv)[1], &(*argv)[2], (size_t) (*argc - 1) * sizeof (char *));
      (*argc)--;
    }
  if (*argc - 1 < want_min || (want_max >= 0 && *argc - 1 > want_max))
    return usage_error ("%s: usage: mgr-oci %s %s", cmd, cmd, params);
  return -1;
}

static gboolean
load (const char *id, MgrOciRecord *r, GError **error)
{
  return mgr_oci_record_load (root_dir (), id, r, error);
}

static char *
state_of (const MgrOciRecord *r)
{
  return mgr_oci_state_json (r, mgr_oci_status (r), true);
}

static GPtrArray *
hooks_of (const MgrOciRecord *r, const char *kind, GError **error)
{
  gsize len;
  g_autofree char *json = mgr_read_regular_at (AT_FDCWD, r->config, 16 << 20, &len);
  if (!json)
    return g_set_error (error, MGR_ERROR, MGR_ERROR_IO, "%s: %s", r->config, g_strerror (errno)), NULL;
  return mgr_oci_hooks (json, len, kind, error);
}

/* ---- create ------------------------------------------------------------------ */

static char *c_bundle, *c_console_socket, *c_pid_file;
static int c_preserve_fds;
static gboolean c_no_pivot, c_no_new_keyring;

static const GOptionEntry create_entries[] = {
  { "bundle", 'b', 0, G_OPTION_ARG_FILENAME, &c_bundle, "the bundle folder (default: the current one)", "DIR" },
  { "console-socket", 0, 0, G_OPTION_ARG_FILENAME, &c_console_socket,
    "a unix socket that receives the terminal's controller fd (process.terminal)", "PATH" },
  { "pid-file", 0, 0, G_OPTION_ARG_FILENAME, &c_pid_file, "write the container's pid to FILE", "FILE" },
  { "preserve-fds", 0, 0, G_OPTION_ARG_INT, &c_preserve_fds, "hand fds 3..3+N-1 to the container", "N" },
  { "no-pivot", 0, 0, G_OPTION_ARG_NONE, &c_no_pivot, "refused: mgr always uses pivot_root", NULL },
  { "no-new-keyring", 0, 0, G_OPTION_ARG_NONE, &c_no_new_keyring, "refused: mgr never makes a session keyring", NULL },
  { NULL },
};

typedef struct {
  MgrOciRecord *rec;
  GPtrArray *hooks[2]; /* prestart, createRuntime */
  int state_fd;
} CreateHooks;

static gboolean
run_create_hooks (pid_t pid, void *data, GError **error)
{
  CreateHooks *h = data;
  h->rec->pid = pid;
  /* The state these hooks see is the one create ends in (runc's). */
  g_autofree char *state = mgr_oci_state_json (h->rec, MGR_OCI_CREATED, false);
  /* The same for the hooks the container's process runs (sync 1 has not
   * released it yet): the memfd it inherited. */
  if (h->state_fd >= 0)
    {
      size_t n = strlen (state);
      if (pwrite (h->state_fd, state, n, 0) != (ssize_t) n)
        return g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "writing the state for the hooks: %s", g_strerror (errno)),
               FALSE;
    }
  return mgr_oci_hooks_run (h->hooks[0], "prestart", state, error)
         && mgr_oci_hooks_run (h->hooks[1], "createRuntime", state, error);
}

static gboolean
write_pid_file (const char *path, pid_t pid, GError **error)
{
  g_autofree char *text = g_strdup_printf ("%d", pid);
  return mgr_write_file_atomic (path, text, -1, 0644, error);
}

/* --preserve-fds N hands fds 3..3+N-1 to the container as they are in
 * the process: where the caller left one closed, mgr-oci's own fd of that
 * number went in its place (a pidfd, the helper's socket, a cgroup folder
 * of the host's), so only the caller's are taken. */
static int caller_fds;

static int
preserve_error (int n)
{
  return usage_error ("--preserve-fds %d: fd %d is not open in mgr-oci's caller (the caller hands on fds 3 to %d)", n,
                      3 + caller_fds, 2 + n);
}

static int
cmd_create (int argc, char **argv)
{
  int r = parse ("create", "[--bundle DIR] [--console-socket PATH] [--pid-file FILE] [--preserve-fds N] ID",
                 create_entries, &argc, &argv, 1, 1);
  if (r >= 0)
    return r;
  if (c_no_pivot)
    return usage_error ("--no-pivot: mgr always uses pivot_root, which keeps the host's tree out of reach");
  if (c_no_new_keyring)
    return usage_error ("--no-new-keyring: mgr never makes a session keyring; drop the flag");
  if (c_preserve_fds < 0)
    return usage_error ("--preserve-fds %d: a count of fds", c_preserve_fds);
  if (c_preserve_fds > caller_fds)
    return preserve_error (c_preserve_fds);
  const char *id = argv[1];
  g_autoptr (GError) e = NULL;
  if (!mgr_oci_id_valid (id, &e))
    return report (e);
  g_autofree char *cwd = g_get_current_dir ();
  g_autofree char *bundle = g_canonicalize_filename (c_bundle ? c_bundle : ".", cwd);
  g_autofree char *config = g_build_filename (bundle, "config.json", NULL);
  gsize len;
  g_autofree char *json = mgr_read_regular_at (AT_FDCWD, config, 16 << 20, &len);
  if (!json)
    return fail ("%s: %s", config, g_strerror (errno));

  if (g_mkdir_with_parents (root_dir (), 0700) < 0)
    return fail ("creating --root %s: %s", root_dir (), g_strerror (errno));
  /* Again: a folder of another user's may have appeared since main's check. */
  if (!mgr_oci_root_check (root_dir (), &e))
    return report (e);
  MgrOciRecord rec = { .id = g_strdup (id), .dir = g_build_filename (root_dir (), id, NULL), .bundle = g_strdup (bundle) };
  rec.config = g_build_filename (rec.dir, "config.json", NULL);
  if (mkdir (rec.dir, 0700) < 0)
    {
      int err = errno;
      mgr_oci_record_clear (&rec);
      return err == EEXIST ? fail ("container %s exists already (in %s)", id, root_dir ())
                           : fail ("creating %s/%s: %s", root_dir (), id, g_strerror (err));
    }
  MgrSeccomp seccomp = { 0 };
  g_autoptr (MgrPlan) plan = NULL;
  g_autoptr (MgrCgroup) cg = NULL;
  g_autofree char *fifo = g_build_filename (rec.dir, "exec.fifo", NULL);
  _cleanup_close_ int fifo_fd = -1;
  CreateHooks hooks = { &rec, { NULL, NULL }, -1 };
  _cleanup_close_ int state_fd = -1;
  MgrSpawned sp = { 0 };
  gboolean ok = FALSE;
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();

  if (!mgr_write_file_atomic (rec.config, json, (gssize) len, 0600, &e))
    goto out;
  plan = mgr_oci_plan (json, len, bundle, id, &seccomp, &e);
  if (!plan)
    goto out;
  if (!(hooks.hooks[0] = mgr_oci_hooks (json, len, "prestart", &e))
      || !(hooks.hooks[1] = mgr_oci_hooks (json, len, "createRuntime", &e)))
    goto out;
  rec.created = g_date_time_format (now, "%Y-%m-%dT%H:%M:%S.%fZ");
  rec.annotations = g_strdupv (plan->oci.annotations);
  rec.cgroup = mgr_oci_cgroup_path (plan);
  if (!mgr_spawn_check (plan, &e))
    goto out;
  cg = mgr_cgroup_new_at (rec.cgroup, &e);
  if (!cg || !mgr_cgroup_create (cg, plan, &e))
    {
      g_clear_pointer (&cg, mgr_cgroup_free);
      goto out;
    }
  if (mkfifo (fifo, 0600) < 0 || (fifo_fd = open (fifo, O_RDWR | O_CLOEXEC)) < 0)
    {
      g_set_error (&e, MGR_ERROR, MGR_ERROR_FAILED, "making the exec fifo %s: %s", fifo, g_strerror (errno));
      goto out;
    }
  plan->oci.exec_fifo = fifo_fd;
  if (plan->oci.n_create_container || plan->oci.n_start_container)
    {
      if ((state_fd = memfd_create ("mgr-oci-state", MFD_CLOEXEC)) < 0)
        {
          g_set_error (&e, MGR_ERROR, MGR_ERROR_FAILED, "memfd_create: %s", g_strerror (errno));
          goto out;
        }
      plan->oci.state_fd = hooks.state_fd = state_fd;
    }
  plan->oci.keep_fds = c_preserve_fds;
  /* The pty itself is made by the container's first process, in its own
   * devpts: its controller comes back from mgr_spawn. */
  if (plan->oci.terminal && !c_console_socket)
    {
      g_set_error (&e, MGR_ERROR, MGR_ERROR_USAGE, "process.terminal is true: --console-socket is required");
      goto out;
    }
  else if (!plan->oci.terminal && c_console_socket)
    {
      g_set_error (&e, MGR_ERROR, MGR_ERROR_USAGE, "--console-socket: process.terminal is false, so there is no terminal to send");
      goto out;
    }
  MgrSpawnOptions so = {
    .console_fd = -1,
    .seccomp = seccomp.prog.len ? &seccomp : NULL,
    .cgroup = cg,
    .before_go = run_create_hooks,
    .before_go_data = &hooks,
  };
  if (!mgr_spawn (plan, &so, &sp, &e))
    goto out;
  close (sp.pidfd);
  if (sp.console_master >= 0)
    {
      gboolean sent = mgr_console_socket_send (c_console_socket, sp.console_master, &e);
      close (sp.console_master);
      if (!sent)
        {
          kill (sp.pid, SIGKILL);
          goto out;
        }
    }
  rec.pid = sp.pid;
  rec.start = sp.start_time;
  if (!mgr_oci_record_save (&rec, &e) || (c_pid_file && !write_pid_file (c_pid_file, sp.pid, &e)))
    {
      kill (sp.pid, SIGKILL);
      goto out;
    }
  ok = TRUE;
out:
  mgr_seccomp_clear (&seccomp);
  for (int i = 0; i < 2; i++)
    if (hooks.hooks[i])
      g_ptr_array_unref (hooks.hooks[i]);
  if (!ok)
    {
      if (cg)
        mgr_cgroup_destroy (cg, NULL);
      mgr_rm_tree (rec.dir, NULL);
    }
  mgr_oci_record_clear (&rec);
  return ok ? EXIT_OK : report (e);
}

/* ---- start, state, kill, delete ------------------------------------------------- */

static const GOptionEntry no_entries[] = { { NULL } };

static int
cmd_start (int argc, char **argv)
{
  int r = parse ("start", "ID", no_entries, &argc, &argv, 1, 1);
  if (r >= 0)
    return r;
  MgrOciRecord rec;
  g_autoptr (GError) e = NULL;
  if (!load (argv[1], &rec, &e))
    return report (e);
  MgrOciStatus s = mgr_oci_status (&rec);
  if (s != MGR_OCI_CREATED)
    {
      mgr_oci_record_clear (&rec);
      return fail ("container %s is %s; only a created container can be started", argv[1], mgr_oci_status_name (s));
    }
  g_autofree char *fifo = g_build_filename (rec.dir, "exec.fifo", NULL);
  /* Non-blocking: with the container's init gone there is no reader, and
   * open says ENXIO instead of waiting forever. */
  _cleanup_close_ int fd = open (fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0 || write (fd, "0", 1) != 1)
    {
      int err = errno;
      mgr_oci_record_clear (&rec);
      return fail ("starting %s through %s: %s", argv[1], fifo, err == ENXIO ? "its init is gone" : g_strerror (err));
    }
  unlink (fifo);
  /* A poststart hook that fails is reported; the container runs on. */
  g_autoptr (GPtrArray) hooks = hooks_of (&rec, "poststart", &e);
  g_autofree char *state = mgr_oci_state_json (&rec, MGR_OCI_RUNNING, false);
  if (!hooks || !mgr_oci_hooks_run (hooks, "poststart", state, &e))
    report (e);
  mgr_oci_record_clear (&rec);
  return EXIT_OK;
}

static int
cmd_state (int argc, char **argv)
{
  int r = parse ("state", "ID", no_entries, &argc, &argv, 1, 1);
  if (r >= 0)
    return r;
  MgrOciRecord rec;
  g_autoptr (GError) e = NULL;
  if (!load (argv[1], &rec, &e))
    return report (e);
  g_autofree char *state = state_of (&rec);
  g_print ("%s\n", state);
  mgr_oci_record_clear (&rec);
  return EXIT_OK;
}

static gboolean k_all;
static const GOptionEntry kill_entries[] = {
  { "all", 'a', 0, G_OPTION_ARG_NONE, &k_all, "signal every process of the container, not only its init", NULL },
  { NULL },
};

static gboolean
signal_init (const MgrOciRecord *rec, int sig, GError **error)
{
  _cleanup_close_ int pidfd = mgr_pidfd_open_checked (rec->pid, rec->start);
  if (pidfd < 0 || syscall (SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0)
    return g_set_error (error, MGR_ERROR, MGR_ERROR_NOT_RUNNING, "signalling %s (pid %d): %s", rec->id, rec->pid,
                        g_strerror (errno)), FALSE;
  return TRUE;
}

static int
cmd_kill (int argc, char **argv)
{
  int r = parse ("kill", "[--all] ID [SIGNAL]", kill_entries, &argc, &argv, 1, 2);
  if (r >= 0)
    return r;
  int sig = SIGTERM;
  g_autoptr (GError) e = NULL;
  if (argc > 2)
    {
      const char *s = argv[2];
      g_autofree char *name = g_ascii_isdigit (s[0]) || g_str_has_prefix (s, "SIG") ? g_strdup (s) : g_strconcat ("SIG", s, NULL);
      if (g_ascii_isdigit (s[0]))
        {
          char *end;
          long v = strtol (s, &end, 10);
          if (*end || v <= 0 || v >= NSIG)
            return usage_error ("kill: '%s' is not a signal", s);
          sig = (int) v;
        }
      else if (!mgr_parse_signal (name, &sig, &e))
        return usage_error ("kill: '%s' is not a signal", s);
    }
  MgrOciRecord rec;
  if (!load (argv[1], &rec, &e))
    return report (e);
  MgrOciStatus s = mgr_oci_status (&rec);
  gboolean ok = TRUE;
  if (s == MGR_OCI_STOPPED || s == MGR_OCI_CREATING)
    ok = (g_set_error (&e, MGR_ERROR, MGR_ERROR_NOT_RUNNING, "container %s is %s: nothing to signal", rec.id,
                       mgr_oci_status_name (s)), FALSE);
  else if (k_all)
    {
      g_autoptr (MgrCgroup) cg = mgr_cgroup_new_at (rec.cgroup, &e);
      g_autoptr (GArray) pids = cg ? mgr_cgroup_pids (cg) : NULL;
      ok = pids != NULL;
      for (guint i = 0; pids && i < pids->len; i++)
        kill (g_array_index (pids, pid_t, i), sig);
    }
  else
    ok = signal_init (&rec, sig, &e);
  mgr_oci_record_clear (&rec);
  return ok ? EXIT_OK : report (e);
}

static gboolean d_force;
static const GOptionEntry delete_entries[] = {
  { "force", 'f', 0, G_OPTION_ARG_NONE, &d_force, "kill a created, running or paused container first", NULL },
  { NULL },
};

/* Waits until the init is gone (a zombie counts: its parent reaps it). */
static void
wait_gone (const MgrOciRecord *rec)
{
  _cleanup_close_ int pidfd = mgr_pidfd_open_checked (rec->pid, rec->start);
  struct pollfd p = { pidfd, POLLIN, 0 };
  if (pidfd >= 0)
    while (poll (&p, 1, 10000) < 0 && errno == EINTR)
      ;
}

static int
cmd_delete (int argc, char **argv)
{
  int r = parse ("delete", "[--force] ID", delete_entries, &argc, &argv, 1, 1);
  if (r >= 0)
    return r;
  MgrOciRecord rec;
  g_autoptr (GError) e = NULL;
  if (!load (argv[1], &rec, &e))
    return report (e);
  MgrOciStatus s = mgr_oci_status (&rec);
  if ((s == MGR_OCI_RUNNING || s == MGR_OCI_PAUSED || s == MGR_OCI_CREATED) && !d_force)
    {
      mgr_oci_record_clear (&rec);
      return fail ("container %s is %s: stop it first (mgr-oci kill), or delete --force", argv[1],
                   mgr_oci_status_name (s));
    }
  if (s == MGR_OCI_PAUSED)
    {
      /* A frozen init takes its SIGKILL only once thawed. */
      g_autoptr (MgrCgroup) cg = mgr_cgroup_new_at (rec.cgroup, NULL);
      if (cg)
        mgr_cgroup_freeze (cg, false, NULL);
    }
  if (s != MGR_OCI_STOPPED && s != MGR_OCI_CREATING)
    {
      signal_init (&rec, SIGKILL, NULL);
      wait_gone (&rec);
    }
  gboolean ok = TRUE;
  if (rec.cgroup && *rec.cgroup)
    {
      g_autoptr (MgrCgroup) cg = mgr_cgroup_new_at (rec.cgroup, &e);
      ok = cg && mgr_cgroup_destroy (cg, &e);
    }
  if (ok && s != MGR_OCI_CREATING)
    {
      /* poststop: failures are reported, the container is removed anyway. */
      g_autoptr (GError) he = NULL;
      g_autoptr (GPtrArray) hooks = hooks_of (&rec, "poststop", &he);
      g_autofree char *state = mgr_oci_state_json (&rec, MGR_OCI_STOPPED, false);
      if (!hooks || !mgr_oci_hooks_run (hooks, "poststop", state, &he))
        report (he);
    }
  if (ok)
    ok = mgr_rm_tree (rec.dir, &e);
  mgr_oci_record_clear (&rec);
  return ok ? EXIT_OK : report (e);
}

/* ---- exec ------------------------------------------------------------------- */

static char *x_process, *x_console_socket, *x_pid_file, *x_cwd, *x_user;
static char **x_env;
static gboolean x_tty, x_detach;
static int x_preserve_fds;
static const GOptionEntry exec_entries[] = {
  { "process", 'p', 0, G_OPTION_ARG_FILENAME, &x_process, "the process to run, as the JSON of config.json's process", "FILE" },
  { "tty", 't', 0, G_OPTION_ARG_NONE, &x_tty, "give the command a terminal (its controller goes to --console-socket)", NULL },
  { "console-socket", 0, 0, G_OPTION_ARG_FILENAME, &x_console_socket, "a unix socket that receives the terminal's controller fd", "PATH" },
  { "detach", 'd', 0, G_OPTION_ARG_NONE, &x_detach, "return once the command runs (the caller's subreaper reaps it)", NULL },
  { "pid-file", 0, 0, G_OPTION_ARG_FILENAME, &x_pid_file, "write the command's pid to FILE", "FILE" },
  { "cwd", 0, 0, G_OPTION_ARG_STRING, &x_cwd, "the working directory inside", "DIR" },
  { "env", 'e', 0, G_OPTION_ARG_STRING_ARRAY, &x_env, "set NAME=VALUE (repeatable)", "NAME=VALUE" },
  { "user", 'u', 0, G_OPTION_ARG_STRING, &x_user, "run as UID[:GID]", "UID[:GID]" },
  { "preserve-fds", 0, 0, G_OPTION_ARG_INT, &x_preserve_fds, "hand fds 3..3+N-1 to the command", "N" },
  { NULL },
};

static int
cmd_exec (int argc, char **argv)
{
  int r = parse ("exec", "[OPTIONS] ID [COMMAND [ARG...]]", exec_entries, &argc, &argv, 1, -1);
  if (r >= 0)
    return r;
  if (!x_process && argc < 3)
    return usage_error ("exec: give a command after the id, or --process FILE");
  if (x_process && argc > 2)
    return usage_error ("exec: --process FILE and a command exclude each other");
  if (x_preserve_fds < 0)
    return usage_error ("--preserve-fds %d: a count of fds", x_preserve_fds);
  if (x_preserve_fds > caller_fds)
    return preserve_error (x_preserve_fds);
  MgrOciRecord rec;
  g_autoptr (GError) e = NULL;
  if (!load (argv[1], &rec, &e))
    return report (e);
  MgrOciStatus s = mgr_oci_status (&rec);
  if (s != MGR_OCI_RUNNING && s != MGR_OCI_CREATED)
    {
      mgr_oci_record_clear (&rec);
      return fail ("container %s is %s: exec needs a created or running one", argv[1], mgr_oci_status_name (s));
    }
  gsize len;
  g_autofree char *json = mgr_read_regular_at (AT_FDCWD, rec.config, 16 << 20, &len);
  MgrSeccomp seccomp = { 0 };
  g_autoptr (MgrPlan) plan = json ? mgr_oci_plan (json, len, rec.bundle, rec.id, &seccomp, &e) : NULL;
  g_autoptr (MgrCgroup) cg = NULL;
  int status = -1;
  _cleanup_close_ int pidfd = -1;
  if (!json)
    g_set_error (&e, MGR_ERROR, MGR_ERROR_IO, "%s: %s", rec.config, g_strerror (errno));
  if (!plan)
    goto out;
  if (x_process)
    {
      g_autofree char *pj = mgr_read_regular_at (AT_FDCWD, x_process, 16 << 20, &len);
      if (!pj)
        {
          g_set_error (&e, MGR_ERROR, MGR_ERROR_IO, "--process %s: %s", x_process, g_strerror (errno));
          goto out;
        }
      if (!mgr_oci_process (plan, pj, len, &e))
        goto out;
    }
  else
    {
      g_strfreev (plan->container.init);
      plan->container.init = g_strdupv (argv + 2);
      plan->oci.terminal = x_tty;
    }
  if (x_tty)
    plan->oci.terminal = TRUE;
  if (x_cwd)
    {
      g_free (plan->container.cwd);
      plan->container.cwd = g_strdup (x_cwd);
    }
  for (char **v = x_env; v && *v; v++)
    {
      const char *eq = strchr (*v, '=');
      if (!eq || eq == *v)
        {
          g_set_error (&e, MGR_ERROR, MGR_ERROR_USAGE, "--env %s: NAME=VALUE", *v);
          goto out;
        }
      g_autofree char *name = g_strndup (*v, eq - *v);
      plan->container.environment = g_environ_setenv (plan->container.environment, name, eq + 1, TRUE);
    }
  if (x_user)
    {
      char *end;
      guint64 uid = g_ascii_strtoull (x_user, &end, 10), gid = plan->container.gid.v;
      if (*end == ':')
        gid = g_ascii_strtoull (end + 1, &end, 10);
      if (*end || end == x_user || uid >= G_MAXUINT32 || gid >= G_MAXUINT32)
        {
          g_set_error (&e, MGR_ERROR, MGR_ERROR_USAGE, "--user %s: UID[:GID], numbers", x_user);
          goto out;
        }
      plan->container.uid.v = uid;
      plan->container.gid.v = gid;
    }
  if (plan->oci.terminal && !x_console_socket)
    {
      g_set_error (&e, MGR_ERROR, MGR_ERROR_USAGE, "exec with a terminal: --console-socket is required");
      goto out;
    }
  if (!plan->oci.terminal && x_console_socket)
    {
      g_set_error (&e, MGR_ERROR, MGR_ERROR_USAGE, "--console-socket: the process has no terminal (--tty, or process.terminal)");
      goto out;
    }
  pidfd = mgr_pidfd_open_checked (rec.pid, rec.start);
  if (pidfd < 0)
    {
      g_set_error (&e, MGR_ERROR, MGR_ERROR_NOT_RUNNING, "container %s stopped meanwhile", rec.id);
      goto out;
    }
  cg = mgr_cgroup_new_at (rec.cgroup, &e);
  if (!cg)
    goto out;
  MgrAttachOptions ao = {
    .plan = plan,
    .oci = true,
    .pidfd = pidfd,
    .cgroup = cg,
    .seccomp = seccomp.prog.len ? &seccomp : NULL,
    .console_socket = x_console_socket,
    .detach = x_detach,
    .keep_fds = x_preserve_fds,
    .pid_file = x_pid_file,
  };
  status = mgr_attach (&ao, &e);
out:
  mgr_seccomp_clear (&seccomp);
  mgr_oci_record_clear (&rec);
  if (status < 0)
    return report (e);
  return x_detach ? EXIT_OK : status;
}

/* ---- update ------------------------------------------------------------------ */

static char *u_resources;
static const GOptionEntry update_entries[] = {
  { "resources", 'r', 0, G_OPTION_ARG_FILENAME, &u_resources,
    "the new limits, as the JSON of config.json's linux.resources (- reads stdin)", "FILE" },
  { NULL },
};

static int
cmd_update (int argc, char **argv)
{
  int r = parse ("update", "--resources FILE ID", update_entries, &argc, &argv, 1, 1);
  if (r >= 0)
    return r;
  if (!u_resources)
    return usage_error ("update: --resources FILE is required (mgr-oci takes the limits as linux.resources JSON)");
  g_autoptr (GError) e = NULL;
  g_autofree char *json = NULL;
  gsize len = 0;
  if (strcmp (u_resources, "-") == 0)
    {
      g_autoptr (GIOChannel) in = g_io_channel_unix_new (0);
      if (g_io_channel_read_to_end (in, &json, &len, &e) != G_IO_STATUS_NORMAL)
        return report (e);
    }
  else if (!(json = mgr_read_regular_at (AT_FDCWD, u_resources, 1 << 20, &len)))
    return fail ("--resources %s: %s", u_resources, g_strerror (errno));
  MgrOciRecord rec;
  if (!load (argv[1], &rec, &e))
    return report (e);
  g_autoptr (MgrPlan) plan = g_new0 (MgrPlan, 1);
  g_autoptr (MgrCgroup) cg = NULL;
  MgrOciStatus s = mgr_oci_status (&rec);
  gboolean ok = FALSE;
  if (s == MGR_OCI_STOPPED || s == MGR_OCI_CREATING)
    g_set_error (&e, MGR_ERROR, MGR_ERROR_NOT_RUNNING, "container %s is %s: nothing to update", rec.id, mgr_oci_status_name (s));
  else if (mgr_oci_resources (plan, json, len, &e) && (cg = mgr_cgroup_new_at (rec.cgroup, &e)))
    {
      ok = TRUE;
      /* Each [cgroup] key the JSON set, through the same backends as at create. */
      for (size_t i = 0; ok && i < mgr_n_keys; i++)
        {
          const struct mgr_key *k = &mgr_keys[i];
          if (k->section != MGR_SEC_CGROUP || strcmp (k->key, "optional") == 0)
            continue;
          g_autofree char *v = k->type->format (k, mgr_key_field (k, &plan->cgroup));
          if (v && strcmp (k->key, "devices.deny") != 0)
            ok = mgr_cgroup_set (cg, k, plan, &e);
        }
    }
  mgr_oci_record_clear (&rec);
  return ok ? EXIT_OK : report (e);
}

/* ---- list, ps, pause, resume ---------------------------------------------------- */

static char *l_format;
static gboolean l_quiet;
static const GOptionEntry list_entries[] = {
  { "format", 'f', 0, G_OPTION_ARG_STRING, &l_format, "table or json", "FORMAT" },
  { "quiet", 'q', 0, G_OPTION_ARG_NONE, &l_quiet, "print the ids only", NULL },
  { NULL },
};

static int
cmd_list (int argc, char **argv)
{
  int r = parse ("list", "[--format table|json] [--quiet]", list_entries, &argc, &argv, 0, 0);
  if (r >= 0)
    return r;
  bool json = g_strcmp0 (l_format, "json") == 0;
  if (l_format && !json && strcmp (l_format, "table") != 0)
    return usage_error ("list: --format %s: table or json", l_format);
  g_autoptr (GDir) d = g_dir_open (root_dir (), 0, NULL);
  g_autoptr (GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  for (const char *n; d && (n = g_dir_read_name (d));)
    g_ptr_array_add (ids, g_strdup (n));
  g_ptr_array_sort (ids, (GCompareFunc) g_strcmp0);
  g_autoptr (GString) out = g_string_new (json ? "[" : l_quiet ? "" : "ID\tPID\tSTATUS\tBUNDLE\tCREATED\n");
  for (guint i = 0; i < ids->len; i++)
    {
      MgrOciRecord rec;
      if (!mgr_oci_record_load (root_dir (), ids->pdata[i], &rec, NULL))
        continue;
      MgrOciStatus s = mgr_oci_status (&rec);
      if (json)
        {
          g_autofree char *st = mgr_oci_state_json (&rec, s, false);
          g_string_append_printf (out, "%s%s", out->len > 1 ? "," : "", st);
        }
      else if (l_quiet)
        g_string_append_printf (out, "%s\n", rec.id);
      else
        g_string_append_printf (out, "%s\t%d\t%s\t%s\t%s\n", rec.id, s == MGR_OCI_STOPPED ? 0 : rec.pid,
                                mgr_oci_status_name (s), rec.bundle ? rec.bundle : "", rec.created ? rec.created : "");
      mgr_oci_record_clear (&rec);
    }
  if (json)
    g_string_append (out, "]\n");
  fputs (out->str, stdout);
  return EXIT_OK;
}

static char *p_format;
static const GOptionEntry ps_entries[] = {
  { "format", 'f', 0, G_OPTION_ARG_STRING, &p_format, "table or json", "FORMAT" },
  { NULL },
};

static int
cmd_ps (int argc, char **argv)
{
  int r = parse ("ps", "[--format table|json] ID", ps_entries, &argc, &argv, 1, 1);
  if (r >= 0)
    return r;
  bool json = g_strcmp0 (p_format, "json") == 0;
  if (p_format && !json && strcmp (p_format, "table") != 0)
    return usage_error ("ps: --format %s: table or json", p_format);
  MgrOciRecord rec;
  g_autoptr (GError) e = NULL;
  if (!load (argv[1], &rec, &e))
    return report (e);
  g_autoptr (MgrCgroup) cg = mgr_cgroup_new_at (rec.cgroup, &e);
  mgr_oci_record_clear (&rec);
  if (!cg)
    return report (e);
  g_autoptr (GArray) pids = mgr_cgroup_pids (cg);
  g_autoptr (GString) out = g_string_new (json ? "[" : "PID\n");
  for (guint i = 0; i < pids->len; i++)
    g_string_append_printf (out, json ? "%s%d" : "%s%d\n", json && i ? "," : "", g_array_index (pids, pid_t, i));
  if (json)
    g_string_append (out, "]\n");
  fputs (out->str, stdout);
  return EXIT_OK;
}

static int
freeze (int argc, char **argv, bool frozen)
{
  const char *cmd = frozen ? "pause" : "resume";
  int r = parse (cmd, "ID", no_entries, &argc, &argv, 1, 1);
  if (r >= 0)
    return r;
  MgrOciRecord rec;
  g_autoptr (GError) e = NULL;
  if (!load (argv[1], &rec, &e))
    return report (e);
  MgrOciStatus s = mgr_oci_status (&rec);
  gboolean ok = FALSE;
  g_autofree char *mark = g_build_filename (rec.dir, "paused", NULL);
  if (s != (frozen ? MGR_OCI_RUNNING : MGR_OCI_PAUSED))
    g_set_error (&e, MGR_ERROR, MGR_ERROR_NOT_RUNNING, "container %s is %s: %s needs a %s one", rec.id,
                 mgr_oci_status_name (s), cmd, frozen ? "running" : "paused");
  else
    {
      g_autoptr (MgrCgroup) cg = mgr_cgroup_new_at (rec.cgroup, &e);
      ok = cg && mgr_cgroup_freeze (cg, frozen, &e)
           && (frozen ? mgr_write_file_atomic (mark, "", 0, 0600, &e) : (unlink (mark) == 0 || errno == ENOENT));
    }
  mgr_oci_record_clear (&rec);
  return ok ? EXIT_OK : report (e);
}

static int
cmd_pause (int argc, char **argv)
{
  return freeze (argc, argv, true);
}

static int
cmd_resume (int argc, char **argv)
{
  return freeze (argc, argv, false);
}

/* ---- spec, features ----------------------------------------------------------- */

static const char default_spec[] =
  "{\n"
  "  \"ociVersion\": \"" MGR_OCI_VERSION "\",\n"
  "  \"process\": {\n"
  "    \"terminal\": true,\n"
  "    \"user\": { \"uid\": 0, \"gid\": 0 },\n"
  "    \"args\": [ \"sh\" ],\n"
  "    \"env\": [ \"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\", \"TERM=xterm\" ],\n"
  "    \"cwd\": \"/\",\n"
  "    \"capabilities\": {\n"
  "      \"bounding\": [ \"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\" ],\n"
  "      \"effective\": [ \"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\" ],\n"
  "      \"permitted\": [ \"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\" ]\n"
  "    },\n"
  "    \"rlimits\": [ { \"type\": \"RLIMIT_NOFILE\", \"hard\": 1024, \"soft\": 1024 } ],\n"
  "    \"noNewPrivileges\": true\n"
  "  },\n"
  "  \"root\": { \"path\": \"rootfs\", \"readonly\": true },\n"
  "  \"hostname\": \"mgr\",\n"
  "  \"mounts\": [\n"
  "    { \"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\" },\n"
  "    { \"destination\": \"/dev\", \"type\": \"tmpfs\", \"source\": \"tmpfs\", \"options\": [ \"nosuid\", \"strictatime\", \"mode=755\", \"size=65536k\" ] },\n"
  "    { \"destination\": \"/dev/pts\", \"type\": \"devpts\", \"source\": \"devpts\", \"options\": [ \"nosuid\", \"noexec\", \"newinstance\", \"ptmxmode=0666\", \"mode=0620\", \"gid=5\" ] },\n"
  "    { \"destination\": \"/dev/shm\", \"type\": \"tmpfs\", \"source\": \"shm\", \"options\": [ \"nosuid\", \"noexec\", \"nodev\", \"mode=1777\", \"size=65536k\" ] },\n"
  "    { \"destination\": \"/dev/mqueue\", \"type\": \"mqueue\", \"source\": \"mqueue\", \"options\": [ \"nosuid\", \"noexec\", \"nodev\" ] },\n"
  "    { \"destination\": \"/sys\", \"type\": \"sysfs\", \"source\": \"sysfs\", \"options\": [ \"nosuid\", \"noexec\", \"nodev\", \"ro\" ] },\n"
  "    { \"destination\": \"/sys/fs/cgroup\", \"type\": \"cgroup\", \"source\": \"cgroup\", \"options\": [ \"nosuid\", \"noexec\", \"nodev\", \"relatime\", \"ro\" ] }\n"
  "  ],\n"
  "  \"linux\": {\n"
  "    \"resources\": { \"devices\": [ { \"allow\": false, \"access\": \"rwm\" } ] },\n"
  "    \"namespaces\": [ { \"type\": \"pid\" }, { \"type\": \"network\" }, { \"type\": \"ipc\" }, { \"type\": \"uts\" }, { \"type\": \"mount\" }, { \"type\": \"cgroup\" } ],\n"
  "    \"maskedPaths\": [ \"/proc/acpi\", \"/proc/asound\", \"/proc/kcore\", \"/proc/keys\", \"/proc/latency_stats\", \"/proc/timer_list\", \"/proc/timer_stats\", \"/proc/sched_debug\", \"/sys/firmware\", \"/proc/scsi\" ],\n"
  "    \"readonlyPaths\": [ \"/proc/bus\", \"/proc/fs\", \"/proc/irq\", \"/proc/sys\", \"/proc/sysrq-trigger\" ]\n"
  "  }\n"
  "}\n";

static char *s_bundle;
static const GOptionEntry spec_entries[] = {
  { "bundle", 'b', 0, G_OPTION_ARG_FILENAME, &s_bundle, "write config.json there (default: the current folder)", "DIR" },
  { NULL },
};

static int
cmd_spec (int argc, char **argv)
{
  int r = parse ("spec", "[--bundle DIR]", spec_entries, &argc, &argv, 0, 0);
  if (r >= 0)
    return r;
  g_autofree char *path = g_build_filename (s_bundle ? s_bundle : ".", "config.json", NULL);
  int fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0)
    return fail ("%s: %s%s", path, g_strerror (errno), errno == EEXIST ? " (remove it first)" : "");
  /* The profile is made here, from libseccomp's table of calls: without
   * it a bundle from spec would run with every call allowed. */
  g_autoptr (JsonParser) parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, default_spec, -1, NULL))
    g_assert_not_reached ();
  JsonObject *linux_ = json_object_get_object_member (json_node_get_object (json_parser_get_root (parser)), "linux");
  json_object_set_member (linux_, "seccomp", mgr_oci_default_seccomp ());
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  json_generator_set_pretty (gen, TRUE);
  json_generator_set_root (gen, json_parser_get_root (parser));
  gsize len;
  g_autofree char *text = json_generator_to_data (gen, &len);
  gboolean ok = write (fd, text, len) == (ssize_t) len && write (fd, "\n", 1) == 1;
  close (fd);
  return ok ? EXIT_OK : fail ("writing %s: %s", path, g_strerror (errno));
}

static void
add_strings (JsonBuilder *b, const char *name, const char *const *v)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_array (b);
  for (; *v; v++)
    json_builder_add_string_value (b, *v);
  json_builder_end_array (b);
}

static int
cmd_features (int argc, char **argv)
{
  int r = parse ("features", "", no_entries, &argc, &argv, 0, 0);
  if (r >= 0)
    return r;
  static const char *const hooks[] = { "prestart", "createRuntime", "createContainer", "startContainer", "poststart",
                                       "poststop", NULL };
  static const char *const mount_options[] = { "ro", "rw", "nosuid", "suid", "nodev", "dev", "noexec", "exec",
                                               "noatime", "nodiratime", "relatime", "strictatime", "bind", "rbind",
                                               "private", "rprivate", "slave", "rslave", "shared", "rshared",
                                               "unbindable", "runbindable", NULL };
  static const char *const namespaces[] = { "cgroup", "ipc", "mount", "network", "pid", "user", "uts", NULL };
  static const char *const actions[] = { "SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS",
                                         "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG", "SCMP_ACT_TRACE", "SCMP_ACT_TRAP", NULL };
  static const char *const operators[] = { "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_LE", "SCMP_CMP_LT",
                                           "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE", NULL };
  static const char *const archs[] = { "SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32", "SCMP_ARCH_ARM",
                                       "SCMP_ARCH_AARCH64", NULL };
  g_autoptr (GPtrArray) caps = g_ptr_array_new_with_free_func (g_free);
  for (int c = 0; c <= CAP_LAST_CAP; c++)
    {
      char *n = cap_to_name (c);
      g_ptr_array_add (caps, g_ascii_strup (n, -1));
      cap_free (n);
    }
  g_ptr_array_add (caps, NULL);
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "ociVersionMin");
  json_builder_add_string_value (b, "1.0.0");
  json_builder_set_member_name (b, "ociVersionMax");
  json_builder_add_string_value (b, MGR_OCI_VERSION);
  add_strings (b, "hooks", hooks);
  add_strings (b, "mountOptions", mount_options);
  json_builder_set_member_name (b, "linux");
  json_builder_begin_object (b);
  add_strings (b, "namespaces", namespaces);
  add_strings (b, "capabilities", (const char *const *) caps->pdata);
  json_builder_set_member_name (b, "cgroup");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "v1");
  json_builder_add_boolean_value (b, TRUE);
  json_builder_set_member_name (b, "v2");
  json_builder_add_boolean_value (b, TRUE);
  json_builder_set_member_name (b, "systemd");
  json_builder_add_boolean_value (b, FALSE);
  json_builder_set_member_name (b, "systemdUser");
  json_builder_add_boolean_value (b, FALSE);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "seccomp");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "enabled");
  json_builder_add_boolean_value (b, TRUE);
  add_strings (b, "actions", actions);
  add_strings (b, "operators", operators);
  add_strings (b, "archs", archs);
  json_builder_end_object (b);
  g_autofree char *aa = NULL;
  json_builder_set_member_name (b, "apparmor");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "enabled");
  json_builder_add_boolean_value (b, g_file_get_contents ("/sys/module/apparmor/parameters/enabled", &aa, NULL, NULL)
                                       && aa[0] == 'Y');
  json_builder_end_object (b);
  json_builder_set_member_name (b, "selinux");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "enabled");
  json_builder_add_boolean_value (b, FALSE);
  json_builder_end_object (b);
  json_builder_end_object (b);
  json_builder_end_object (b);
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  g_autofree char *text = json_to_string (root, TRUE);
  g_print ("%s\n", text);
  return EXIT_OK;
}

/* ---- the command table ---------------------------------------------------------- */

typedef struct {
  const char *name;
  int (*main) (int argc, char **argv);
  const GOptionEntry *entries;
  const char *params;
  const char *summary;
} OciCommand;

static const OciCommand commands[] = {
  { "create", cmd_create, create_entries, "[OPTIONS] ID",
    "set up the container from the bundle's config.json; its process waits for start" },
  { "start", cmd_start, no_entries, "ID", "run the process of a created container" },
  { "state", cmd_state, no_entries, "ID", "print the container's state (JSON of the runtime spec)" },
  { "exec", cmd_exec, exec_entries, "[OPTIONS] ID [COMMAND [ARG...]]",
    "run another process in a created or running container" },
  { "kill", cmd_kill, kill_entries, "[--all] ID [SIGNAL]", "send a signal (default SIGTERM) to the container's init" },
  { "delete", cmd_delete, delete_entries, "[--force] ID", "remove a stopped container (with --force, any)" },
  { "update", cmd_update, update_entries, "--resources FILE ID", "change the limits of a created or running container" },
  { "list", cmd_list, list_entries, "[--format table|json] [--quiet]", "list the containers under --root" },
  { "ps", cmd_ps, ps_entries, "[--format table|json] ID", "list the container's processes" },
  { "pause", cmd_pause, no_entries, "ID", "freeze every process of the container" },
  { "resume", cmd_resume, no_entries, "ID", "thaw a paused container" },
  { "spec", cmd_spec, spec_entries, "[--bundle DIR]", "write a default config.json" },
  { "features", cmd_features, no_entries, "", "print what this runtime supports (the spec's features document)" },
  { NULL },
};

static void
man_text (GString *out, const char *s)
{
  for (; *s; s++)
    {
      if (*s == '-' || *s == '\\')
        g_string_append_c (out, '\\');
      g_string_append_c (out, *s);
    }
}

static void
man_options (GString *out, const GOptionEntry *e)
{
  for (; e->long_name; e++)
    {
      if (e->flags & G_OPTION_FLAG_HIDDEN)
        continue;
      g_string_append (out, ".TP\n.B ");
      if (e->short_name)
        g_string_append_printf (out, "\\-%c, ", e->short_name);
      g_string_append (out, "\\-\\-");
      man_text (out, e->long_name);
      if (e->arg_description)
        {
          g_string_append (out, " \\fI");
          man_text (out, e->arg_description);
          g_string_append (out, "\\fR");
        }
      g_string_append_c (out, '\n');
      man_text (out, e->description);
      g_string_append_c (out, '\n');
    }
}

static void
print_manpage (void)
{
  g_autoptr (GString) out = g_string_new (NULL);
  g_string_append_printf (out, ".TH MGR\\-OCI 1 \"\" \"mgr %s\" \"User Commands\"\n.SH NAME\n"
                               "mgr\\-oci \\- an OCI runtime with mgr's executor, for podman, containerd and CRI\\-O\n"
                               ".SH SYNOPSIS\n.B mgr\\-oci\n.RI [ GLOBAL\\ OPTIONS ]\n.I COMMAND\n.RI [ OPTIONS ]\n"
                               ".SH DESCRIPTION\n"
                               "mgr\\-oci speaks the command line that runc and crun share. A bundle's config.json is "
                               "translated into the same plan as an mgr container config, and mgr's executor starts it: "
                               "namespaces, pivot_root, cgroups on v1, v2 and hybrid hosts, capabilities, seccomp. "
                               "A field of config.json that mgr does not support is an error naming its JSON path. "
                               "There is no monitor of mgr's own: the engine's (conmon, the containerd shim) is the "
                               "container's parent.\n.SH GLOBAL OPTIONS\n",
                          PACKAGE_VERSION);
  man_options (out, global_entries);
  g_string_append (out, ".TP\n.B \\-h, \\-\\-help\nprint the commands and global options (after a command: its options)\n");
  g_string_append (out, ".SH COMMANDS\n");
  for (const OciCommand *c = commands; c->name; c++)
    {
      g_string_append (out, ".SS ");
      man_text (out, c->name);
      g_string_append_c (out, ' ');
      man_text (out, c->params);
      g_string_append_c (out, '\n');
      man_text (out, c->summary);
      g_string_append_c (out, '\n');
      man_options (out, c->entries);
    }
  g_string_append_printf (out, ".SH EXIT STATUS\n0 on success, 1 on failure, 2 on bad usage.\n"
                               ".SH FILES\n.TP\n.I %s/mgr\\-oci/ID\nthe record of container ID: its state, a copy of its "
                               "config.json, the exec fifo between create and start\n"
                               ".SH SEE ALSO\n.BR mgr (1),\n.BR runc (8),\n.BR crun (1)\n",
                          MGR_RUNSTATEDIR);
  fputs (out->str, stdout);
}

static int
usage (int code)
{
  FILE *f = code ? stderr : stdout;
  fprintf (f, "Usage: mgr-oci [--root DIR] [--log FILE] [--log-format text|json] COMMAND [OPTIONS...]\n\nCommands:\n");
  for (const OciCommand *c = commands; c->name; c++)
    fprintf (f, "  %-10s %s\n", c->name, c->summary);
  fprintf (f, "\nGlobal options:\n");
  for (const GOptionEntry *e = global_entries; e->long_name; e++)
    if (!(e->flags & G_OPTION_FLAG_HIDDEN))
      fprintf (f, "  --%s%s%s  %s\n", e->long_name, e->arg_description ? " " : "", e->arg_description ? e->arg_description : "",
               e->description);
  fprintf (f, "\nmgr-oci COMMAND --help tells more.\n");
  return code;
}

int
main (int argc, char **argv)
{
  /* Before anything here opens an fd: how many the caller handed on. */
  while (fcntl (3 + caller_fds, F_GETFD) >= 0)
    caller_fds++;
  setlocale (LC_ALL, "");
  g_set_prgname ("mgr-oci");
  g_autoptr (GOptionContext) ctx = g_option_context_new ("COMMAND [OPTIONS...]");
  g_autoptr (GError) e = NULL;
  g_option_context_add_main_entries (ctx, global_entries, NULL);
  g_option_context_set_strict_posix (ctx, TRUE);
  g_option_context_set_help_enabled (ctx, FALSE);
  if (argc > 1 && (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0))
    return usage (EXIT_OK);
  if (!g_option_context_parse (ctx, &argc, &argv, &e))
    return usage_error ("%s", e->message);
  if (opt_help_man)
    {
      print_manpage ();
      return EXIT_OK;
    }
  if (opt_version)
    {
      const struct scmp_version *sv = seccomp_version ();
      g_print ("mgr-oci version %s\nspec: %s\nlibseccomp: %u.%u.%u\n", PACKAGE_VERSION, MGR_OCI_VERSION, sv->major,
               sv->minor, sv->micro);
      return EXIT_OK;
    }
  if (opt_log_format && strcmp (opt_log_format, "text") != 0 && strcmp (opt_log_format, "json") != 0)
    return usage_error ("--log-format %s: text or json", opt_log_format);
  if (opt_systemd_cgroup)
    return usage_error ("--systemd-cgroup: mgr-oci has no systemd cgroup backend (it drives cgroupfs on v1, v2 and "
                        "hybrid hosts itself); configure the engine for cgroupfs (podman: --cgroup-manager cgroupfs, "
                        "containerd: SystemdCgroup = false)");
  if (argc < 2)
    return usage (EXIT_USAGE);
  if (strcmp (argv[1], "spec") != 0 && strcmp (argv[1], "features") != 0 && !mgr_oci_root_check (root_dir (), &e))
    return report (e);
  for (const OciCommand *c = commands; c->name; c++)
    if (strcmp (c->name, argv[1]) == 0)
      return c->main (argc - 1, argv + 1);
  g_printerr ("mgr-oci: unknown command '%s'\n", argv[1]);
  return usage (EXIT_USAGE);
}
