#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <termios.h>
#include <sys/un.h>
#include <unistd.h>

#include "console.h"
#include "mgr-error.h"
#include "spawn.h"
#include "util.h"

int
mgr_pty_open (MgrPty *pty, uid_t owner, gid_t group, GError **error)
{
  pty->master = pty->slave = -1;
  pty->master = posix_openpt (O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (pty->master < 0 || grantpt (pty->master) < 0 || unlockpt (pty->master) < 0
      || ptsname_r (pty->master, pty->path, sizeof pty->path) != 0)
    goto fail;
  /* The peer of this master, whatever the path names by now. */
  pty->slave = ioctl (pty->master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (pty->slave < 0)
    goto fail;
  if ((owner != (uid_t) -1 || group != (gid_t) -1) && fchown (pty->slave, owner, group) < 0)
    goto fail;
  return 0;
fail:;
  int e = errno;
  g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "allocating the console pty: %s", g_strerror (e));
  mgr_pty_close (pty);
  return -e;
}

void
mgr_pty_close (MgrPty *pty)
{
  if (pty->master >= 0)
    close (pty->master);
  if (pty->slave >= 0)
    close (pty->slave);
  pty->master = pty->slave = -1;
}

bool
mgr_caller_tty (MgrCallerTty *t)
{
  t->mask = 0;
  for (int fd = 0; fd < 3; fd++)
    if (isatty (fd))
      t->mask |= 1u << fd;
  t->in = t->mask & 1 ? 0 : -1;
  t->out = t->mask & 2 ? 1 : t->mask & 4 ? 2 : t->mask & 1 ? 0 : -1;
  t->size = t->in >= 0 ? t->in : t->out;
  return t->mask != 0;
}

void
mgr_term_copy_size (int from, int to)
{
  struct winsize ws;
  if (from >= 0 && to >= 0 && ioctl (from, TIOCGWINSZ, &ws) == 0)
    ioctl (to, TIOCSWINSZ, &ws);
}

/* Static: the signal handler needs them. */
static struct termios term_saved;
static volatile sig_atomic_t term_fd = -1;

/* A crash or a signal nobody else takes must not leave the administrator
 * with a raw terminal: restore it, then die of the signal as before. */
static void
term_signal (int sig)
{
  int fd = term_fd;
  if (fd >= 0)
    tcsetattr (fd, TCSANOW, &term_saved);
  signal (sig, SIG_DFL);
  raise (sig);
}

void
mgr_term_raw (int fd)
{
  struct termios raw;
  if (term_fd >= 0 || tcgetattr (fd, &term_saved) < 0)
    return;
  struct sigaction sa = { .sa_handler = term_signal, .sa_flags = SA_RESETHAND | SA_NODEFER };
  sigemptyset (&sa.sa_mask);
  /* Signals a caller blocks (to read them from a signalfd) or ignores are
   * left to it. */
  for (int *s = (int[]){ SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTERM, SIGINT, SIGHUP, SIGQUIT, 0 }; *s; s++)
    {
      struct sigaction old;
      if (sigaction (*s, NULL, &old) == 0 && old.sa_handler == SIG_DFL)
        sigaction (*s, &sa, NULL);
    }
  raw = term_saved;
  cfmakeraw (&raw);
  term_fd = fd;
  if (tcsetattr (fd, TCSAFLUSH, &raw) < 0)
    term_fd = -1;
}

void
mgr_term_restore (void)
{
  int fd = term_fd;
  term_fd = -1;
  if (fd >= 0)
    tcsetattr (fd, TCSADRAIN, &term_saved);
}

/* A mapping of its own, not the heap: the monitor keeps its rings as long
 * as the container runs, and only the pages output has reached should be
 * its memory. glibc serves even 128 KB from the top of the heap when that
 * much is free there, and mgr-start's own work before the fork leaves it
 * so (dirtied, then freed): such a ring stays resident, whole, and private
 * to each monitor. */
void
mgr_ring_init (MgrRing *r, size_t size)
{
  /* A memfd's mapping: the monitor's core (monitor.c) maps the same ring
   * after it has executed mgr-init, and mgr again after a hand-back. */
  r->fd = memfd_create ("mgr-console", MFD_CLOEXEC);
  if (r->fd >= 0 && ftruncate (r->fd, size) < 0)
    {
      close (r->fd);
      r->fd = -1;
    }
  void *p = mmap (NULL, size, PROT_READ | PROT_WRITE, r->fd >= 0 ? MAP_SHARED : MAP_PRIVATE | MAP_ANONYMOUS, r->fd, 0);
  if (p == MAP_FAILED && r->fd >= 0)
    {
      close (r->fd);
      r->fd = -1;
      p = mmap (NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    }
  r->mapped = p != MAP_FAILED;
  r->buf = r->mapped ? p : g_malloc (size);
  r->size = size;
  r->len = r->head = 0;
}

void
mgr_ring_free (MgrRing *r)
{
  if (!r->buf)
    return; /* never made (a zeroed MgrRing: its fd is not one) */
  if (r->mapped)
    munmap (r->buf, r->size);
  else
    g_free (r->buf);
  if (r->fd >= 0)
    close (r->fd);
  r->buf = NULL;
  r->fd = -1;
}

void
mgr_ring_append (MgrRing *r, const char *data, size_t len)
{
  if (len >= r->size)
    {
      memcpy (r->buf, data + len - r->size, r->size);
      r->head = 0;
      r->len = r->size;
      return;
    }
  size_t first = MIN (len, r->size - r->head);
  memcpy (r->buf + r->head, data, first);
  memcpy (r->buf, data + first, len - first);
  r->head = (r->head + len) % r->size;
  r->len = MIN (r->len + len, r->size);
}

void
mgr_ring_pieces (const MgrRing *r, const char **a, size_t *alen, const char **b, size_t *blen)
{
  if (r->len < r->size)
    {
      *a = r->buf, *alen = r->len;
      *b = NULL, *blen = 0;
      return;
    }
  *a = r->buf + r->head, *alen = r->size - r->head;
  *b = r->buf, *blen = r->head;
}

struct pty_job
{
  int sock;
  guint n;
};

/* In the container's user namespace: the ptys' slaves are created owned by
 * its root, which then may open /dev/console and /dev/ttyN. */
static int
open_ptys (void *data)
{
  struct pty_job *j = data;
  for (guint i = 0; i < j->n; i++)
    {
      char path[64];
      int fds[2];
      fds[0] = posix_openpt (O_RDWR | O_NOCTTY | O_CLOEXEC);
      if (fds[0] < 0 || unlockpt (fds[0]) < 0 || ptsname_r (fds[0], path, sizeof path) != 0)
        return 1;
      fds[1] = open (path, O_RDWR | O_NOCTTY | O_CLOEXEC);
      if (fds[1] < 0)
        return 1;
      char cbuf[CMSG_SPACE (sizeof fds)] = { 0 };
      struct iovec iov = { path, strlen (path) + 1 };
      struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
      struct cmsghdr *cm = CMSG_FIRSTHDR (&msg);
      cm->cmsg_level = SOL_SOCKET;
      cm->cmsg_type = SCM_RIGHTS;
      cm->cmsg_len = CMSG_LEN (sizeof fds);
      memcpy (CMSG_DATA (cm), fds, sizeof fds);
      if (sendmsg (j->sock, &msg, MSG_NOSIGNAL) < 0)
        return 1;
      close (fds[0]);
      close (fds[1]);
    }
  return 0;
}

int
mgr_pty_open_in_userns (MgrPty *ptys, guint n, const MgrPlan *plan, GError **error)
{
  int sv[2];
  for (guint i = 0; i < n; i++)
    ptys[i].master = ptys[i].slave = -1;
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    return g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "allocating the console ptys: %s", g_strerror (errno)), -errno;
  struct pty_job j = { sv[1], n };
  gboolean ok = mgr_userns_run (plan, open_ptys, &j, error);
  close (sv[1]);
  for (guint i = 0; ok && i < n; i++)
    {
      int fds[2];
      char cbuf[CMSG_SPACE (sizeof fds)];
      struct iovec iov = { ptys[i].path, sizeof ptys[i].path - 1 };
      struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
      memset (ptys[i].path, 0, sizeof ptys[i].path);
      struct cmsghdr *cm;
      if (recvmsg (sv[0], &msg, MSG_CMSG_CLOEXEC) <= 0 || !(cm = CMSG_FIRSTHDR (&msg)) || cm->cmsg_type != SCM_RIGHTS
          || cm->cmsg_len != CMSG_LEN (sizeof fds))
        {
          g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "allocating the console ptys: no pty came back");
          ok = FALSE;
          break;
        }
      memcpy (fds, CMSG_DATA (cm), sizeof fds);
      ptys[i].master = fds[0];
      ptys[i].slave = fds[1];
    }
  close (sv[0]);
  if (!ok)
    {
      g_prefix_error (error, "allocating the console ptys as the container's root: ");
      for (guint i = 0; i < n; i++)
        mgr_pty_close (&ptys[i]);
      return -EIO;
    }
  return 0;
}

gboolean
mgr_console_socket_send (const char *socket_path, int master, GError **error)
{
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  if (!socket_path)
    return g_set_error (error, MGR_ERROR, MGR_ERROR_USAGE, "process.terminal is true: --console-socket is required"), FALSE;
  if (strlen (socket_path) >= sizeof sa.sun_path)
    return g_set_error (error, MGR_ERROR, MGR_ERROR_USAGE, "--console-socket %s: the path is too long", socket_path), FALSE;
  strcpy (sa.sun_path, socket_path);
  _cleanup_close_ int s = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0 || connect (s, (struct sockaddr *) &sa, sizeof sa) < 0)
    return g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "--console-socket %s: connecting: %s", socket_path,
                        g_strerror (errno)), FALSE;
  mgr_send_fd (s, master, "/dev/ptmx");
  return TRUE;
}
