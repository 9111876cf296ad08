#include "config.h"

#include <errno.h>
#include <linux/openat2.h>
#include <malloc.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "console.h"
#include "execinit.h"
#include "hooks.h"
#include "image.h"
#include "initsig.h"
#include "mgr-error.h"
#include "monitor.h"
#include "notify.h"
#include "netmgr.h"
#include "spawn.h"
#include "trace.h"
#include "util.h"

extern char **environ;

/* mgr-start's answer waits until init first sleeps waiting for something
 * (see init_waits), looking every START_LOOK_US, and START_WINDOW_MS at
 * most; until EARLY_EXIT_MS after its start, an init's own failure is
 * recorded for mgr-info and the next mgr-start. */
#define START_LOOK_US 250
#define START_WINDOW_MS 400
/* The first looks come sooner: most inits sleep within a millisecond of
 * their exec (busybox's after ~0.5 ms), and each look waited out is start
 * time. START_FAST_LOOKS looks every START_FAST_US (2 ms), reading a
 * 300-byte /proc file each, then every START_LOOK_US. */
#define START_FAST_US 50
#define START_FAST_LOOKS 40
#define EARLY_EXIT_MS 10000
/* How long mgr-start --wait-ready waits for READY=1. */
#define READY_TIMEOUT_S 120

enum client_kind { CLIENT_REQUEST, CLIENT_CONSOLE, CLIENT_WAIT };

typedef struct {
  int fd;
  enum client_kind kind;
  int term; /* CLIENT_CONSOLE: 0 for the console, N for /dev/ttyN */
  int passed_fd; /* the last fd that came with a request, or -1 */
  bool blocked;  /* CLIENT_CONSOLE: the pty takes no more for now */
  size_t len;
  char buf[256];
} Client;

/* The console (0) and the [container] tty.count terminals (1..N): a pty the
 * monitor keeps both ends of, and the latest output for mgr-console. */
typedef struct {
  MgrPty pty;
  MgrRing ring;
} Term;

typedef struct {
  const MgrMonitorOptions *o;
  MgrSpawned init;
  MgrStatus st;
  Term *term;
  guint n_term;
  int log_fd, listen_fd, sig_fd, timer_fd;
  GArray *clients;
  bool exited;
  int wait_status;
  /* The caller's terminal: mgr-start -F relays its stdin and stdout;
   * mgr-execute replaces each of its fds 0-2 that is a terminal. */
  MgrCallerTty tty;
  MgrSeccomp seccomp;
  MgrCgroup *cgroup;
  bool reported; /* mgr-start has had its answer */
  int stop_signal;  /* this boot's, stop.signal = auto resolved */
  /* A privileged container's mediated mount calls: one listener for init
   * and its descendants, one per attached command. */
  GPtrArray *mounts;
  bool mediated;
  struct mgr_mnt_protected protected;
  int window_fd;    /* timerfd: time to look at init again, in the start window */
  int stat_fd;      /* init's /proc/PID/stat, while the start window lasts */
  gint64 window_end; /* monotonic µs: the start window's end */
  int looks;         /* at init, in the start window */
  int notify_fd;    /* --wait-ready: the socket init sends READY=1 to, or -1 */
  char *early;      /* init died in the start window: mgr-start's answer, given once all is removed */
  gint64 spawned;   /* monotonic µs when this boot's init was started */
  bool killed;      /* the stop timeout passed: SIGKILL was sent */
  struct mgr_net_auto *net_auto; /* what mgr-net registered for this container */
  bool to_core;     /* the start is reported: become mgr-monitor at the loop's next turn */
  guint64 stop_timeout; /* ms: the plan's at the start, kept across mgr-monitor and back */
} Monitor;

/* Whether init sleeps waiting for something (a child, a timer, input:
 * state S), which ends the start window. A program that fails to start
 * (a missing library, a broken script, a refused call) fails while it
 * runs, reads and writes, which is state R or D; once it waits, its
 * start-up is behind it, and a later failure is the running container's:
 * recorded in last-exit, told by mgr-info and the next mgr-start. The fd
 * was opened while init was our unreaped child: it cannot be another
 * process's. */
static bool
init_waits (const Monitor *m)
{
  char buf[512];
  ssize_t n = m->stat_fd >= 0 ? pread (m->stat_fd, buf, sizeof buf - 1, 0) : -1;
  if (n <= 0)
    return false;
  buf[n] = '\0';
  /* "PID (COMM) STATE ...": COMM may hold ')' itself. */
  const char *p = strrchr (buf, ')');
  return p && p[1] == ' ' && p[2] == 'S';
}

static void
save_state (Monitor *m)
{
  g_autoptr (GError) e = NULL;
  if (!mgr_runtime_write_status (m->o->rt, &m->st, &e))
    g_warning ("%s", e->message);
}

static int
listen_socket (const char *path, GError **error)
{
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  if (strlen (path) >= sizeof sa.sun_path)
    {
      g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "socket path %s is too long", path);
      return -1;
    }
  strcpy (sa.sun_path, path);
  unlink (path);
  _cleanup_close_ int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0 || bind (fd, (struct sockaddr *) &sa, sizeof sa) < 0 || chmod (path, 0600) < 0 || listen (fd, 16) < 0)
    {
      g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "creating the monitor socket %s: %s", path, g_strerror (errno));
      return -1;
    }
  return mgr_steal_fd (&fd);
}

static void
client_send (Client *c, const char *data, size_t len)
{
  while (len)
    {
      ssize_t n = send (c->fd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n <= 0)
        return; /* a slow console reader loses output rather than stall the container */
      data += n;
      len -= n;
    }
}

static void
client_reply (Client *c, const char *fmt, ...) G_GNUC_PRINTF (2, 3);
static void
client_reply (Client *c, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *s = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  client_send (c, s, strlen (s));
}

static void
send_signal (Monitor *m, int sig)
{
  if (!m->exited)
    syscall (SYS_pidfd_send_signal, m->init.pidfd, sig, NULL, 0);
}

/* What the monitor has to say once mgr-start is gone goes on the console
 * (its history and log), where the user looks. */
static void
console_note (Monitor *m, const char *text)
{
  g_autofree char *line = g_strdup_printf ("\r\n[mgr] %s\r\n", text);
  if (m->term[0].ring.buf)
    mgr_ring_append (&m->term[0].ring, line, strlen (line));
  if (m->log_fd >= 0)
    (void) !write (m->log_fd, line, strlen (line));
  if (m->o->foreground || m->o->execute)
    (void) !write (STDERR_FILENO, line + 2, strlen (line) - 2);
}

static void
mount_note (void *data, const char *text)
{
  g_autofree char *line = g_strdup_printf ("refused %s", text);
  console_note (data, line);
}

/* A host hook that cannot stop anything any more: its failure is told. */
static void
run_late_hook (Monitor *m, const char *type, char *const *argv)
{
  g_autoptr (GError) e = NULL;
  if (!mgr_hook_run (m->o->plan, type, argv, m->exited ? 0 : m->init.pid, &e))
    console_note (m, e->message);
}

