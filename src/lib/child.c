/* The container's first process from clone to exec. The order is fixed:
 * wait for the host (id maps written), filesystem, names and limits,
 * console, then privileges last: bounding set, ids, capabilities. Seccomp
 * (when it lands) goes right before exec. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <linux/sched.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "child.h"
#include "trace.h"
#include "util.h"

static _Noreturn void
report (const struct mgr_child *c, enum mgr_step step, int err, const char *detail)
{
  struct mgr_sync_msg m = { .type = MGR_SYNC_ERROR, .step = step, .err = err };
  if (detail)
    snprintf (m.detail, sizeof m.detail, "%s", detail);
  (void) !send (c->sync_fd, &m, sizeof m, MSG_NOSIGNAL);
  _exit (127);
}

static int
loopback_up (void)
{
  struct ifreq ifr = { 0 };
  _cleanup_close_ int s = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0)
    return -errno;
  snprintf (ifr.ifr_name, sizeof ifr.ifr_name, "lo");
  if (ioctl (s, SIOCGIFFLAGS, &ifr) < 0)
    return -errno;
  ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
  if (ioctl (s, SIOCSIFFLAGS, &ifr) < 0)
    return -errno;
  return 0;
}

/* The message is a whole mgr_sync_msg, as the monitor reads every one. */
int
mgr_child_send_fds (int sock, int type, const int *fds, int n)
{
  struct mgr_sync_msg m = { .type = type };
  char cbuf[CMSG_SPACE (32 * sizeof (int))] = { 0 };
  if (n < 1 || n > 32)
    return -EINVAL;
  struct iovec iov = { &m, sizeof m };
  struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = CMSG_SPACE (n * sizeof (int)) };
  struct cmsghdr *cm = CMSG_FIRSTHDR (&mh);
  cm->cmsg_level = SOL_SOCKET;
  cm->cmsg_type = SCM_RIGHTS;
  cm->cmsg_len = CMSG_LEN (n * sizeof (int));
  memcpy (CMSG_DATA (cm), fds, n * sizeof (int));
  return sendmsg (sock, &mh, MSG_NOSIGNAL) == (ssize_t) sizeof m ? 0 : -errno;
}

int
mgr_child_send_fd (int sock, int type, int fd)
{
  return mgr_child_send_fds (sock, type, &fd, 1);
}

/* execvpe without allocating: a name without '/' is looked up in the PATH
 * that init gets, inside the container. Resolves into buf (PATH_MAX);
 * 0 or an errno. */
static int
resolve_exec (const struct mgr_child *c, char *buf)
{
  const char *name = c->argv[0], *path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  int err = ENOENT;
  struct stat st;

  if (strchr (name, '/'))
    {
      snprintf (buf, PATH_MAX, "%s", name);
      return stat (buf, &st) < 0 ? errno : !S_ISREG (st.st_mode) ? EACCES : access (buf, X_OK) < 0 ? errno : 0;
    }
  for (char *const *e = c->envp; *e; e++)
    if (strncmp (*e, "PATH=", 5) == 0)
      path = *e + 5;
  while (*path)
    {
      const char *end = strchrnul (path, ':');
      snprintf (buf, PATH_MAX, "%.*s/%s", (int) (end - path), path, name);
      if (stat (buf, &st) == 0 && S_ISREG (st.st_mode) && access (buf, X_OK) == 0)
        return 0;
      if (errno != ENOENT && errno != ENOTDIR)
        err = errno;
      path = *end ? end + 1 : end;
    }
  return err;
}

static _Noreturn void
exec_in_path (const struct mgr_child *c)
{
  char buf[PATH_MAX];
  int err = resolve_exec (c, buf);
  if (err)
    report (c, MGR_STEP_EXEC, err, c->argv[0]);
  execve (buf, c->argv, c->envp);
  report (c, MGR_STEP_EXEC, errno, c->argv[0]);
}

/* The command under mgr-execute's minimal init, forked by the container's
 * first process before that one executes mgr-init. */
struct command_start
{
  const struct mgr_child *c;
  int gate_read, gate_write;
  sigset_t mask;
};

