#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "client.h"
#include "idblock.h"
#include "keys.h"
#include "mgr-error.h"
#include "monitor.h"
#include "trace.h"
#include "util.h"

int
mgr_monitor_connect (const MgrRuntimePaths *rt, GError **error)
{
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  g_strlcpy (sa.sun_path, rt->socket, sizeof sa.sun_path);
  _cleanup_close_ int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || connect (fd, (struct sockaddr *) &sa, sizeof sa) < 0)
    {
      g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "the monitor does not answer on %s: %s", rt->socket,
                   g_strerror (errno));
      return -1;
    }
  return mgr_steal_fd (&fd);
}

char *
mgr_monitor_request (int sock, const char *request, int *fd, GError **error)
{
  g_autofree char *line = g_strconcat (request, "\n", NULL);
  if (send (sock, line, strlen (line), MSG_NOSIGNAL) < 0)
    {
      g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "asking the monitor: %s", g_strerror (errno));
      return NULL;
    }
  GString *reply = g_string_new (NULL);
  if (fd)
    *fd = -1;
  for (;;)
    {
      char c, cbuf[CMSG_SPACE (sizeof (int))];
      struct iovec iov = { &c, 1 };
      struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
      ssize_t n = recvmsg (sock, &msg, MSG_CMSG_CLOEXEC);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "the monitor closed the connection%s%s",
                       n < 0 ? ": " : "", n < 0 ? g_strerror (errno) : "");
          g_string_free (reply, TRUE);
          return NULL;
        }
      struct cmsghdr *cm = CMSG_FIRSTHDR (&msg);
      if (cm && cm->cmsg_type == SCM_RIGHTS)
        {
          int got;
          memcpy (&got, CMSG_DATA (cm), sizeof got);
          if (fd && *fd < 0)
            *fd = got;
          else
            close (got);
        }
      if (c == '\n')
        break;
      g_string_append_c (reply, c);
    }
  return g_string_free (reply, FALSE);
}