static void
begin_stop (Monitor *m, guint64 timeout_ms)
{
  /* init has just ended (in a reboot, say) and this request was read in
   * the same turn: the stop is still what was asked, so the container is
   * not started again, and its client hears of the end (it waited for
   * ever, and the container rebooted). */
  if (m->exited)
    {
      m->st.state = MGR_STATE_STOPPING;
      return;
    }
  bool first = m->st.state != MGR_STATE_STOPPING;
  /* No plan: resumed from mgr-monitor with a config that no longer loads. */
  char *const *hook = m->o->plan ? m->o->plan->hooks.stop : NULL;
  if (first && hook)
    {
      m->st.state = MGR_STATE_STOPPING;
      save_state (m);
      run_late_hook (m, "stop", hook);
    }
  /* A frozen init cannot act on its stop signal, and v1 freezer keeps even
   * killed tasks around until thawed. */
  if (m->cgroup && mgr_cgroup_frozen (m->cgroup))
    mgr_cgroup_freeze (m->cgroup, false, NULL);
  if (timeout_ms == 0)
    send_signal (m, SIGKILL);
  else
    {
      send_signal (m, m->stop_signal);
      struct itimerspec its = { .it_value = { timeout_ms / 1000, (timeout_ms % 1000) * 1000000 } };
      timerfd_settime (m->timer_fd, 0, &its, NULL);
    }
  /* Without a stop hook to run first, STOPPING is saved while the kernel
   * tears the container down on another CPU (for SIGKILL: its pid, mount
   * and other namespaces, ~1 ms), not before the signal. Nothing reads it
   * in between: init's end is seen in our loop, after this. */
  if (first && !hook)
    {
      m->st.state = MGR_STATE_STOPPING;
      save_state (m);
    }
}

/* Returns false when the client is to be dropped. */
static bool
handle_request (Monitor *m, Client *c, const char *line)
{
  if (strcmp (line, "state") == 0)
    client_reply (c, "state=%s pid=%d start=%" G_GUINT64_FORMAT "\n", mgr_state_name (m->st.state), m->init.pid,
                  m->init.start_time);
  else if (strcmp (line, "pidfd") == 0)
    {
      g_autofree char *t = g_strdup_printf ("pid=%d\n", m->init.pid);
      mgr_send_fd (c->fd, m->init.pidfd, t);
    }
  else if (strcmp (line, "mounts") == 0)
    {
      /* An attached command's seccomp listener (mgr_attach). */
      if (c->passed_fd < 0 || !m->mediated)
        return false;
      g_ptr_array_add (m->mounts, mgr_mount_notify_new (c->passed_fd, &m->protected, mount_note, m));
      c->passed_fd = -1;
      return false;
    }
  else if (g_str_has_prefix (line, "stop ") || strcmp (line, "kill") == 0)
    {
      guint64 ms = line[0] == 'k' ? 0 : g_ascii_strtoull (line + 5, NULL, 10);
      mgr_trace ("monitor: asked to %s", line);
      c->kind = CLIENT_WAIT;
      begin_stop (m, ms);
    }
  else if ((strcmp (line, "console") == 0 || g_str_has_prefix (line, "console ")) && m->n_term
           && m->term[0].pty.master >= 0 && !m->o->execute)
    {
      guint t = line[7] ? (guint) g_ascii_strtoull (line + 8, NULL, 10) : 0;
      if (t >= m->n_term)
        {
          client_reply (c, "error the container has %u tty (set [container] tty.count)\n", m->n_term - 1);
          return false;
        }
      const char *a, *b;
      size_t al, bl;
      client_reply (c, "ok\n");
      mgr_ring_pieces (&m->term[t].ring, &a, &al, &b, &bl);
      client_send (c, a, al);
      client_send (c, b, bl);
      c->kind = CLIENT_CONSOLE;
      c->term = t;
      c->blocked = false;
    }
  else
    {
      client_reply (c, "error unknown request\n");
      return false;
    }
  return true;
}

/* What a console's client types, as much as the pty takes now: the rest
 * stays in the socket (MSG_PEEK), and the client is not read again until
 * the pty has room (POLLOUT), so a paste into a program that reads slowly
 * arrives whole, and the monitor never waits in write(). */