static int
command_start (void *p)
{
  const struct command_start *s = p;
  const struct mgr_child *c = s->c;
  /* It runs no code of the container's until PID 1 is mgr-init and
   * untraceable; without the go (PID 1 failed), it stops. */
  char go = 0;
  close (s->gate_write);
  while (read (s->gate_read, &go, 1) < 0 && errno == EINTR)
    ;
  if (go != '1')
    _exit (127);
  close (s->gate_read);
  sigprocmask (SIG_SETMASK, &s->mask, NULL);
  /* The command leads a session of its own, so that the terminal's
   * signals (^C) reach it and not PID 1 as well. */
  if (setsid () < 0 || (c->console_fd >= 0 && c->console_ctty && ioctl (c->console_fd, TIOCSCTTY, 0) < 0))
    report (c, MGR_STEP_CONSOLE, errno, NULL);
  exec_in_path (c);
  return 127;
}

int
mgr_child_oci_hooks (const struct mgr_child *c, const struct mgr_oci_hook *h, guint n, const char *kind,
                     struct mgr_child_error *err)
{
  for (guint i = 0; i < n; i++)
    {
      int status = 0;
      err->step = MGR_STEP_HOOK;
      pid_t pid = fork ();
      if (pid == 0)
        {
          /* The container's state on stdin, from its start each time. */
          int fd = c->plan->oci.state_fd;
          if (fd >= 0 && (lseek (fd, 0, SEEK_SET) < 0 || dup2 (fd, 0) < 0))
            _exit (126);
          execve (h[i].path, h[i].args, h[i].env);
          dprintf (2, "hooks.%s[%u]: cannot execute %s: %s\n", kind, i, h[i].path, strerror (errno));
          _exit (127);
        }
      if (pid < 0)
        {
          snprintf (err->detail, PATH_MAX, "hooks.%s[%u]: fork: %s", kind, i, strerror (errno));
          return -1;
        }
      /* Its timeout, counted in steps of 10 ms without a timer. */
      long left = h[i].timeout > 0 ? (long) h[i].timeout * 100 : -1;
      pid_t r;
      while ((r = waitpid (pid, &status, left >= 0 ? WNOHANG : 0)) == 0 || (r < 0 && errno == EINTR))
        {
          if (r == 0 && left-- == 0)
            {
              kill (pid, SIGKILL);
              waitpid (pid, NULL, 0);
              snprintf (err->detail, PATH_MAX, "hooks.%s[%u] %s: timed out after %d s", kind, i, h[i].path, h[i].timeout);
              return -1;
            }
          if (r == 0)
            {
              struct timespec ts = { 0, 10 * 1000 * 1000 };
              nanosleep (&ts, NULL);
            }
        }
      if (r < 0 || !WIFEXITED (status) || WEXITSTATUS (status) != 0)
        {
          snprintf (err->detail, PATH_MAX, "hooks.%s[%u] %s failed (%s %d)", kind, i, h[i].path,
                    r >= 0 && WIFEXITED (status) ? "exit status" : "signal", r >= 0 && WIFEXITED (status) ? WEXITSTATUS (status) : WTERMSIG (status));
          return -1;
        }
    }
  return 0;
}

/* OCI: create is done once the child is ready to exec; start releases it
 * through the exec fifo. The program is looked up first, so that a missing
 * one fails create, as runc's does. */
static void
wait_for_start (const struct mgr_child *c)
{
  char buf[PATH_MAX], go;
  int err = resolve_exec (c, buf);
  if (err)
    report (c, MGR_STEP_EXEC, err, c->argv[0]);
  struct mgr_sync_msg m = { .type = MGR_SYNC_READY };
  if (send (c->sync_fd, &m, sizeof m, MSG_NOSIGNAL) != sizeof m)
    _exit (126);
  ssize_t n;
  while ((n = read (c->plan->oci.exec_fifo, &go, 1)) < 0 && errno == EINTR)
    ;
  if (n != 1)
    _exit (126);
  close (c->plan->oci.exec_fifo);
  /* startContainer: inside, as the process will run; create has returned,
   * so a failure is the process's: it says so on its stderr and exits. */
  char detail[PATH_MAX];
  struct mgr_child_error herr = { MGR_STEP_HOOK, detail };
  if (mgr_child_oci_hooks (c, c->plan->oci.start_container, c->plan->oci.n_start_container, "startContainer", &herr) < 0)
    {
      dprintf (2, "mgr-oci: %s\n", detail);
      _exit (127);
    }
}