int
mgr_start (const MgrPlan *plan, const MgrRuntimePaths *rt, const MgrStartOptions *o, GError **error)
{
  g_autoptr (GError) lock_err = NULL;
  MgrStatus before;
  mgr_runtime_status (rt, &before);
  if (before.state != MGR_STATE_STOPPED && before.monitor_dead)
    {
      g_autofree char *folder = plan->dir ? g_path_get_dirname (plan->dir) : NULL;
      g_autofree char *pid = before.init_pid ? g_strdup_printf ("init pid %d", before.init_pid)
                                             : g_strdup ("its cgroup still holds processes");
      g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED,
                   "%s still runs without its monitor (%s); mgr-stop -k -n %s%s%s ends it, then start it again",
                   plan->name, pid, plan->name, folder ? " -P " : "", folder ? folder : "");
      return -1;
    }
  mgr_trace ("start: status read");
  _cleanup_close_ int lock = mgr_runtime_lock (rt, &lock_err);
  if (lock < 0)
    {
      if (errno != EWOULDBLOCK)
        return g_propagate_error (error, g_steal_pointer (&lock_err)), -1;
      MgrStatus st;
      mgr_runtime_status (rt, &st);
      g_autofree char *state = g_ascii_strdown (st.state == MGR_STATE_STOPPED ? "starting" : mgr_state_name (st.state), -1);
      g_autofree char *pid = st.init_pid ? g_strdup_printf (" (init pid %d)", st.init_pid) : g_strdup ("");
      g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "%s is already %s%s", plan->name, state, pid);
      return -1;
    }
  mgr_trace ("start: locked");
  MgrMonitorOptions mo = { .plan = plan, .rt = rt, .status_fd = -1, .foreground = o->foreground,
                           .execute = o->execute, .command = o->command, .wait_ready = o->wait_ready,
                           .lock_fd = lock, .core_args = o->core_args };
  if (o->foreground)
    {
      if (!mgr_id_blocks_check (plan, error))
        return -1;
      mgr_trace ("start: id blocks checked");
      return mgr_monitor_run (&mo, error);
    }

  /* The v1 cgroups (nine mkdirs and their limits on a hybrid host, 0.45 ms)
   * are made here while the monitor saves its state, opens the consoles and
   * clones the container, which waits for them before anything else: the
   * two run on two CPUs. Root's starts only, on hosts with v1 hierarchies
   * (pure v2 has one hierarchy, and its clone3 needs the cgroup first), and
   * not with a pre-start hook (which runs once the cgroups exist). */
  g_autoptr (MgrCgroup) cg = NULL;
  int ready[2] = { -1, -1 };
  if (geteuid () == 0 && !plan->hooks.pre_start && !plan->oci.set && (cg = mgr_cgroup_new (rt->id, NULL))
      && mgr_cgroup_has_v1 (cg))
    {
      if (!mgr_cgroup_prepare (cg, plan, error))
        return -1;
      if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ready) < 0)
        {
          g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "socketpair: %s", g_strerror (errno));
          return -1;
        }
      mo.cgroup = cg;
      mo.cgroup_ready_fd = ready[1];
    }
  /* The id-block scan runs here after the fork, while the monitor waits
   * for its verdict on go[0], not before it: the scan reads every
   * registered container's config and allocates and frees much, and the
   * monitor, which lives as long as the container, would keep every heap
   * page that left dirty and in use (a third of its heap). */
  int pipefd[2], go[2];
  if (pipe2 (pipefd, O_CLOEXEC) < 0)
    {
      g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "pipe: %s", g_strerror (errno));
      if (ready[0] >= 0)
        close (ready[0]), close (ready[1]);
      return -1;
    }
  int go_ev = eventfd (0, EFD_CLOEXEC);
  if (go_ev < 0 || pipe2 (go, O_CLOEXEC) < 0)
    {
      if (go_ev >= 0)
        close (go_ev);
      g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "pipe: %s", g_strerror (errno));
      close (pipefd[0]);
      close (pipefd[1]);
      if (ready[0] >= 0)
        close (ready[0]), close (ready[1]);
      return -1;
    }
  pid_t pid = fork ();
  if (pid < 0)
    {
      g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "forking the monitor: %s", g_strerror (errno));
      close (pipefd[0]);
      close (pipefd[1]);
      close (go[0]);
      close (go[1]);
      close (go_ev);
      if (ready[0] >= 0)
        close (ready[0]), close (ready[1]);
      return -1;
    }
  if (pid == 0)
    {
      /* Nothing before the verdict: a refused start (or a caller that
       * died, which closes go[1] too) leaves no trace of the monitor. The
       * verdict comes on an eventfd, whose wake-up is not a "sync" one as
       * a pipe's is: the scheduler would put us on mgr-start's CPU, to run
       * only once mgr-start sleeps, after it made the v1 cgroups that it
       * makes while we start (measured: 0.4 ms lost). */
      close (go[1]);
      struct pollfd w[2] = { { go_ev, POLLIN, 0 }, { go[0], POLLIN, 0 } };
      guint64 verdict = 0;
      while (poll (w, 2, -1) < 0 && errno == EINTR)
        ;
      if (!(w[0].revents & POLLIN) || read (go_ev, &verdict, sizeof verdict) != sizeof verdict)
        _exit (0);
      close (go[0]);
      close (go_ev);
      /* The monitor: its own session, no terminal. One fork, not the
       * daemon's two (a second fork cost the start 0.15-0.25 ms): as a
       * session leader it could gain a controlling terminal by opening one,
       * and it never does (every tty it opens is O_NOCTTY; its hooks are
       * its children, not leaders). It is our child until we return, then
       * init's (or a subreaper's); a start that fails reaps it below. */
      close (pipefd[0]);
      if (ready[0] >= 0)
        close (ready[0]);
      setsid ();
      int null = open ("/dev/null", O_RDWR);
      dup2 (null, 0), dup2 (null, 1), dup2 (null, 2);
      if (null > 2)
        close (null);
      /* The monitor lives as long as the container: an fd the caller left
       * open (a flock(1) lock, a pipe) must not live on with it. It keeps
       * only the runtime lock, the status pipe and the cgroups' word. */
      int keep[3] = { lock, pipefd[1], ready[1] }, from = 3;
      for (int a = 0; a < 3; a++)
        for (int b = a + 1; b < 3; b++)
          if (keep[b] < keep[a])
            {
              int t = keep[a];
              keep[a] = keep[b], keep[b] = t;
            }
      for (int k = 0; k < 3; k++)
        if (keep[k] >= from)
          {
            if (keep[k] > from)
              syscall (SYS_close_range, (unsigned) from, (unsigned) keep[k] - 1, 0U);
            from = keep[k] + 1;
          }
      syscall (SYS_close_range, (unsigned) from, ~0U, 0U);
      if (chdir ("/") < 0)
        _exit (1);
      mo.status_fd = pipefd[1];
      /* The monitor's trace lines reach the caller's stderr through us. */
      mgr_trace_redirect (pipefd[1]);
      mgr_trace ("monitor: forked");
      g_autoptr (GError) e = NULL;
      int r = mgr_monitor_run (&mo, &e);
      _exit (r < 0 ? 1 : 0);
    }
  close (pipefd[1]);
  close (go[0]);
  mgr_trace ("start: monitor forked");
  if (!mgr_id_blocks_check (plan, error))
    {
      close (go[1]);
      close (go_ev);
      if (ready[0] >= 0)
        close (ready[0]), close (ready[1]);
      close (pipefd[0]);
      while (waitpid (pid, NULL, 0) < 0 && errno == EINTR)
        ;
      return -1;
    }
  mgr_trace ("start: id blocks checked");
  (void) !eventfd_write (go_ev, 1);
  close (go_ev);
  close (go[1]);
  if (ready[0] >= 0)
    {
      close (ready[1]);
      g_autoptr (GError) ce = NULL;
      g_autofree char *word = NULL;
      if (mgr_cgroup_create_part (cg, plan, 1, &ce))
        word = g_strdup ("ok\n");
      else
        {
          word = g_strdup_printf ("error %s\n", ce->message);
          g_strdelimit (word, "\n", ' ');
          word[strlen (word) - 1] = '\n';
        }
      mgr_trace ("start: v1 cgroups made");
      /* A monitor that died meanwhile is told by the reply below. */
      (void) !send (ready[0], word, strlen (word), MSG_NOSIGNAL);
      close (ready[0]);
    }
  GString *s = g_string_new (NULL);
  char buf[512];
  ssize_t n;
  while ((n = read (pipefd[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
    if (n > 0)
      g_string_append_len (s, buf, n);
  close (pipefd[0]);
  g_autofree char *all = g_string_free (s, FALSE);
  /* Trace lines (MGR_TRACE=1) go to stderr; the rest is the reply. */
  g_autoptr (GString) rest = g_string_new (NULL);
  for (char *line = all, *next; line && *line; line = next)
    {
      next = strchr (line, '\n');
      size_t len = next ? (size_t) (next - line) + 1 : strlen (line);
      if (g_str_has_prefix (line, MGR_TRACE_PREFIX))
        (void) !write (STDERR_FILENO, line, len);
      else
        g_string_append_len (rest, line, len);
      next = next ? next + 1 : NULL;
    }
  g_autofree char *reply = g_string_free (g_steal_pointer (&rest), FALSE);
  g_strchomp (reply);
  mgr_trace ("start: monitor replied");
  if (g_str_has_prefix (reply, "ok "))
    return atoi (reply + 3);
  /* A failed start returns once the monitor has cleaned up and exited
   * (its exit drops the lock it shares with us), so that a start right
   * after it does not find the container "already starting". */
  close (lock);
  lock = -1;
  _cleanup_close_ int wait_fd = open (rt->lock, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
  struct flock l = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
  while (wait_fd >= 0 && fcntl (wait_fd, F_OFD_SETLKW, &l) < 0 && errno == EINTR)
    ;
  while (waitpid (pid, NULL, 0) < 0 && errno == EINTR)
    ;
  /* The monitor removed the cgroups as it failed, unless it ended before
   * the v1 ones were made here: what is left of them is ours (prepare found
   * no earlier run's processes). */
  if (mo.cgroup)
    mgr_cgroup_destroy (cg, NULL);
  g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "%s",
               g_str_has_prefix (reply, "error ") ? reply + 6 : "the monitor died while starting the container");
  return -1;
}

static void
wait_pidfd (int fd, int timeout_ms)
{
  struct pollfd p = { fd, POLLIN };
  if (fd >= 0)
    while (poll (&p, 1, timeout_ms) < 0 && errno == EINTR)
      ;
}

/* The container is stopped, but not as asked: its init ignored the stop
 * signal (the wrong one for this init, or a hung shutdown) and was killed. */
static gboolean
stop_killed (const char *name, const char *sig, guint64 timeout_ms, GError **error)
{
  g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED,
               "%s did not stop within %g s of %s and was killed with SIGKILL (set [container] stop.signal to what its "
               "init expects, or a longer stop.timeout)",
               name, timeout_ms / 1000.0, sig);
  return FALSE;
}

static gboolean
stopped_meanwhile (const char *name, GError **error)
{
  g_clear_error (error);
  g_set_error (error, MGR_ERROR, MGR_ERROR_NOT_RUNNING,
               "%s stopped meanwhile (another command stopped it, or its init ended)", name);
  return FALSE;
}

gboolean
mgr_stop (const MgrRuntimePaths *rt, const char *name, int stop_signal, guint64 timeout_ms, bool *orphan,
          GError **error)
{
  MgrStatus st, first;
  mgr_runtime_status (rt, &st);
  first = st;
  if (orphan)
    *orphan = false;
  if (st.state == MGR_STATE_STOPPED)
    return g_set_error (error, MGR_ERROR, MGR_ERROR_NOT_RUNNING, "%s is not running", name), FALSE;
  /* While the monitor lives but does not answer, it is starting (its socket
   * is not there yet) or tearing down (another stop won, or init ended: the
   * socket is gone or closing). Ask again until it answers, exits or dies;
   * a different monitor by then means the run we were to stop has ended. */
  for (int attempt = 0; !st.monitor_dead; attempt++)
    {
      if (attempt && (st.state == MGR_STATE_STOPPED || st.monitor_pid != first.monitor_pid
                      || st.monitor_start != first.monitor_start))
        return stopped_meanwhile (name, error);
      /* The monitor replies after its teardown; its exit is the last step. */
      _cleanup_close_ int mon = syscall (SYS_pidfd_open, st.monitor_pid, 0);
      g_clear_error (error);
      _cleanup_close_ int sock = mgr_monitor_connect (rt, error);
      g_autofree char *req = timeout_ms ? g_strdup_printf ("stop %" G_GUINT64_FORMAT, timeout_ms) : g_strdup ("kill");
      g_autofree char *reply = sock >= 0 ? mgr_monitor_request (sock, req, NULL, error) : NULL;
      if (reply && !g_str_has_prefix (reply, "stopped"))
        {
          g_clear_error (error);
          g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "the monitor of %s answered: %s", name, reply);
          return FALSE;
        }
      if (reply)
        {
          wait_pidfd (mon, 5000);
          const char *killed = strstr (reply, " killed ");
          if (killed)
            {
              g_autofree char *sig = g_strstrip (g_strdup (killed + 8));
              return stop_killed (name, sig, timeout_ms, error);
            }
          return TRUE;
        }
      if (attempt >= 300)
        return FALSE;
      wait_pidfd (mon, 100);
      mgr_runtime_status (rt, &st);
    }
  g_clear_error (error);
  /* A monitor that finished its teardown (another stop won, or init ended)
   * recorded STOPPED before it exited: that is not a dead monitor. */
  if (st.state == MGR_STATE_STOPPED || st.monitor_pid != first.monitor_pid || st.monitor_start != first.monitor_start)
    return stopped_meanwhile (name, error);
  /* The monitor is dead: the cgroup is the truth. init gets the stop
   * signal when it is known, then every process of the cgroup is killed. */
  if (orphan)
    *orphan = true;
  _cleanup_close_ int fd = mgr_pidfd_open_checked (st.init_pid, st.init_start);
  bool killed = false;
  if (fd >= 0)
    {
      struct pollfd p = { fd, POLLIN };
      syscall (SYS_pidfd_send_signal, fd, timeout_ms ? stop_signal : SIGKILL, NULL, 0);
      if (timeout_ms && poll (&p, 1, timeout_ms) == 0)
        {
          syscall (SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0);
          killed = true;
        }
      wait_pidfd (fd, 10000);
    }
  g_autoptr (MgrCgroup) cg = mgr_cgroup_new (rt->id, error);
  if (!cg)
    return FALSE;
  /* The state and the cgroup's removal are the lock holder's, so that a
   * start cannot begin between them. Until the dead monitor's init has
   * exec'd, init holds the lock (it inherited the monitor's fds): killing
   * the cgroup's processes frees it. */
  _cleanup_close_ int lock = -1;
  for (int round = 0; round < 100 && lock < 0; round++)
    {
      if (!mgr_cgroup_destroy (cg, error))
        return FALSE;
      lock = mgr_runtime_lock (rt, NULL);
      if (lock < 0 && errno != EWOULDBLOCK)
        break;
      if (lock < 0)
        g_usleep (20000);
    }
  if (lock < 0)
    {
      mgr_runtime_status (rt, &st);
      if (st.state == MGR_STATE_STOPPED || !st.monitor_dead)
        return TRUE; /* ended here; what holds the lock now is a new start */
      return g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "%s: its processes were killed, but %s stays locked",
                          name, rt->lock), FALSE;
    }
  if (!mgr_cgroup_destroy (cg, error))
    return FALSE;
  MgrStatus done = { .state = MGR_STATE_STOPPED, .exit_status = -1 };
  unlink (rt->socket);
  if (!mgr_runtime_write_status (rt, &done, error))
    return FALSE;
  return killed ? stop_killed (name, mgr_signal_name (stop_signal), timeout_ms, error) : TRUE;
}