static G_GNUC_NO_INLINE bool
console_input (Monitor *m, Client *c)
{
  char buf[4096], cbuf[CMSG_SPACE (sizeof (int))];
  /* No control buffer on the peek: an fd that came is taken (and closed)
   * by the read that consumes its bytes. */
  ssize_t n = recv (c->fd, buf, sizeof buf, MSG_DONTWAIT | MSG_PEEK);
  if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
    return false;
  if (n < 0)
    return true;
  int master = m->term[c->term].pty.master;
  ssize_t w = master >= 0 ? write (master, buf, n) : n;
  if (w < 0 && (errno == EAGAIN || errno == EINTR))
    w = 0;
  else if (w < 0)
    w = n; /* the pty is gone: dropped */
  c->blocked = w < n;
  if (w == 0)
    return true;
  struct iovec iov = { buf, w };
  struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
  n = recvmsg (c->fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
  struct cmsghdr *cm = n > 0 ? CMSG_FIRSTHDR (&mh) : NULL;
  if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
    {
      int fd;
      memcpy (&fd, CMSG_DATA (cm), sizeof fd);
      close (fd);
    }
  return true;
}

static G_GNUC_NO_INLINE bool
client_readable (Monitor *m, Client *c)
{
  if (c->kind == CLIENT_CONSOLE)
    return console_input (m, c);
  char buf[4096], cbuf[CMSG_SPACE (sizeof (int))];
  struct iovec iov = { buf, sizeof buf };
  struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
  ssize_t n = recvmsg (c->fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
  struct cmsghdr *cm = n > 0 ? CMSG_FIRSTHDR (&mh) : NULL;
  if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
    {
      if (c->passed_fd >= 0)
        close (c->passed_fd);
      memcpy (&c->passed_fd, CMSG_DATA (cm), sizeof c->passed_fd);
    }
  if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
    return false;
  if (n < 0)
    return true;
  if (c->kind == CLIENT_WAIT)
    return true;
  for (ssize_t i = 0; i < n; i++)
    {
      if (buf[i] != '\n')
        {
          if (c->len + 1 >= sizeof c->buf)
            return false;
          c->buf[c->len++] = buf[i];
          continue;
        }
      c->buf[c->len] = '\0';
      c->len = 0;
      if (!handle_request (m, c, c->buf))
        return false;
      if (c->kind == CLIENT_CONSOLE && i + 1 < n && m->term[c->term].pty.master >= 0)
        {
          (void) !write (m->term[c->term].pty.master, buf + i + 1, n - i - 1);
          break;
        }
    }
  return true;
}

static void
accept_client (Monitor *m)
{
  int fd = accept4 (m->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
  if (fd < 0)
    return;
  struct ucred cr;
  socklen_t len = sizeof cr;
  /* The socket's folder is private already; the check keeps it so if its
   * mode is ever loosened. */
  if (getsockopt (fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0 || (cr.uid != 0 && cr.uid != geteuid ()))
    {
      close (fd);
      return;
    }
  Client c = { .fd = fd, .kind = CLIENT_REQUEST, .passed_fd = -1 };
  g_array_append_val (m->clients, c);
}

static G_GNUC_NO_INLINE void
console_output (Monitor *m, guint t)
{
  char buf[4096];
  Term *term = &m->term[t];
  ssize_t n = read (term->pty.master, buf, sizeof buf);
  if (n <= 0)
    {
      if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
      /* EIO: nothing holds the terminal's other side any more. */
      close (term->pty.master);
      term->pty.master = -1;
      return;
    }
  mgr_ring_append (&term->ring, buf, n);
  if (t == 0 && m->log_fd >= 0)
    (void) !write (m->log_fd, buf, n);
  if (t == 0 && m->tty.out >= 0)
    (void) !write (m->tty.out, buf, n);
  for (guint i = 0; i < m->clients->len; i++)
    {
      Client *c = &g_array_index (m->clients, Client, i);
      if (c->kind == CLIENT_CONSOLE && c->term == (int) t)
        client_send (c, buf, n);
    }
}

static void
copy_winsize (Monitor *m)
{
  mgr_term_copy_size (m->tty.size, m->term[0].pty.master);
}

static void
reap (Monitor *m)
{
  for (;;)
    {
      int status;
      pid_t p = waitpid (-1, &status, WNOHANG);
      if (p <= 0)
        return;
      if (p == m->init.pid && WIFSTOPPED (status))
        {
          /* mgr-execute's init has us as tracer only so that nobody inside
           * can be: every stop goes on at once, with its signal (none for a
           * group-stop, which has no siginfo). */
          siginfo_t si;
          ptrace (PTRACE_CONT, p, NULL, ptrace (PTRACE_GETSIGINFO, p, NULL, &si) == 0 ? WSTOPSIG (status) : 0);
          continue;
        }
      if (p == m->init.pid)
        {
          m->exited = true;
          m->wait_status = status;
        }
    }
}

static void
signal_readable (Monitor *m)
{
  struct signalfd_siginfo si;
  while (read (m->sig_fd, &si, sizeof si) == sizeof si)
    {
      switch (si.ssi_signo)
        {
        case SIGCHLD:
          reap (m);
          break;
        case SIGWINCH:
          copy_winsize (m);
          break;
        default: /* SIGTERM, SIGINT, SIGHUP, SIGQUIT: stop the container */
          begin_stop (m, m->stop_timeout);
          break;
        }
    }
}

static void report_start (Monitor *m, const char *text);
static void monitor_exec_core (Monitor *m);

/* The socket of --wait-ready, bound inside the container at
 * MGR_NOTIFY_SOCKET, in the folder the child made: reached through init's
 * root without following any link, since init may already have replaced
 * the folder with one. Writable by anyone inside: READY=1 is all it
 * takes from them. */
static int
notify_socket (Monitor *m, GError **error)
{
  g_autofree char *rootp = g_strdup_printf ("/proc/%d/root", m->init.pid);
  _cleanup_close_ int root = open (rootp, O_PATH | O_DIRECTORY | O_CLOEXEC);
  struct open_how how = { .flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
                          .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS };
  _cleanup_close_ int dir = root < 0 ? -1 : syscall (SYS_openat2, root, MGR_NOTIFY_DIR, &how, sizeof how);
  _cleanup_close_ int fd = socket (AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  g_snprintf (sa.sun_path, sizeof sa.sun_path, "/proc/self/fd/%d/notify", dir);
  /* A user namespace's tmpfs takes only files of ids it maps (else
   * EOVERFLOW): the socket is made as the container's root. */
  uid_t ru;
  gid_t rg;
  mgr_plan_root_ids (m->o->plan, &ru, &rg);
  setfsgid (rg);
  setfsuid (ru);
  int r = dir < 0 || fd < 0 ? -1 : bind (fd, (struct sockaddr *) &sa, sizeof sa);
  int e = errno;
  setfsuid (geteuid ());
  setfsgid (getegid ());
  errno = e;
  if (r < 0 || fchmodat (dir, "notify", 0666, 0) < 0)
    {
      g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED,
                   "--wait-ready: making %s in the container: %s (its rootfs needs a /run folder)", MGR_NOTIFY_SOCKET,
                   g_strerror (errno));
      return -1;
    }
  return mgr_steal_fd (&fd);
}

/* The buffers of what loop does now and then live in their own frames
 * (noinline), not in loop's, which stays on the stack while the monitor
 * waits (see settle). */
static G_GNUC_NO_INLINE void
notify_readable (Monitor *m)
{
  char buf[4096];
  ssize_t r = recv (m->notify_fd, buf, sizeof buf - 1, MSG_DONTWAIT);
  if (r <= 0)
    return;
  buf[r] = '\0';
  g_auto (GStrv) lines = g_strsplit (buf, "\n", -1);
  if (g_strv_contains ((const char *const *) lines, "READY=1"))
    {
      g_autofree char *ok = g_strdup_printf ("ok %d\n", m->init.pid);
      report_start (m, ok);
    }
}

/* Returns false once the caller's terminal is closed. */
static G_GNUC_NO_INLINE bool
stdin_readable (Monitor *m)
{
  char buf[4096];
  ssize_t r = read (m->tty.in, buf, sizeof buf);
  if (r <= 0)
    return false;
  /* The caller's own terminal (-F, mgr-execute) keeps a terminal's
   * behaviour: its input waits for the container to read it. */
  for (ssize_t done = 0; done < r && m->term[0].pty.master >= 0;)
    {
      ssize_t w = write (m->term[0].pty.master, buf + done, r - done);
      if (w > 0)
        done += w;
      else if (w < 0 && errno == EAGAIN)
        poll (&(struct pollfd){ m->term[0].pty.master, POLLOUT, 0 }, 1, -1);
      else if (!(w < 0 && errno == EINTR))
        break;
    }
  return true;
}

/* A term's poll events: POLLOUT too while a console's client waits for
 * room in its pty (console_input). */
static short
term_events (const Monitor *m, guint t)
{
  for (guint i = 0; i < m->clients->len; i++)
    {
      const Client *c = &g_array_index (m->clients, Client, i);
      if (c->blocked && c->term == (int) t)
        return POLLIN | POLLOUT;
    }
  return POLLIN;
}

static void
term_unblock (Monitor *m, guint t, short revents)
{
  if (!(revents & (POLLOUT | POLLERR | POLLHUP)))
    return;
  for (guint i = 0; i < m->clients->len; i++)
    if (g_array_index (m->clients, Client, i).term == (int) t)
      g_array_index (m->clients, Client, i).blocked = false;
}

static void
loop (Monitor *m)
{
  bool stdin_open = m->tty.in >= 0 && m->term[0].pty.master >= 0;
  while (!m->exited)
    {
      if (m->to_core)
        {
          m->to_core = false;
          monitor_exec_core (m);
        }
      guint nc = m->clients->len;
      g_autofree struct pollfd *p = g_new0 (struct pollfd, 7 + nc + m->n_term + m->mounts->len);
      int n = 0;
      p[n++] = (struct pollfd){ m->sig_fd, POLLIN };
      p[n++] = (struct pollfd){ m->listen_fd, POLLIN };
      p[n++] = (struct pollfd){ m->timer_fd, POLLIN };
      p[n++] = (struct pollfd){ m->term[0].pty.master, term_events (m, 0) };
      p[n++] = (struct pollfd){ stdin_open ? m->tty.in : -1, POLLIN };
      /* A client waiting for room in the pty is not polled at all (fd -1):
       * one that has hung up would report POLLHUP at every turn, and what
       * it sent before is still to be taken once there is room. */
      for (guint i = 0; i < nc; i++)
        p[n++] = (struct pollfd){ g_array_index (m->clients, Client, i).blocked ? -1 : g_array_index (m->clients, Client, i).fd,
                                  POLLIN };
      for (guint t = 1; t < m->n_term; t++)
        p[n++] = (struct pollfd){ m->term[t].pty.master, term_events (m, t) };
      int np = n;
      guint nm = m->mounts->len;
      for (guint i = 0; i < nm; i++)
        p[n++] = (struct pollfd){ mgr_mount_notify_fd (g_ptr_array_index (m->mounts, i)), POLLIN };
      int window = n;
      p[n++] = (struct pollfd){ m->reported ? -1 : m->window_fd, POLLIN };
      p[n++] = (struct pollfd){ m->reported ? -1 : m->notify_fd, POLLIN };
      if (poll (p, n, -1) < 0)
        continue;
      /* A mount call waits in the kernel until it is answered: first. A
       * listener with no process left under its filter hangs up. */
      for (guint i = nm; i-- > 0;)
        if (((p[np + i].revents & POLLIN) && !mgr_mount_notify_handle (g_ptr_array_index (m->mounts, i)))
            || (!(p[np + i].revents & POLLIN) && (p[np + i].revents & (POLLHUP | POLLERR | POLLNVAL))))
          g_ptr_array_remove_index (m->mounts, i);
      if (p[window].revents)
        {
          guint64 ticks = 0;
          if (read (m->window_fd, &ticks, sizeof ticks) <= 0)
            ticks = 0;
          if (ticks && m->notify_fd >= 0)
            {
              g_autofree char *msg = g_strdup_printf ("error %s did not report READY=1 within %d s; it runs on "
                                                      "(mgr-console shows why; mgr-stop stops it)",
                                                      m->o->plan->name, READY_TIMEOUT_S);
              report_start (m, msg);
            }
          else if (ticks && (init_waits (m) || g_get_monotonic_time () >= m->window_end))
            {
              g_autofree char *ok = g_strdup_printf ("ok %d\n", m->init.pid);
              report_start (m, ok);
            }
          else if (ticks && (m->looks += ticks) >= START_FAST_LOOKS && m->looks - (int) ticks < START_FAST_LOOKS)
            {
              struct itimerspec its = { .it_interval = { 0, START_LOOK_US * 1000 }, .it_value = { 0, START_LOOK_US * 1000 } };
              timerfd_settime (m->window_fd, 0, &its, NULL);
            }
        }
      if (p[window + 1].revents)
        notify_readable (m);
      if (p[0].revents)
        signal_readable (m);
      if (p[1].revents)
        accept_client (m);
      if (p[2].revents)
        {
          guint64 ticks;
          if (read (m->timer_fd, &ticks, sizeof ticks) > 0)
            {
              m->killed = true;
              send_signal (m, SIGKILL);
            }
        }
      term_unblock (m, 0, p[3].revents);
      for (guint t = 1; t < m->n_term; t++)
        term_unblock (m, t, p[5 + nc + t - 1].revents);
      if ((p[3].revents & ~POLLOUT) && m->term[0].pty.master >= 0)
        console_output (m, 0);
      for (guint t = 1; t < m->n_term; t++)
        if ((p[5 + nc + t - 1].revents & ~POLLOUT) && m->term[t].pty.master >= 0)
          console_output (m, t);
      if (p[4].revents && !stdin_readable (m))
        stdin_open = false;
      for (guint i = nc; i-- > 0;)
        if (p[5 + i].revents && !client_readable (m, &g_array_index (m->clients, Client, i)))
          {
            close (g_array_index (m->clients, Client, i).fd);
            if (g_array_index (m->clients, Client, i).passed_fd >= 0)
              close (g_array_index (m->clients, Client, i).passed_fd);
            g_array_remove_index (m->clients, i);
          }
    }
  /* Drain what init wrote last. */
  while (m->term[0].pty.master >= 0)
    {
      struct pollfd pf = { m->term[0].pty.master, POLLIN };
      if (poll (&pf, 1, 0) <= 0)
        break;
      console_output (m, 0);
    }
}

static int
block_signals (void)
{
  sigset_t set;
  sigemptyset (&set);
  for (int s = 0, sigs[] = { SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGWINCH }; s < 6; s++)
    sigaddset (&set, sigs[s]);
  sigprocmask (SIG_BLOCK, &set, NULL);
  signal (SIGPIPE, SIG_IGN);
  return signalfd (-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

/* The end of the console as text for a terminal: the container wrote it,
 * so control characters are shown escaped, and only whole last lines. */
static char *
console_tail (Monitor *m, guint lines)
{
  const char *a, *b;
  size_t al, bl;
  if (!m->term || !m->n_term || !m->term[0].ring.buf)
    return g_strdup ("");
  mgr_ring_pieces (&m->term[0].ring, &a, &al, &b, &bl);
  g_autoptr (GString) raw = g_string_new_len (a, al);
  g_string_append_len (raw, b, bl);
  /* A terminal's line ends are \r\n: only the newline is kept. */
  gsize w = 0;
  for (gsize r = 0; r < raw->len; r++)
    if (raw->str[r] != '\r')
      raw->str[w++] = raw->str[r];
  g_string_truncate (raw, w);
  g_autofree char *text = mgr_escape_text (raw->str, raw->len);
  g_auto (GStrv) all = g_strsplit (text, "\n", -1);
  guint n = g_strv_length (all), first = 0, kept = 0;
  for (guint i = n; i-- > 0 && kept < lines;)
    if (*g_strstrip (all[i]))
      first = i, kept++;
  GString *out = g_string_new (NULL);
  for (guint i = first; kept && i < n; i++)
    if (*all[i])
      g_string_append_printf (out, "  | %s\n", all[i]);
  return g_string_free (out, FALSE);
}

static char *
describe_exit (Monitor *m)
{
  int st = m->wait_status;
  double secs = (g_get_monotonic_time () - m->spawned) / 1e6;
  g_autofree char *how = WIFEXITED (st) ? g_strdup_printf ("exited with status %d", WEXITSTATUS (st))
                                        : g_strdup_printf ("was killed by %s", mgr_signal_name (WTERMSIG (st)));
  g_autofree char *tail = console_tail (m, 10);
  return g_strdup_printf ("init (pid %d) %s %.2f s after it started%s%s", m->init.pid, how, secs,
                          *tail ? "; the console's last lines:\n" : " (its console is empty)", tail);
}

/* How this run of init ended, once it has: an init that ends within the
 * start window fails mgr-start (which is still waiting), whatever its
 * status. One that failed on its own soon after it started (not a clean
 * exit, nor a poweroff or halt inside, which ends init with SIGINT) leaves
 * why in the runtime folder, for mgr-info and the next mgr-start. */
static void
record_exit (Monitor *m, bool asked)
{
  g_autofree char *path = g_build_filename (m->o->rt->dir, "last-exit", NULL);
  int st = m->wait_status;
  bool clean = (WIFEXITED (st) && WEXITSTATUS (st) == 0) || (WIFSIGNALED (st) && WTERMSIG (st) == SIGINT);
  bool mine = !asked && !m->o->execute;
  g_autofree char *why = mine ? describe_exit (m) : NULL;
  /* Without a plan (resumed from mgr-monitor: see mgr_monitor_resume) the
   * container is not started again, whenever init ended: why is kept. */
  if (mine && !clean && (g_get_monotonic_time () - m->spawned <= EARLY_EXIT_MS * 1000 || !m->o->plan))
    {
      g_autofree char *text = g_strdup_printf ("%s\n", why);
      mgr_write_file_atomic (path, text, -1, 0600, NULL);
    }
  else
    unlink (path);
  if (!m->reported && mine)
    m->early = g_strdup_printf ("error %s: %s", m->o->plan->name, why);
  else if (!m->reported)
    {
      g_autofree char *ok = g_strdup_printf ("ok %d\n", m->init.pid);
      report_start (m, ok);
    }
}

/* How much stack below the caller settle keeps: the loop's deepest usual
 * path (console output, a request) stays mapped; anything deeper faults
 * its pages in again. */
#define STACK_KEEP (8 * 1024)

/* Once mgr-start has its answer, the monitor mostly waits, as long as the
 * container runs; every page it shared with mgr-start is its own once
 * mgr-start exits. What starting needed goes back to the kernel: heap
 * pages freed since (the plan's parsing, the filter's compilation, the
 * start window), and the stack that mgr-start's option parsing, the plan's
 * loading and the container's start ran deep. Nothing below the stack
 * pointer is live (signals arrive through a signalfd, not on this stack). */
static void
settle (void)
{
  char here;
  uintptr_t page = (uintptr_t) sysconf (_SC_PAGESIZE);
  uintptr_t keep = ((uintptr_t) &here - STACK_KEEP) & ~(page - 1);
  g_autofree char *maps = NULL;
  if (g_file_get_contents ("/proc/self/maps", &maps, NULL, NULL))
    {
      const char *tag = strstr (maps, " [stack]\n");
      const char *line = tag;
      while (line && line > maps && line[-1] != '\n')
        line--;
      unsigned long low = 0, high = 0;
      if (line && sscanf (line, "%lx-%lx", &low, &high) == 2 && low < keep && keep <= high)
        madvise ((void *) low, keep - low, MADV_DONTNEED);
    }
  g_clear_pointer (&maps, g_free);
  malloc_trim (0);
}

/* Whether the monitor can become mgr-init's mgr-monitor (see
 * monitor_exec_core): a container that needs nothing of its monitor while
 * it runs but what the core does. Not in front (-F relays a terminal) or
 * for mgr-execute; not with mediated mount calls (a privileged container's
 * seccomp listener), a stop or post-stop hook, mgr-net's automatic
 * addresses, or an OCI container's cgroups; not where a client is half-way
 * through a request. (--wait-ready's socket is done with once READY=1 has
 * come.) */
static bool
core_eligible (const Monitor *m)
{
  const MgrPlan *plan = m->o->plan;
  if (!m->o->core_args || m->o->foreground || m->o->execute || m->mediated || m->mounts->len || plan->hooks.stop
      || plan->hooks.post_stop || m->net_auto || m->exited || m->tty.in >= 0 || m->tty.out >= 0
      || plan->oci.set || !m->cgroup)
    return false;
  const char *env = g_getenv ("MGR_MONITOR_CORE");
  if (env && strcmp (env, "0") == 0)
    return false;
  for (guint t = 0; t < m->n_term; t++)
    if (m->term[t].ring.fd < 0 || m->term[t].pty.master < 0)
      return false;
  for (guint i = 0; i < m->clients->len; i++)
    {
      const Client *c = &g_array_index (m->clients, Client, i);
      if (c->len || c->passed_fd >= 0)
        return false;
    }
  return true;
}

static void
fd_inherit (int fd, bool inherit)
{
  if (fd >= 0)
    fcntl (fd, F_SETFD, inherit ? 0 : FD_CLOEXEC);
}

/* What mgr-monitor takes across its exec (and mgr back): without
 * FD_CLOEXEC just for the exec, with it again if the exec fails. */
static void
core_fds_inherit (Monitor *m, int exe, bool inherit)
{
  int fds[] = { exe, m->sig_fd, m->listen_fd, m->timer_fd, m->log_fd, m->init.pidfd, m->o->lock_fd };
  for (guint i = 0; i < G_N_ELEMENTS (fds); i++)
    fd_inherit (fds[i], inherit);
  for (guint t = 0; t < m->n_term; t++)
    {
      fd_inherit (m->term[t].pty.master, inherit);
      fd_inherit (m->term[t].pty.slave, inherit);
      fd_inherit (m->term[t].ring.fd, inherit);
    }
  for (guint i = 0; i < m->clients->len; i++)
    fd_inherit (g_array_index (m->clients, Client, i).fd, inherit);
}

/* The monitor becomes mgr-init's mgr-monitor: the same process (init's
 * parent, the holder of the lock, the socket, the consoles), a program of
 * a few KB without a C library instead of mgr with GLib and all that
 * starting left in its heap (smaps_rollup of one of 50 monitors: ~210 KB
 * private before, see the note of issue 15 for after). What it is given
 * is in mgr-init.c. Returns only if the exec failed: the monitor carries
 * on as it is. */
static void
monitor_exec_core (Monitor *m)
{
  g_autoptr (GError) e = NULL;
  g_autoptr (GPtrArray) args = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (args, g_strdup ("mgr-monitor"));
  if (!mgr_cgroup_core_args (m->cgroup, args))
    {
      settle ();
      return;
    }
  int exe = open ("/proc/self/exe", O_PATH | O_CLOEXEC);
  if (exe < 0)
    g_set_error (&e, MGR_ERROR, MGR_ERROR_IO, "opening mgr's own binary (/proc/self/exe) for the way back: %s",
                 g_strerror (errno));
  int memfd = exe < 0 ? -1 : mgr_init_memfd (&e);
  if (memfd < 0)
    {
      /* Said where the user looks (mgr-console, the log): the container
       * runs on with the full monitor. */
      g_autofree char *why = g_strdup_printf ("the monitor stays as it is: %s", e->message);
      console_note (m, why);
      if (exe >= 0)
        close (exe);
      settle ();
      return;
    }
  g_ptr_array_add (args, g_strdup_printf ("exe=%d", exe));
  g_ptr_array_add (args, g_strdup_printf ("sig=%d", m->sig_fd));
  g_ptr_array_add (args, g_strdup_printf ("listen=%d", m->listen_fd));
  g_ptr_array_add (args, g_strdup_printf ("timer=%d", m->timer_fd));
  g_ptr_array_add (args, g_strdup_printf ("log=%d", m->log_fd));
  g_ptr_array_add (args, g_strdup_printf ("pidfd=%d", m->init.pidfd));
  g_ptr_array_add (args, g_strdup_printf ("lock=%d", m->o->lock_fd));
  g_ptr_array_add (args, g_strdup_printf ("rt=%s", m->o->rt->dir));
  g_ptr_array_add (args, g_strdup_printf ("pid=%d", m->init.pid));
  g_ptr_array_add (args, g_strdup_printf ("istart=%" G_GUINT64_FORMAT, m->init.start_time));
  g_ptr_array_add (args, g_strdup_printf ("mpid=%d", m->st.monitor_pid));
  g_ptr_array_add (args, g_strdup_printf ("mstart=%" G_GUINT64_FORMAT, m->st.monitor_start));
  g_ptr_array_add (args, g_strdup_printf ("started=%" G_GINT64_FORMAT, m->st.started));
  g_ptr_array_add (args, g_strdup_printf ("spawned=%" G_GINT64_FORMAT, m->spawned));
  g_ptr_array_add (args, g_strdup_printf ("state=%s", mgr_state_name (m->st.state)));
  g_ptr_array_add (args, g_strdup_printf ("killed=%d", m->killed));
  g_ptr_array_add (args, g_strdup_printf ("stopsig=%d", m->stop_signal));
  g_ptr_array_add (args, g_strdup_printf ("stopname=%s", mgr_signal_name (m->stop_signal)));
  g_ptr_array_add (args, g_strdup_printf ("timeout=%" G_GUINT64_FORMAT, m->stop_timeout));
  for (guint t = 0; t < m->n_term; t++)
    {
      const Term *term = &m->term[t];
      g_ptr_array_add (args, g_strdup_printf ("term=%d,%d,%d,%zu,%zu,%zu,%s", term->pty.master, term->pty.slave,
                                              term->ring.fd, term->ring.size, term->ring.head, term->ring.len,
                                              term->pty.path));
    }
  for (guint i = 0; i < m->clients->len; i++)
    {
      const Client *c = &g_array_index (m->clients, Client, i);
      g_ptr_array_add (args, g_strdup_printf ("client=%d,%d,%d", c->fd, c->kind, c->term));
    }
  for (char *const *a = m->o->core_args; *a; a++)
    g_ptr_array_add (args, g_strdup (*a));
  g_ptr_array_add (args, NULL);

  core_fds_inherit (m, exe, true);
  syscall (SYS_execveat, memfd, "", (char *const *) args->pdata, environ, AT_EMPTY_PATH);
  int err = errno;
  core_fds_inherit (m, exe, false);
  close (exe);
  close (memfd);
  g_autofree char *why = g_strdup_printf ("the monitor stays as it is: executing mgr-monitor failed: %s", g_strerror (err));
  console_note (m, why);
  settle ();
}

static void
report_start (Monitor *m, const char *text)
{
  if (m->o->status_fd >= 0 && !m->reported)
    {
      mgr_trace ("monitor: reporting %.*s", (int) strcspn (text, "\n"), text);
      (void) !write (m->o->status_fd, text, strlen (text));
      close (m->o->status_fd);
      mgr_trace_redirect (-1);
    }
  if (!m->reported && !m->o->execute && g_str_has_prefix (text, "ok "))
    {
      if (core_eligible (m))
        m->to_core = true;
      else
        settle ();
    }
  m->reported = true;
  /* The start window is over. */
  struct itimerspec off = { { 0, 0 }, { 0, 0 } };
  if (m->window_fd >= 0)
    timerfd_settime (m->window_fd, 0, &off, NULL);
  if (m->stat_fd >= 0)
    close (m->stat_fd);
  m->stat_fd = -1;
}

/* The monitor's life: from the start (resumed NULL), or from where
 * mgr-monitor handed back (resumed: the Monitor rebuilt from its
 * arguments, init ended or still running). */
static int
monitor_main (const MgrMonitorOptions *o, const Monitor *resumed, GError **error)
{
  Monitor m = { .o = o, .log_fd = -1, .listen_fd = -1, .sig_fd = -1, .timer_fd = -1, .window_fd = -1, .stat_fd = -1, .notify_fd = -1, .tty = { -1, -1, -1, 0 } };
  const MgrPlan *plan = o->plan;
  int result = -1;
  bool cgroup_ours = false;
  if (resumed)
    {
      m = *resumed;
      cgroup_ours = true;
      if (m.exited)
        result = m.wait_status;
      goto boots;
    }

  /* Processes in the container that were started by attach are not ours;
   * anything else that loses its parent here is. */
  prctl (PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  m.clients = g_array_new (FALSE, FALSE, sizeof (Client));
  m.mounts = g_ptr_array_new_with_free_func ((GDestroyNotify) mgr_mount_notify_free);
  m.stop_timeout = plan->container.stop_timeout.v;
  m.st = (MgrStatus){ .state = MGR_STATE_STARTING, .monitor_pid = getpid (), .monitor_start = mgr_proc_start_time (getpid ()),
                     .exit_status = -1, .started = time (NULL) };
  save_state (&m);
  mgr_trace ("monitor: state STARTING saved");
  /* term[0] always exists: with closed fds under mgr-execute when the
   * caller has no terminal. */
  m.term = g_new0 (Term, 1 + (o->execute ? 0 : plan->container.tty_count.v));
  m.term[0].pty.master = m.term[0].pty.slave = -1;

  m.sig_fd = block_signals ();
  m.timer_fd = timerfd_create (CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
  m.window_fd = timerfd_create (CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
  m.listen_fd = listen_socket (o->rt->socket, error);
  if (m.listen_fd < 0)
    goto out;
  mgr_trace ("monitor: socket listening");
  if (o->foreground && !o->execute)
    m.tty = (MgrCallerTty){ .in = STDIN_FILENO, .out = STDOUT_FILENO, .size = STDIN_FILENO, .mask = 7 };
  if (!o->execute || mgr_caller_tty (&m.tty))
    {
      uid_t ru;
      gid_t rg;
      mgr_plan_root_ids (plan, &ru, &rg);
      m.n_term = 1 + (o->execute ? 0 : plan->container.tty_count.v);
      for (guint t = 0; t < m.n_term; t++)
        m.term[t].pty.master = m.term[t].pty.slave = -1;
      if (plan->user_namespace && geteuid () != 0)
        {
          g_autofree MgrPty *ptys = g_new0 (MgrPty, m.n_term);
          int r = mgr_pty_open_in_userns (ptys, m.n_term, plan, error);
          for (guint t = 0; t < m.n_term; t++)
            m.term[t].pty = ptys[t];
          if (r < 0)
            goto out;
        }
      for (guint t = 0; t < m.n_term; t++)
        {
          if (!(plan->user_namespace && geteuid () != 0)
              && mgr_pty_open (&m.term[t].pty, plan->user_namespace ? ru : (uid_t) -1,
                               plan->user_namespace ? rg : (gid_t) -1, error) < 0)
            goto out;
          mgr_ring_init (&m.term[t].ring, t == 0 ? plan->container.console_buffer.v : 16384);
        }
      copy_winsize (&m);
      /* What a console client types goes to the pty without waiting: a
       * container that puts its terminal in raw mode and never reads it
       * would otherwise stall its monitor (and mgr-monitor, which inherits
       * the flag) in write() once the pty's 64 KB are full, and with it
       * every request, mgr-stop's included. Such input is lost, as output
       * is for a console client that does not read. */
      for (guint t = 0; t < m.n_term; t++)
        if (m.term[t].pty.master >= 0)
          fcntl (m.term[t].pty.master, F_SETFL, fcntl (m.term[t].pty.master, F_GETFL) | O_NONBLOCK);
      if (plan->container.console_log && !o->execute)
        {
          m.log_fd = open (plan->container.console_log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
          if (m.log_fd < 0)
            {
              g_set_error (error, MGR_ERROR, MGR_ERROR_IO, "[container] console.log %s: %s", plan->container.console_log,
                           g_strerror (errno));
              goto out;
            }
        }
    }
  mgr_trace ("monitor: consoles open");
  if (!mgr_seccomp_for_plan (plan, &m.seccomp, error))
    goto out;
  mgr_trace ("monitor: seccomp filter ready");
  if (o->cgroup)
    m.cgroup = o->cgroup;
  else if (!(m.cgroup = mgr_cgroup_new (o->rt->id, error)))
    goto out;
  /* Automatic addresses and forwards are registered for the monitor's
   * lifetime, not per boot: a reboot keeps them. Released at out:, and if
   * the monitor is killed, by the next mgr-net up or start. */
  mgr_trace ("monitor: cgroup handle");
  if (!mgr_net_attach (plan, o->rt->id, &m.net_auto, error))
    goto out;
  if (m.net_auto)
    {
      mgr_trace ("monitor: mgr-net registration");
      uid_t nu;
      gid_t ng;
      g_autofree char *note = NULL;
      mgr_plan_root_ids (plan, &nu, &ng);
      if (!mgr_net_resolv_conf (plan, m.net_auto, nu, ng, &note, error))
        goto out;
      if (note)
        console_note (&m, note);
      mgr_trace ("monitor: resolv.conf");
    }
  /* Each pass is one boot: reboot() inside the container ends init with
   * SIGHUP (a pid namespace's way of saying it), and the container starts
   * again with the same monitor, console and socket. */
boots:
  for (int boot = resumed ? 1 : 0;; boot++)
    {
      if (resumed)
        {
          /* This boot's init was started before the hand-back. */
          resumed = NULL;
          if (!m.exited)
            loop (&m);
        }
      else
        {
          mgr_trace ("monitor: network attached");
          /* The first boot's v1 cgroups may be mgr-start's to make (client.c). */
          bool deferred = boot == 0 && o->cgroup;
          /* mgr_cgroup_prepare found no earlier run's processes in them. */
          if (deferred)
            cgroup_ours = true;
          if (deferred ? !mgr_cgroup_create_part (m.cgroup, plan, 2, error) : !mgr_cgroup_create (m.cgroup, plan, error))
            goto out;
          mgr_trace ("monitor: cgroup created");
          cgroup_ours = true;
          if (!mgr_hook_run (plan, "pre-start", plan->hooks.pre_start, 0, error))
            goto out;
          g_autofree const char **ttys = g_new0 (const char *, m.n_term + 1);
          for (guint t = 1; t < m.n_term; t++)
            ttys[t - 1] = m.term[t].pty.path;
          /* Per boot: an upgrade inside may have changed what init is. */
          m.stop_signal = mgr_plan_stop_signal (plan, o->command ? o->command[0] : NULL, NULL);
          g_autofree char *boot_id = g_uuid_string_random ();
          /* mgr-execute's pty stands in for the caller's terminal only: it is
           * not the container's console. */
          MgrSpawnOptions so = { .command = o->command, .console_fd = m.n_term ? m.term[0].pty.slave : -1,
                                 .console_mask = o->execute ? m.tty.mask : 7,
                                 .console_path = m.n_term && !o->execute ? m.term[0].pty.path : NULL, .tty_paths = ttys,
                                 .minimal_init = o->execute, .seccomp = &m.seccomp, .cgroup = m.cgroup,
                                 .boot_id = boot_id, .net_auto = m.net_auto, .notify = o->wait_ready && !m.reported,
                                 .cgroup_deferred = deferred, .cgroup_ready_fd = o->cgroup_ready_fd };
          mgr_trace ("monitor: spawning");
          if (!mgr_spawn (plan, &so, &m.init, error))
            goto out;
          mgr_trace ("monitor: init executed");
          m.mediated = m.init.notify_fd >= 0;
          m.protected = m.init.protected;
          if (m.mediated)
            g_ptr_array_add (m.mounts, mgr_mount_notify_new (m.init.notify_fd, &m.protected, mount_note, &m));
          m.init.notify_fd = -1;
          /* After a reboot, the monitor may become mgr-monitor again. */
          if (m.reported && core_eligible (&m))
            m.to_core = true;
          m.st.state = MGR_STATE_RUNNING;
          m.st.init_pid = m.init.pid;
          m.st.init_start = m.init.start_time;
          m.spawned = g_get_monotonic_time ();
          save_state (&m);
          mgr_trace ("monitor: state RUNNING saved");
          /* An init that dies at once (a broken rootfs, a missing library, a
           * refused mount) is a failed start: mgr-start hears of it, with the
           * console's last lines, rather than "ok" and a stopped container. In
           * front, or for mgr-execute, the caller sees init end anyway. */
          if (!m.reported && (o->foreground || o->execute))
            {
              g_autofree char *ok = g_strdup_printf ("ok %d\n", m.init.pid);
              report_start (&m, ok);
            }
          else if (!m.reported && o->wait_ready)
            {
              if ((m.notify_fd = notify_socket (&m, error)) < 0)
                goto out;
              struct itimerspec its = { .it_value = { READY_TIMEOUT_S, 0 } };
              timerfd_settime (m.window_fd, 0, &its, NULL);
            }
          else if (!m.reported)
            {
              char stat_path[64];
              snprintf (stat_path, sizeof stat_path, "/proc/%d/stat", (int) m.init.pid);
              m.stat_fd = open (stat_path, O_RDONLY | O_CLOEXEC);
              m.window_end = g_get_monotonic_time () + START_WINDOW_MS * 1000;
              m.looks = 0;
              struct itimerspec its = { .it_interval = { 0, START_FAST_US * 1000 }, .it_value = { 0, START_FAST_US * 1000 } };
              timerfd_settime (m.window_fd, 0, &its, NULL);
            }
          if (boot == 0 && m.tty.in >= 0 && m.term[0].pty.master >= 0)
            mgr_term_raw (m.tty.in);
          loop (&m);
        }
      mgr_trace ("monitor: init ended");
      result = m.wait_status;
      m.st.exit_status = m.wait_status;
      if (plan)
        run_late_hook (&m, "post-stop", plan->hooks.post_stop);
      bool asked = m.st.state == MGR_STATE_STOPPING;
      if (o->execute || asked || !WIFSIGNALED (result) || WTERMSIG (result) != SIGHUP || !plan)
        {
          record_exit (&m, asked);
          break;
        }
      console_note (&m, "the container rebooted: starting it again");
      g_ptr_array_set_size (m.mounts, 0);
      close (m.init.pidfd);
      m.init = (MgrSpawned){ 0 };
      m.exited = false;
      if (!mgr_cgroup_destroy (m.cgroup, error))
        goto out;
      m.st.state = MGR_STATE_STARTING;
      save_state (&m);
    }

out:
  if (m.net_auto)
    {
      mgr_net_detach (o->rt->id);
      g_clear_pointer (&m.net_auto, g_free);
    }
  mgr_term_restore ();
  if (result < 0 && error && *error)
    {
      g_autofree char *msg = g_strdup_printf ("error %s\n", (*error)->message);
      if (m.reported)
        console_note (&m, (*error)->message);
      report_start (&m, msg);
    }
  if (m.cgroup)
    {
      /* A cgroup that held an earlier run's processes (its monitor died)
       * was not made here: only mgr-stop -k ends those. */
      g_autoptr (GError) ce = NULL;
      if (cgroup_ours && !mgr_cgroup_destroy (m.cgroup, &ce))
        g_warning ("%s", ce->message);
      mgr_cgroup_free (m.cgroup);
      mgr_trace ("monitor: cgroups removed");
    }
  m.st.state = MGR_STATE_STOPPED;
  m.st.init_pid = 0;
  m.st.init_start = 0;
  unlink (o->rt->socket);
  save_state (&m);
  mgr_trace ("monitor: state STOPPED saved");
  if (m.early)
    report_start (&m, m.early);
  g_free (m.early);
  for (guint i = 0; i < m.clients->len; i++)
    {
      Client *c = &g_array_index (m.clients, Client, i);
      if (c->kind == CLIENT_WAIT)
        {
          if (m.killed)
            client_reply (c, "stopped %d killed %s\n", m.wait_status, mgr_signal_name (m.stop_signal));
          else
            client_reply (c, "stopped %d\n", m.wait_status);
        }
      close (c->fd);
      if (c->passed_fd >= 0)
        close (c->passed_fd);
    }
  g_array_free (m.clients, TRUE);
  if (m.init.pidfd > 0)
    close (m.init.pidfd);
  for (guint t = 0; t < m.n_term; t++)
    {
      mgr_pty_close (&m.term[t].pty);
      mgr_ring_free (&m.term[t].ring);
    }
  g_free (m.term);
  mgr_seccomp_clear (&m.seccomp);
  g_ptr_array_free (m.mounts, TRUE);
  for (int *fd = (int[]){ m.log_fd, m.listen_fd, m.sig_fd, m.timer_fd, m.window_fd, m.notify_fd }, i = 0; i < 6; i++)
    if (fd[i] >= 0)
      close (fd[i]);
  return result;
}

int
mgr_monitor_run (const MgrMonitorOptions *o, GError **error)
{
  return monitor_main (o, NULL, error);
}

/* "A,B,C...": the next number, moving past it and one comma. */
static gint64
take_num (const char **s)
{
  char *end;
  gint64 v = g_ascii_strtoll (*s, &end, 10);
  *s = *end == ',' ? end + 1 : end;
  return v;
}

int
mgr_monitor_resume (const MgrMonitorOptions *o, int argc, char **argv, const char *plan_error, GError **error)
{
  Monitor m = { .o = o, .log_fd = -1, .listen_fd = -1, .sig_fd = -1, .timer_fd = -1, .window_fd = -1, .stat_fd = -1,
                .notify_fd = -1, .tty = { -1, -1, -1, 0 }, .reported = true };
  m.clients = g_array_new (FALSE, FALSE, sizeof (Client));
  m.mounts = g_ptr_array_new_with_free_func ((GDestroyNotify) mgr_mount_notify_free);
  m.term = g_new0 (Term, argc);
  m.st = (MgrStatus){ .state = MGR_STATE_RUNNING, .monitor_pid = getpid (), .exit_status = -1 };
  m.init.pidfd = -1;
  for (int i = 1; i < argc; i++)
    {
      const char *a = argv[i], *v;
#define KEY(k) (g_str_has_prefix (a, k "=") && (v = a + strlen (k "=")))
      if (KEY ("sig"))
        m.sig_fd = take_num (&v);
      else if (KEY ("listen"))
        m.listen_fd = take_num (&v);
      else if (KEY ("timer"))
        m.timer_fd = take_num (&v);
      else if (KEY ("log"))
        m.log_fd = take_num (&v);
      else if (KEY ("pidfd"))
        m.init.pidfd = take_num (&v);
      else if (KEY ("exe"))
        close (take_num (&v));
      else if (KEY ("pid"))
        m.init.pid = m.st.init_pid = take_num (&v);
      else if (KEY ("istart"))
        m.init.start_time = m.st.init_start = take_num (&v);
      else if (KEY ("mstart"))
        m.st.monitor_start = take_num (&v);
      else if (KEY ("started"))
        m.st.started = take_num (&v);
      else if (KEY ("spawned"))
        m.spawned = take_num (&v);
      else if (KEY ("state"))
        m.st.state = strcmp (v, "STOPPING") == 0 ? MGR_STATE_STOPPING : MGR_STATE_RUNNING;
      else if (KEY ("killed"))
        m.killed = take_num (&v) != 0;
      else if (KEY ("stopsig"))
        m.stop_signal = take_num (&v);
      else if (KEY ("timeout"))
        m.stop_timeout = take_num (&v);
      else if (KEY ("status"))
        {
          m.exited = true;
          m.wait_status = take_num (&v);
        }
      else if (KEY ("term"))
        {
          Term *t = &m.term[m.n_term++];
          t->pty.master = take_num (&v);
          t->pty.slave = take_num (&v);
          t->ring.fd = take_num (&v);
          t->ring.size = take_num (&v);
          t->ring.head = take_num (&v);
          t->ring.len = take_num (&v);
          g_strlcpy (t->pty.path, v, sizeof t->pty.path);
          void *p = t->ring.fd >= 0 ? mmap (NULL, t->ring.size, PROT_READ | PROT_WRITE, MAP_SHARED, t->ring.fd, 0) : MAP_FAILED;
          if (p == MAP_FAILED)
            {
              /* Without the history: the console itself goes on. */
              mgr_ring_init (&t->ring, t->ring.size ? t->ring.size : 16384);
            }
          else
            {
              t->ring.buf = p;
              t->ring.mapped = true;
            }
          if (t->ring.head >= t->ring.size || t->ring.len > t->ring.size)
            t->ring.head = t->ring.len = 0;
          fd_inherit (t->pty.master, false);
          fd_inherit (t->pty.slave, false);
          fd_inherit (t->ring.fd, false);
        }
      else if (KEY ("client"))
        {
          Client c = { .passed_fd = -1 };
          c.fd = take_num (&v);
          c.kind = take_num (&v);
          c.term = take_num (&v);
          fd_inherit (c.fd, false);
          g_array_append_val (m.clients, c);
        }
      else if (KEY ("lock"))
        fd_inherit (take_num (&v), false);
#undef KEY
    }
  for (int *fd = (int[]){ m.sig_fd, m.listen_fd, m.timer_fd, m.log_fd, m.init.pidfd }, k = 0; k < 5; k++)
    fd_inherit (fd[k], false);
  signal (SIGPIPE, SIG_IGN);
  m.window_fd = timerfd_create (CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
  if (m.sig_fd < 0 || m.listen_fd < 0 || m.timer_fd < 0 || m.init.pidfd < 0 || m.init.pid <= 0)
    {
      g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "mgr-monitor-resume: arguments missing");
      return -1;
    }
  mgr_trace ("monitor: resumed after mgr-monitor");
  /* A container that cannot be started again (its config no longer loads,
   * its seccomp profile no longer compiles) is not: the monitor carries on
   * without a plan, to stop it, record how init ended and remove what is
   * left, rather than exit and leave its cgroups, socket and RUNNING. */
  g_autoptr (GError) se = NULL;
  MgrMonitorOptions planless = *o;
  if (o->plan && !mgr_seccomp_for_plan (o->plan, &m.seccomp, &se))
    {
      planless.plan = NULL;
      planless.core_args = NULL;
      plan_error = se->message;
      o = &planless;
      m.o = o;
    }
  if (!o->plan)
    {
      g_autofree char *why = g_strdup_printf ("the container is not started again: %s%s",
                                              se ? "" : "its config no longer loads: ",
                                              plan_error ? plan_error : "(no reason given)");
      console_note (&m, why);
    }
  if (!(m.cgroup = mgr_cgroup_new (o->rt->id, error)))
    return -1;
  mgr_cgroup_core_resume (m.cgroup, argc, argv);
  if (!m.stop_signal)
    m.stop_signal = SIGTERM;
  return monitor_main (o, &m, error);
}