_Noreturn void
mgr_child_run (const struct mgr_child *c)
{
  const MgrPlan *plan = c->plan;
  struct mgr_sync_msg msg;
  char detail[PATH_MAX] = "";
  struct mgr_child_error err = { MGR_STEP_NONE, detail };
  sigset_t all, init_set;
  int r;

  /* The monitor blocks and ignores signals; init must start clean. */
  for (int s = 1; s < NSIG; s++)
    if (s != SIGKILL && s != SIGSTOP)
      signal (s, SIG_DFL);
  sigemptyset (&all);
  sigprocmask (SIG_SETMASK, &all, NULL);

  /* Into the container's v1 cgroups, by itself and while the host writes
   * the id maps: a process that moves itself (one thread, "0" into tasks)
   * spares the kernel's global migration lock and its RCU grace period,
   * milliseconds that the host's write of our pid would cost (cgroup.h).
   * The fds are the monitor's, so its credentials are the ones checked. A
   * failure is told after GO, when the monitor listens. */
  int cg_failed = -1, cg_errno = 0;
  const int *tasks = c->cgroup_tasks;
  int n_tasks = c->n_cgroup_tasks;
  int deferred[32];
  if (c->n_cgroup_deferred > 0)
    {
      /* Made by mgr-start while we were cloned (client.c): their fds come
       * now, in one message. */
      char cbuf[CMSG_SPACE (sizeof deferred)];
      struct iovec iov = { &msg, sizeof msg };
      struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
      struct cmsghdr *cm;
      if (recvmsg (c->sync_fd, &mh, MSG_CMSG_CLOEXEC) != sizeof msg || msg.type != MGR_SYNC_CGROUPS
          || !(cm = CMSG_FIRSTHDR (&mh)) || cm->cmsg_type != SCM_RIGHTS
          || cm->cmsg_len != CMSG_LEN (c->n_cgroup_deferred * sizeof (int)))
        _exit (126);
      memcpy (deferred, CMSG_DATA (cm), c->n_cgroup_deferred * sizeof (int));
      tasks = deferred;
      n_tasks = c->n_cgroup_deferred;
    }
  for (int i = 0; i < n_tasks; i++)
    if (cg_failed < 0 && write (tasks[i], "0", 1) < 0)
      cg_failed = i, cg_errno = errno;
  for (int i = 0; i < n_tasks; i++)
    close (tasks[i]);
  mgr_trace ("child: in its v1 cgroups");

  /* Nothing in the container may open this process's /proc entries (its
   * exe is mgr's binary until exec, which makes it dumpable again). */
  if (plan->oci.set)
    prctl (PR_SET_DUMPABLE, 0, 0, 0, 0);

  /* sync 1: the host has written the id maps and set up the rest. */
  if (recv (c->sync_fd, &msg, sizeof msg, 0) != sizeof msg || msg.type != MGR_SYNC_GO)
    _exit (126);
  mgr_trace ("child: GO received");
  if (cg_failed >= 0)
    report (c, MGR_STEP_CGROUP_ENTER, cg_errno, c->cgroup_tasks_paths[cg_failed]);

  /* Before any program of the container's runs (hooks included): a session
   * of its own, since in mgr-execute's caller's session /dev/tty inside
   * would open the caller's controlling terminal; and only 0-2 cross an
   * exec (the sync socket closes at init's, which is how the monitor learns
   * that exec succeeded). */
  if (setsid () < 0)
    report (c, MGR_STEP_CONSOLE, errno, NULL);
  /* An OCI engine hands fds 3..3+N-1 on (--preserve-fds, LISTEN_FDS). */
  unsigned first = 3 + (plan->oci.set ? (unsigned) plan->oci.keep_fds : 0);
  for (unsigned fd = 3; fd < first; fd++)
    if (fcntl ((int) fd, F_SETFD, 0) < 0)
      report (c, MGR_STEP_FDS, errno, NULL);
  if (syscall (SYS_close_range, first, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
    report (c, MGR_STEP_FDS, errno, NULL);

  /* Still the caller's ids on the host: open the folder above the rootfs
   * now, because an ordinary user's ~/.local/share/mgr is 0700 and the
   * container's root could not walk to it. The fd belongs to our new mount
   * namespace, so the rootfs can be bound through it. */
  int rootfs_dirfd = open (c->rootfs_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfs_dirfd < 0)
    report (c, MGR_STEP_ROOTFS_OPEN, errno, c->rootfs_dir);
  snprintf (c->rootfs_via, PATH_MAX, "/proc/self/fd/%d/%s", rootfs_dirfd, c->rootfs_base);

  if (plan->user_namespace && (setresgid (0, 0, 0) < 0 || setresuid (0, 0, 0) < 0))
    report (c, MGR_STEP_SETID_ROOT, errno, NULL);
  /* The monitor has put us in our cgroups: they become the namespace's root. */
  if ((!plan->oci.set || (plan->oci.ns_flags & CLONE_NEWCGROUP)) && unshare (CLONE_NEWCGROUP) < 0)
    report (c, MGR_STEP_CGROUPNS, errno, NULL);

  if ((r = mgr_rootfs_setup (c, &err)) < 0)
    report (c, err.step, err.step == MGR_STEP_HOOK ? 0 : -r, err.detail);
  mgr_trace ("child: rootfs set up");
  /* sync 2a: a privileged container's mount calls go to the monitor, which
   * must know the mounts that confine it. */
  if (c->privs.listen)
    {
      struct mgr_sync_protected p = { .type = MGR_SYNC_PROTECTED };
      mgr_rootfs_protected (c, &p.set);
      if (send (c->sync_fd, &p, sizeof p, MSG_NOSIGNAL) != sizeof p)
        report (c, MGR_STEP_LISTENER, errno, NULL);
    }
  /* Before anything of the container runs: nothing may see the unlocked tree. */
  if (plan->user_namespace && !plan->container.nesting && !plan->oci.set && (r = mgr_rootfs_lock (&err)) < 0)
    report (c, err.step, -r, err.detail);
  mgr_trace ("child: mounts locked");

  if (plan->container.hostname && sethostname (plan->container.hostname, strlen (plan->container.hostname)) < 0)
    report (c, MGR_STEP_HOSTNAME, errno, plan->container.hostname);
  if (plan->oci.domainname && setdomainname (plan->oci.domainname, strlen (plan->oci.domainname)) < 0)
    report (c, MGR_STEP_HOSTNAME, errno, plan->oci.domainname);
  if (c->own_netns && (r = loopback_up ()) < 0)
    report (c, MGR_STEP_LOOPBACK, -r, NULL);
  if (plan->hooks.start && mgr_child_hook (c, MGR_HOOK_START, &err) < 0)
    report (c, err.step, 0, err.detail);

  for (int i = 0; i < RLIM_NLIMITS; i++)
    {
      const struct mgr_rlimit *l = &plan->limits.r[i];
      struct rlimit rl = { l->soft == MGR_UNLIMITED ? RLIM_INFINITY : l->soft,
                           l->hard == MGR_UNLIMITED ? RLIM_INFINITY : l->hard };
      if (l->set && setrlimit (i, &rl) < 0)
        {
          snprintf (detail, sizeof detail, "%d", i);
          report (c, MGR_STEP_RLIMIT, errno, detail);
        }
    }

  int console_fd = c->console_out && *c->console_out >= 0 ? *c->console_out : c->console_fd;
  if (console_fd >= 0)
    {
      /* An init system hands the console to its own getty or shell, which
       * then make it their controlling terminal: init must not hold it. A
       * command run in place of init gets it directly, for job control;
       * under the minimal init, the command takes it after the fork. */
      if (c->console_ctty && !c->minimal_init && ioctl (console_fd, TIOCSCTTY, 0) < 0)
        report (c, MGR_STEP_CONSOLE, errno, NULL);
      for (int fd = 0; fd < 3; fd++)
        if ((c->console_mask & (1u << fd)) && dup2 (console_fd, fd) < 0)
          report (c, MGR_STEP_CONSOLE, errno, NULL);
      /* The command under the minimal init still needs it (it is O_CLOEXEC). */
      if (console_fd > 2 && !c->minimal_init)
        close (console_fd);
    }

  if (chdir (c->cwd) < 0)
    report (c, MGR_STEP_CWD, errno, c->cwd);

  /* Only 0-2 cross exec; the sync socket closes at exec, which is how the
   * monitor learns that exec succeeded. */
  if (syscall (SYS_close_range, first, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
    report (c, MGR_STEP_FDS, errno, NULL);

  mgr_trace ("child: names, limits, console done");
  /* AppArmor confines from the exec on (aa_change_onexec), set while the
   * container's own /proc is mounted and before privileges go. */
  if (plan->oci.apparmor)
    {
      char text[PATH_MAX];
      int n = snprintf (text, sizeof text, "exec %s", plan->oci.apparmor);
      int fd = open ("/proc/self/attr/apparmor/exec", O_WRONLY | O_CLOEXEC);
      if (fd < 0)
        fd = open ("/proc/self/attr/exec", O_WRONLY | O_CLOEXEC);
      if (fd < 0 || write (fd, text, n) != n)
        report (c, MGR_STEP_APPARMOR, errno, plan->oci.apparmor);
      close (fd);
    }

  int listener;
  if ((r = mgr_privileges_drop (&c->privs, &listener, &err)) < 0)
    report (c, err.step, -r, err.detail);
  mgr_trace ("child: privileges dropped, seccomp loaded; exec");
  if (listener >= 0)
    {
      /* sync 2b: the monitor answers the mount calls from now on. */
      if ((r = mgr_child_send_fd (c->sync_fd, MGR_SYNC_LISTENER, listener)) < 0)
        report (c, MGR_STEP_LISTENER, -r, NULL);
      close (listener);
    }

  if (plan->oci.set && plan->oci.exec_fifo >= 0)
    wait_for_start (c);

  if (c->minimal_init)
    {
      int gate[2];
      sigemptyset (&init_set);
      for (int s = 1; s < SIGRTMIN; s++)
        if (s != SIGKILL && s != SIGSTOP && s != SIGSEGV && s != SIGBUS && s != SIGILL && s != SIGFPE)
          sigaddset (&init_set, s);
      sigprocmask (SIG_BLOCK, &init_set, NULL);
      if (pipe2 (gate, O_CLOEXEC) < 0)
        report (c, MGR_STEP_FORK_INIT, errno, NULL);
      /* The command is pid 2, as under lxc-execute, even though locking the
       * mounts used that pid for a moment; fork's choice if 2 is taken. */
      pid_t two = 2, cmd = -1;
      /* Static: the command reads it, sharing our memory or a copy of it. */
      static struct command_start cs;
      cs = (struct command_start){ c, gate[0], gate[1], all };
#ifdef MGR_HAVE_CLONE3_RUN
      /* The command shares our memory (CLONE_VM) until its exec, on a
       * stack of its own: no copy of our page tables (all of mgr's) to make
       * now and to tear down at its exec; our exec of mgr-init leaves it
       * the only user of this memory. Until the gate opens it runs only
       * the code below and we only fcntl, close and execveat. */
      static char stack[65536] __attribute__ ((aligned (16)));
      for (int tid = 1; tid >= 0 && cmd < 0; tid--)
        {
          struct clone_args ca = { .flags = CLONE_VM, .exit_signal = SIGCHLD, .stack = (guint64) (uintptr_t) stack,
                                   .stack_size = sizeof stack, .set_tid = tid ? (guint64) (uintptr_t) &two : 0,
                                   .set_tid_size = tid };
          long r3 = mgr_clone3_run (&ca, command_start, &cs);
          if (r3 > 0)
            cmd = r3;
          else
            errno = -r3;
        }
#endif
      if (cmd < 0)
        {
          struct clone_args ca = { .exit_signal = SIGCHLD, .set_tid = (guint64) (uintptr_t) &two, .set_tid_size = 1 };
          if ((cmd = syscall (SYS_clone3, &ca, sizeof ca)) < 0)
            cmd = fork ();
          if (cmd == 0)
            _exit (command_start (&cs));
        }
      if (cmd < 0)
        report (c, MGR_STEP_FORK_INIT, errno, NULL);
      if (cmd > 0)
        {
          /* PID 1 becomes mgr-init from its sealed memfd: from that exec on
           * the container sees nothing of the host's in it (binary, memory,
           * environment, fds). The gate stays open across the exec; mgr-init
           * closes it once nothing can trace it. */
          char cmd_text[16], gate_text[16];
          char *const argv[] = { (char *) "init", cmd_text, gate_text, NULL };
          char *const envp[] = { NULL };
          snprintf (cmd_text, sizeof cmd_text, "%d", cmd);
          snprintf (gate_text, sizeof gate_text, "%d", gate[1]);
          if (fcntl (gate[1], F_SETFD, 0) < 0)
            report (c, MGR_STEP_EXEC_INIT, errno, NULL);
          close (gate[0]);
          close (0), close (1), close (2);
          syscall (SYS_execveat, c->init_fd, "", argv, envp, AT_EMPTY_PATH);
          report (c, MGR_STEP_EXEC_INIT, errno, NULL);
        }
    }

  exec_in_path (c);
}

int
mgr_child_hook (const struct mgr_child *c, int which, struct mgr_child_error *err)
{
  static const char *const names[] = { "pre-mount", "mount", "start" };
  char *const *argv = which == MGR_HOOK_PRE_MOUNT ? c->plan->hooks.pre_mount
                      : which == MGR_HOOK_MOUNT ? c->plan->hooks.mount : c->plan->hooks.start;
  char out[512];
  size_t len = 0;
  int p[2], status;
  err->step = MGR_STEP_HOOK;
  if (pipe2 (p, O_CLOEXEC) < 0)
    {
      snprintf (err->detail, PATH_MAX, "[hooks] %s: pipe: %s", names[which], strerror (errno));
      return -1;
    }
  pid_t pid = fork ();
  if (pid == 0)
    {
      dup2 (p[1], 1);
      dup2 (p[1], 2);
      int null = open ("/dev/null", O_RDONLY | O_CLOEXEC);
      if (null >= 0)
        dup2 (null, 0);
      execve (argv[0], argv, c->hook_env[which]);
      dprintf (2, "cannot execute %s: %s", argv[0], strerror (errno));
      _exit (127);
    }
  close (p[1]);
  for (;;)
    {
      char buf[256];
      ssize_t n = read (p[0], buf, sizeof buf);
      if (n <= 0)
        break;
      /* Keep the end of what it said: that is where errors are. */
      for (ssize_t i = 0; i < n; i++)
        {
          if (len == sizeof out - 1)
            memmove (out, out + 1, --len);
          out[len++] = buf[i];
        }
    }
  out[len] = '\0';
  close (p[0]);
  if (pid < 0 || waitpid (pid, &status, 0) < 0)
    {
      snprintf (err->detail, PATH_MAX, "[hooks] %s: fork: %s", names[which], strerror (errno));
      return -1;
    }
  if (WIFEXITED (status) && WEXITSTATUS (status) == 0)
    return 0;
  while (len && (out[len - 1] == '\n' || out[len - 1] == ' '))
    out[--len] = '\0';
  snprintf (err->detail, PATH_MAX, "[hooks] %s: %s failed (%s %d)%s%s", names[which], argv[0],
            WIFEXITED (status) ? "exit status" : "signal", WIFEXITED (status) ? WEXITSTATUS (status) : WTERMSIG (status),
            len ? ": " : "", out);
  return -1;
}

static const char *const step_text[] = {
  [MGR_STEP_NONE] = "starting the container",
  [MGR_STEP_SYNC] = "waiting for the monitor",
  [MGR_STEP_CGROUP_ENTER] = "moving into the cgroup %s",
  [MGR_STEP_SETID_ROOT] = "becoming root of the user namespace",
  [MGR_STEP_CGROUPNS] = "creating the cgroup namespace",
  [MGR_STEP_RUN] = "mounting a tmpfs on",
  [MGR_STEP_BOOT_ID] = "binding this boot's id over",
  [MGR_STEP_CGROUP_VIEW] = "mounting the container's view of %s",
  [MGR_STEP_MOUNT_PRIVATE] = "making the container's mounts private",
  [MGR_STEP_ROOTFS_BIND] = "binding the rootfs %s",
  [MGR_STEP_ROOTFS_OPEN] = "opening the rootfs %s",
  [MGR_STEP_MOUNT_ENTRY] = "mounting [mount %s]",
  [MGR_STEP_MOUNT_TARGET] = "opening the mount target %s inside the rootfs",
  [MGR_STEP_MOUNT_SOURCE] = "[mount %s] source: opening it beneath the container's folder",
  [MGR_STEP_PROC] = "mounting proc on %s",
  [MGR_STEP_SYS] = "mounting sysfs on %s",
  [MGR_STEP_MASK] = "masking %s",
  [MGR_STEP_READONLY] = "making %s read-only",
  [MGR_STEP_DEV] = "setting up /dev: %s",
  [MGR_STEP_DEVPTS] = "mounting %s",
  [MGR_STEP_CONSOLE_BIND] = "binding the console %s onto /dev/console",
  [MGR_STEP_PIVOT] = "pivot_root into %s",
  [MGR_STEP_LOCK_MOUNTS] = "locking the container's mounts: %s",
  [MGR_STEP_HOSTNAME] = "setting the hostname to %s",
  [MGR_STEP_LOOPBACK] = "bringing up lo",
  [MGR_STEP_RLIMIT] = "setting resource limit %s",
  [MGR_STEP_CONSOLE] = "making the console the controlling terminal",
  [MGR_STEP_CWD] = "changing to the working directory %s",
  [MGR_STEP_CAPS_BOUND] = "dropping capability %s from the bounding set",
  [MGR_STEP_NO_NEW_PRIVS] = "setting no_new_privs",
  [MGR_STEP_SECCOMP] = "loading the seccomp filter",
  [MGR_STEP_LISTENER] = "handing the mount calls to the monitor",
  [MGR_STEP_SETID] = "switching to uid:gid %s",
  [MGR_STEP_CAPS] = "setting the capabilities",
  [MGR_STEP_FDS] = "closing file descriptors",
  [MGR_STEP_FORK_INIT] = "forking the command under the minimal init",
  [MGR_STEP_EXEC_INIT] = "executing the minimal init (a sealed memfd)",
  [MGR_STEP_HOOK] = "%s",
  [MGR_STEP_EXEC] = "executing %s",
  [MGR_STEP_SYSCTL] = "setting the sysctl %s",
  [MGR_STEP_DEVICE] = "making the device node %s",
  [MGR_STEP_ROOT_READONLY] = "making the root read-only",
  [MGR_STEP_PROPAGATION] = "setting the propagation of %s",
  [MGR_STEP_WAIT_START] = "waiting for start",
  [MGR_STEP_CGROUP_MOUNT] = "mounting the cgroup view on %s",
  [MGR_STEP_APPARMOR] = "setting the AppArmor profile %s for exec",
};

char *
mgr_step_describe (const struct mgr_sync_msg *m)
{
  const char *fmt = m->step >= 0 && (size_t) m->step < G_N_ELEMENTS (step_text) && step_text[m->step]
                      ? step_text[m->step] : "step %s";
  char detail[PATH_MAX];
  snprintf (detail, sizeof detail, "%.*s", (int) sizeof m->detail, m->detail);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
  g_autofree char *what = g_strdup_printf (fmt, detail); /* fmt comes from step_text, each with one %s at most */
#pragma GCC diagnostic pop
  const char *hint = "";
  if (m->err == ELOOP && (m->step == MGR_STEP_MOUNT_TARGET || m->step == MGR_STEP_PROC || m->step == MGR_STEP_SYS
                          || m->step == MGR_STEP_DEV))
    hint = " (it is a symlink inside the rootfs; mgr never follows those, so that a rootfs cannot redirect a mount onto the host)";
  else if (m->err == EOPNOTSUPP && m->step == MGR_STEP_MOUNT_ENTRY)
    hint = " (rbind with ro, nosuid, nodev or noexec needs mount_setattr, Linux 5.12 or later, to apply them to "
           "every submount; use bind, or drop those options)";
  else if (m->err == EINVAL && m->step == MGR_STEP_MOUNT_ENTRY)
    hint = " (in a user namespace a folder with other mounts beneath it can only be bound whole: use rbind)";
  else if (m->err == ELOOP && m->step == MGR_STEP_MOUNT_SOURCE)
    hint = " (it is or passes through a symlink inside the container's folder, which the container may have planted; "
           "mgr never follows those in a mount source, so that a container cannot point a mount at the host: "
           "write the real path, or a host path outside the container's folder)";
  else if (m->err == EXDEV && m->step == MGR_STEP_MOUNT_TARGET)
    hint = " (it leads outside the rootfs)";
  else if (m->err == ENOENT && m->step == MGR_STEP_EXEC)
    hint = " (no such program in the container's rootfs; set [container] init or give a command after --)";
  else if (m->err == ENOENT && m->step == MGR_STEP_MOUNT_TARGET)
    hint = " (add create=dir or create=file to its options, or optional to skip it)";
  else if (m->err == EPERM && m->step == MGR_STEP_LOCK_MOUNTS)
    hint = " (the kernel refuses a user namespace inside the container's: see sysctl kernel.unprivileged_userns_clone "
           "and user.max_user_namespaces; or set [container] nesting = true to leave the mounts unlocked)";
  else if (m->err == ENOENT && m->step == MGR_STEP_CWD)
    hint = " (set [container] cwd to a folder that exists in the rootfs)";
  if (m->err == 0)
    return g_steal_pointer (&what);
  return g_strdup_printf ("%s: %s%s", what, g_strerror (m->err), hint);
}
