/* mgr-attach: run a command inside a running container.
 *
 * The caller's process never enters the container. It forks a helper that
 * joins init's namespaces through init's pidfd (its user namespace first,
 * and only while it is still the container's own: see helper ()),
 * opens a pty in the container's own devpts when any of the caller's fds
 * 0-2 is a terminal, hands the pty's master back, and forks the command so
 * that it is inside the pid namespace. The command gets the pty in place of
 * each of those terminals and never the caller's own: the caller only
 * relays bytes between its terminal and that master.
 *
 * The host's binary must never be reachable from inside (CVE-2019-5736: a
 * root inside that opens /proc/PID/exe of a process running it can write
 * it once that process is gone). The helper is never in the container's
 * pid namespace (setns moves only its children there) and is not
 * dumpable. The command is: born inside, it is a copy of its parent until
 * its exec, where a root with sys_ptrace catches it, and a command that is
 * a "#!/proc/self/exe" script executes whatever its parent ran. So the
 * helper, once it holds only the command's privileges, executes mgr-init
 * from a sealed memfd (its mgr-attach-exec role, src/init/mgr-init.c),
 * which forks the command: mgr runs once per attach, and the copy is a few
 * KB of static program (x86-64) instead of mgr again. mgr-oci exec forks
 * the command from the helper
 * itself (its seccomp profile is the engine's and need not allow
 * execveat): there mgr runs from a sealed copy of itself. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <linux/openat2.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "attach.h"
#include "caps.h"
#include "cgroup.h"
#include "child.h"
#include "client.h"
#include "console.h"
#include "execinit.h"
#include "mgr-error.h"
#include "trace.h"
#include "util.h"

extern char **environ;

/* Init's pid and a pidfd for it: from the state file, which the monitor
 * writes, checked against pid reuse (pidfd_open, then init's start time
 * compared: the pidfd pins the process); from the monitor while the file
 * does not name init yet. Not the monitor first: its answer is as exact,
 * and costs a round trip to a process that must be scheduled to answer
 * (0.1 ms on an idle machine, a millisecond and more on a loaded one). */
int
mgr_container_pidfd (const MgrRuntimePaths *rt, const char *name, pid_t *pid, GError **error)
{
  MgrStatus st;
  mgr_runtime_status (rt, &st);
  if (st.state == MGR_STATE_STOPPED)
    {
      g_set_error (error, MGR_ERROR, MGR_ERROR_NOT_RUNNING, "%s is not running (mgr-start -n %s starts it)", name, name);
      return -1;
    }
  int fd = st.init_pid > 0 && st.init_start ? mgr_pidfd_open_checked (st.init_pid, st.init_start) : -1;
  if (fd >= 0)
    {
      *pid = st.init_pid;
      return fd;
    }
  if (!st.monitor_dead)
    {
      g_autoptr (GError) e = NULL;
      _cleanup_close_ int sock = mgr_monitor_connect (rt, &e);
      int got = -1;
      g_autofree char *reply = sock >= 0 ? mgr_monitor_request (sock, "pidfd", &got, &e) : NULL;
      if (reply && got >= 0 && g_str_has_prefix (reply, "pid="))
        {
          *pid = atoi (reply + 4);
          return got;
        }
      if (got >= 0)
        close (got);
    }
  fd = mgr_pidfd_open_checked (st.init_pid, st.init_start);
  if (fd < 0)
    {
      g_set_error (error, MGR_ERROR, MGR_ERROR_NOT_RUNNING, "%s stopped while attaching (its init, pid %d, is gone)",
                   name, st.init_pid);
      return -1;
    }
  *pid = st.init_pid;
  return fd;
}

typedef struct {
  char *user, *home, *shell;
} PwEntry;

/* Reads the container's own passwd by hand: NSS modules of the container
 * must never be loaded into a host process. */
static void
container_passwd (uid_t uid, PwEntry *pw)
{
  char buf[1 << 16];
  pw->user = pw->home = pw->shell = NULL;
  _cleanup_close_ int fd = open ("/etc/passwd", O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || fstat (fd, &st) < 0 || !S_ISREG (st.st_mode))
    return;
  ssize_t n = read (fd, buf, sizeof buf - 1);
  if (n <= 0)
    return;
  buf[n] = '\0';
  g_auto (GStrv) lines = g_strsplit (buf, "\n", -1);
  for (char **l = lines; *l; l++)
    {
      g_auto (GStrv) f = g_strsplit (*l, ":", 7);
      if (g_strv_length (f) == 7 && (uid_t) g_ascii_strtoull (f[2], NULL, 10) == uid && g_ascii_isdigit (f[2][0]))
        {
          pw->user = g_strdup (f[0]);
          pw->home = g_strdup (f[5]);
          pw->shell = g_strdup (f[6]);
          return;
        }
    }
}

static char **
attach_env (const MgrAttachOptions *o, const PwEntry *pw, uid_t uid)
{
  g_auto (GStrv) env = o->keep_env ? g_get_environ () : NULL;
  const char *term = g_getenv ("TERM");
  if (!o->keep_env)
    {
      env = g_environ_setenv (env, "PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", TRUE);
      env = g_environ_setenv (env, "TERM", term ? term : "linux", TRUE);
      env = g_environ_setenv (env, "HOME", pw->home ? pw->home : "/", TRUE);
      g_autofree char *uidtext = g_strdup_printf ("%u", uid);
      env = g_environ_setenv (env, "USER", pw->user ? pw->user : uidtext, TRUE);
    }
  for (char **e = o->plan->container.environment; e && *e; e++)
    {
      g_autofree char *name = g_strndup (*e, strchr (*e, '=') - *e);
      env = g_environ_setenv (env, name, strchr (*e, '=') + 1, TRUE);
    }
  env = g_environ_setenv (env, "container", "mgr", TRUE);
  for (char *const *e = o->extra_env; e && *e; e++)
    {
      const char *eq = strchr (*e, '=');
      g_autofree char *name = g_strndup (*e, eq - *e);
      env = g_environ_setenv (env, name, eq + 1, TRUE);
    }
  return g_steal_pointer (&env);
}

static _Noreturn void
helper_fail_text (int sock, const char *text)
{
  char msg[1024];
  snprintf (msg, sizeof msg, "E%s", text);
  (void) !send (sock, msg, strlen (msg), MSG_NOSIGNAL);
  _exit (126);
}

static _Noreturn void
helper_fail (int sock, const char *what, int err)
{
  char msg[1024];
  snprintf (msg, sizeof msg, "E%s: %s", what, g_strerror (err));
  (void) !send (sock, msg, strlen (msg), MSG_NOSIGNAL);
  _exit (126);
}

/* The master of a new pty in the container's own devpts. The path is the
 * container's to change: it is resolved without following any link and the
 * result must be a devpts ptmx, so the pty is one the container could have
 * made itself, never a host terminal. */
static int
container_ptmx (void)
{
  struct open_how how = { .flags = O_RDWR | O_NOCTTY | O_CLOEXEC,
                          .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS };
  _cleanup_close_ int root = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0)
    return -1;
  _cleanup_close_ int fd = syscall (SYS_openat2, root, "dev/pts/ptmx", &how, sizeof how);
  struct statfs sfs;
  struct stat st;
  if (fd < 0 || fstatfs (fd, &sfs) < 0 || fstat (fd, &st) < 0)
    return -1;
  if (sfs.f_type != DEVPTS_SUPER_MAGIC || !S_ISCHR (st.st_mode))
    {
      errno = ENODEV;
      return -1;
    }
  return mgr_steal_fd (&fd);
}

static bool
same_ns (int a, int b)
{
  struct stat sa, sb;
  return fstat (a, &sa) == 0 && fstat (b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* /proc/PID/ns/NAME of the process behind pidfd, checked to still be that
 * process once opened (its pid cannot have been reused while it lives). */
static int
init_ns (int pidfd, const char *name)
{
  char path[64], buf[1024];
  snprintf (path, sizeof path, "/proc/self/fdinfo/%d", pidfd);
  _cleanup_close_ int info = open (path, O_RDONLY | O_CLOEXEC);
  ssize_t n = info < 0 ? -1 : read (info, buf, sizeof buf - 1);
  if (n <= 0)
    return -1;
  buf[n] = '\0';
  const char *p = strstr (buf, "\nPid:");
  int pid = p ? atoi (p + 5) : 0;
  if (pid <= 0)
    {
      errno = ESRCH;
      return -1;
    }
  snprintf (path, sizeof path, "/proc/%d/ns/%s", pid, name);
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  struct pollfd pf = { pidfd, POLLIN, 0 };
  if (fd >= 0 && poll (&pf, 1, 0) != 0)
    {
      close (fd);
      errno = ESRCH;
      return -1;
    }
  return fd;
}

/* The helper's end: mgr-init from its sealed memfd, as the command's
 * parent (src/init/mgr-init.c, attach_exec). The socket and the pty's peer cross this exec
 * (above 0-2, whatever the caller left open there); every other fd of the
 * helper closes. Already under the command's seccomp filter: the error
 * says what a profile that forbids execveat does. */
static _Noreturn void
exec_last_step (int exec_fd, int sock, int slave, unsigned mask, char *const *argv, char **env)
{
  int s = fcntl (sock, F_DUPFD, 3);
  int p = slave >= 0 ? fcntl (slave, F_DUPFD, 3) : -1;
  if (s < 0 || (slave >= 0 && p < 0))
    helper_fail (sock, "handing the socket and the pty on to mgr-init", errno);
  char a_sock[16], a_slave[16], a_mask[16];
  snprintf (a_sock, sizeof a_sock, "%d", s);
  if (p >= 0)
    snprintf (a_slave, sizeof a_slave, "%d", p);
  else
    strcpy (a_slave, "-");
  snprintf (a_mask, sizeof a_mask, "%u", mask);
  size_t n = g_strv_length ((char **) argv);
  g_autofree char **targv = g_new0 (char *, n + 6);
  targv[0] = (char *) "mgr-attach-exec";
  targv[1] = a_sock;
  targv[2] = a_slave;
  targv[3] = a_mask;
  targv[4] = (char *) "--";
  memcpy (targv + 5, argv, n * sizeof *argv);
  mgr_trace ("attach helper: executing mgr-init as the command's parent");
  syscall (SYS_execveat, exec_fd, "", targv, env, AT_EMPTY_PATH);
  int err = errno;
  g_autofree char *what = g_strdup_printf ("executing mgr-init (a sealed memfd) as the command's parent%s",
                                           err == EPERM || err == ENOSYS
                                             ? " (does the container's seccomp profile forbid execveat?)" : "");
  helper_fail (sock, what, err);
}

/* Runs in the helper, after fork: never returns. */
static _Noreturn void
helper (const MgrAttachOptions *o, const struct mgr_privileges *privs, const MgrCgroup *cg, bool in_v2, int pidfd,
        int sock, int monitor, int exec_fd, const MgrCallerTty *tty)
{
  const MgrPlan *plan = o->plan;
  g_autoptr (GError) cgerr = NULL;
  /* The cgroup first, while the host's /sys/fs/cgroup is still ours to see;
   * the command inherits it. */
  mgr_trace ("attach helper: forked");
  if (cg && !mgr_cgroup_enter (cg, 0, false, in_v2, &cgerr))
    helper_fail_text (sock, cgerr->message);
  mgr_trace ("attach helper: cgroup entered");
  /* init may have left the user namespace it was made in: unshare
   * (CLONE_NEWUSER) needs no capability. Joining init's namespaces as they
   * are now would run the command in namespaces the container chose: a
   * user namespace it made (with ids it maps, and owning every namespace
   * made in it), or a mount namespace whose mounts it fully controls. So a
   * user namespace is joined only if it is the container's own (a child of
   * ours), and the mount namespace joined must belong to the user
   * namespace the helper is then in (the container's, or ours). */
  _cleanup_close_ int ns_dir = open ("/proc/thread-self/ns", O_PATH | O_DIRECTORY | O_CLOEXEC);
  _cleanup_close_ int own_user = ns_dir < 0 ? -1 : openat (ns_dir, "user", O_RDONLY | O_CLOEXEC);
  _cleanup_close_ int init_user = init_ns (pidfd, "user");
  if (own_user < 0 || init_user < 0)
    helper_fail (sock, "opening the user namespace of the container's init", errno);
  _cleanup_close_ int made_in = plan->user_namespace ? ioctl (init_user, NS_GET_PARENT) : -1;
  if (plan->user_namespace && (made_in < 0 || !same_ns (made_in, own_user)))
    helper_fail_text (sock, "the container's init has left the user namespace it was made in (it made one of its "
                            "own): joining it would hand the container this process; restart the container");
  if (plan->user_namespace && setns (init_user, CLONE_NEWUSER) < 0)
    helper_fail (sock, "joining the container's user namespace", errno);
  int flags = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWPID | CLONE_NEWCGROUP;
  if (setns (pidfd, flags) < 0)
    helper_fail (sock, "joining the container's namespaces", errno);
  close (pidfd);
  _cleanup_close_ int mnt = openat (ns_dir, "mnt", O_RDONLY | O_CLOEXEC);
  _cleanup_close_ int mnt_owner = mnt < 0 ? -1 : ioctl (mnt, NS_GET_USERNS);
  if (mnt_owner < 0 || !same_ns (mnt_owner, plan->user_namespace ? init_user : own_user))
    helper_fail_text (sock, "the container's init is in a mount namespace of a user namespace it made itself: "
                            "exec does not join it; restart the container");
  if (chdir ("/") < 0)
    helper_fail (sock, "entering the container's root", errno);
  mgr_trace ("attach helper: namespaces joined");

  uid_t uid = privs->uid;
  PwEntry pw = { NULL, NULL, NULL };
  if (!o->oci)
    container_passwd (uid, &pw);
  g_auto (GStrv) env = o->oci ? g_strdupv (plan->container.environment) : attach_env (o, &pw, uid);
  g_auto (GStrv) shell = NULL;
  char *const *argv = o->oci ? plan->container.init : o->argv;
  if (!argv || !argv[0])
    {
      shell = g_new0 (char *, 2);
      shell[0] = g_strdup (pw.shell && *pw.shell ? pw.shell : "/bin/sh");
      argv = shell;
    }
  const char *cwd = o->cwd ? o->cwd : plan->container.cwd;

  int master = -1, slave = -1;
  if (tty->mask)
    {
      master = container_ptmx ();
      if (master < 0 || unlockpt (master) < 0)
        helper_fail (sock, "opening a pty in the container's /dev/pts", errno);
      /* The peer from the master: no path inside the container is looked up. */
      slave = ioctl (master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
      if (slave < 0)
        helper_fail (sock, "opening the pty's peer (TIOCGPTPEER)", errno);
      mgr_term_copy_size (tty->size, master);
      mgr_send_fd (sock, master, "M");
    }

  if (chdir (cwd) < 0)
    {
      g_autofree char *what = g_strdup_printf ("changing to %s in the container", cwd);
      helper_fail (sock, what, errno);
    }
  /* The command is born in the container's pid namespace, where a root
   * with sys_ptrace (a privileged container) can attach to it before it
   * executes: it must hold nothing more than what it will run with. So the
   * privileges are dropped here, before the fork, and the caller's
   * environment (what /proc/PID/environ shows) is wiped from memory. */
  char detail[PATH_MAX];
  struct mgr_child_error err = { 0, detail };
  int listener;
  for (int i = 0; o->oci && i < RLIM_NLIMITS; i++)
    {
      const struct mgr_rlimit *l = &plan->limits.r[i];
      struct rlimit rl = { l->soft == MGR_UNLIMITED ? RLIM_INFINITY : l->soft,
                           l->hard == MGR_UNLIMITED ? RLIM_INFINITY : l->hard };
      if (l->set && setrlimit (i, &rl) < 0)
        helper_fail (sock, "setting a resource limit of process.rlimits", errno);
    }
  int r = mgr_privileges_drop (privs, &listener, &err);
  if (r < 0)
    {
      g_autofree char *what = mgr_step_describe (&(struct mgr_sync_msg){ .step = err.step, .err = -r });
      helper_fail_text (sock, what);
    }
  /* A privileged container's mount calls go to its monitor, the command's
   * as well as init's (the command inherits this filter). */
  if (listener >= 0)
    {
      mgr_send_fd (monitor, listener, "mounts\n");
      close (listener);
    }
  for (char **e = environ; e && *e; e++)
    explicit_bzero (*e, strlen (*e));
  mgr_trace ("attach helper: privileges dropped");
  if (exec_fd >= 0)
    exec_last_step (exec_fd, sock, slave, tty->mask, argv, env);

  pid_t child = fork ();
  if (child < 0)
    helper_fail (sock, "forking into the container's pid namespace", errno);
  if (child > 0 && o->oci)
    {
      /* Its pid as the host sees it (fork answers in our pid namespace). */
      char msg[32];
      snprintf (msg, sizeof msg, "P%d", child);
      (void) !send (sock, msg, strlen (msg), MSG_NOSIGNAL);
      /* Detached: the command's parent becomes the caller's subreaper
       * (the engine's monitor), which reaps it and reads its status. */
      if (o->detach)
        _exit (0);
    }
  if (child == 0)
    {
      /* A session of its own always: in the caller's, /dev/tty inside would
       * open the caller's controlling terminal. */
      if (setsid () < 0)
        helper_fail (sock, "creating the command's session", errno);
      if (slave >= 0)
        {
          if (ioctl (slave, TIOCSCTTY, 0) < 0)
            helper_fail (sock, "making the pty the command's terminal", errno);
          /* Only the caller's fds that are terminals become the pty; pipes
           * and files are passed as they are. */
          for (int fd = 0; fd < 3; fd++)
            if ((tty->mask & (1u << fd)) && dup2 (slave, fd) < 0)
              helper_fail (sock, "making the pty the command's terminal", errno);
        }
      /* The container's AppArmor profile from the exec on, as its init's. */
      if (o->oci && plan->oci.apparmor)
        {
          g_autofree char *text = g_strdup_printf ("exec %s", plan->oci.apparmor);
          int fd = open ("/proc/self/attr/apparmor/exec", O_WRONLY | O_CLOEXEC);
          if (fd < 0)
            fd = open ("/proc/self/attr/exec", O_WRONLY | O_CLOEXEC);
          if (fd < 0 || write (fd, text, strlen (text)) < 0)
            helper_fail (sock, "setting the AppArmor profile for exec", errno);
          close (fd);
        }
      environ = env;
      /* Only 0-2 (and what an engine hands on) reach the command: the
       * helper's socket closes at exec. */
      for (int fd = 3; fd < 3 + o->keep_fds; fd++)
        fcntl (fd, F_SETFD, 0);
      syscall (SYS_close_range, 3 + o->keep_fds, ~0U, CLOSE_RANGE_CLOEXEC);
      mgr_trace ("attach command: executing %s", argv[0]);
      execvp (argv[0], argv);
      g_autofree char *what = g_strdup_printf ("executing %s in the container", argv[0]);
      helper_fail (sock, what, errno);
    }
  if (master >= 0)
    close (master);
  if (slave >= 0)
    close (slave);
  close (sock);
  int status;
  while (waitpid (child, &status, 0) < 0 && errno == EINTR)
    ;
  _exit (WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status));
}

typedef struct {
  const MgrAttachOptions *o;
  const struct mgr_privileges *privs;
  const MgrCgroup *cg;
  bool in_v2;
  int pidfd, sock, other, monitor, exec_fd;
  const MgrCallerTty *tty;
} HelperArgs;

static int
helper_entry (void *p)
{
  HelperArgs *a = p;
  close (a->other);
  helper (a->o, a->privs, a->cg, a->in_v2, a->pidfd, a->sock, a->monitor, a->exec_fd, a->tty);
}


/* The helper, as cheaply as the machine allows. mgr-attach's helper ends
 * in the exec of mgr-init, so where mgr_clone3_run exists it shares our memory
 * until then (CLONE_VM | CLONE_VFORK, as posix_spawn does; we wait,
 * suspended, until it has executed or exited): no copy of our page tables
 * at the fork and no teardown of that copy at its exec. It has its own
 * files, fs (root, cwd), credentials, namespaces and seccomp filter, which
 * are per task; what it allocates stays in our heap, and it writes nothing
 * we read afterwards. On v2 it is born in the container's cgroup
 * (CLONE_INTO_CGROUP: a process moved there afterwards waits for an RCU
 * grace period, milliseconds); where init has enabled controllers for its
 * children the kernel refuses (EBUSY): the .mgr-attach leaf then. Before
 * Linux 5.7, or without v2, the helper moves itself. mgr-oci's helper
 * forks the command itself: a plain fork there. -1 with errno. */
static pid_t
spawn_helper (HelperArgs *a, bool share_memory)
{
  void *stack = MAP_FAILED;
  size_t stack_size = 1 << 20;
#ifdef MGR_HAVE_CLONE3_RUN
  /* Its lowest page a guard: an overflow faults instead of writing below. */
  if (share_memory)
    stack = mmap (NULL, stack_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (stack != MAP_FAILED && mprotect (stack, 4096, PROT_NONE) < 0)
    {
      munmap (stack, stack_size);
      stack = MAP_FAILED;
    }
#endif
  pid_t pid = -1;
  int err = 0;
  for (int leaf = 0; leaf < 3 && pid < 0; leaf++)
    {
      /* leaf 0 and 1: into the v2 cgroup; 2: anywhere */
      _cleanup_close_ int cgfd = leaf < 2 && a->cg ? mgr_cgroup_v2_attach_fd (a->cg, leaf) : -1;
      if (leaf < 2 && cgfd < 0)
        {
          leaf = 1; /* no v2 cgroup to be born in: a plain one */
          continue;
        }
      struct clone_args ca = { .flags = cgfd >= 0 ? CLONE_INTO_CGROUP : 0, .exit_signal = SIGCHLD,
                               .cgroup = cgfd >= 0 ? (guint64) cgfd : 0 };
      a->in_v2 = cgfd >= 0;
#ifdef MGR_HAVE_CLONE3_RUN
      if (stack != MAP_FAILED)
        {
          ca.flags |= CLONE_VM | CLONE_VFORK;
          ca.stack = (guint64) (uintptr_t) stack;
          ca.stack_size = stack_size;
          pid = mgr_clone3_run (&ca, helper_entry, a);
          if (pid < 0)
            errno = -pid, pid = -1;
        }
      else
#endif
        if (ca.flags)
          pid = syscall (SYS_clone3, &ca, sizeof ca);
        else
          pid = fork ();
      if (pid == 0)
        helper_entry (a);
      err = errno;
      if (pid < 0 && leaf < 2 && errno != EBUSY)
        leaf = 1; /* no v2 cgroup for it (ENOSYS, EINVAL...): a plain one */
    }
  if (stack != MAP_FAILED)
    munmap (stack, stack_size);
  /* Before Linux 5.3 there is no clone3. */
  if (pid < 0 && err == ENOSYS)
    {
      a->in_v2 = false;
      if ((pid = fork ()) == 0)
        helper_entry (a);
      return pid;
    }
  errno = err;
  return pid;
}

/* Bytes between the caller's terminal and the pty master, until nothing in
 * the container holds the pty any more. Settings stay on each side: the
 * caller's terminal is raw only while its input is read here, and only the
 * window size goes across, one way. */
static void
relay (int master, const MgrCallerTty *tty)
{
  sigset_t set;
  sigemptyset (&set);
  sigaddset (&set, SIGWINCH);
  sigprocmask (SIG_BLOCK, &set, NULL);
  _cleanup_close_ int sfd = signalfd (-1, &set, SFD_CLOEXEC);
  mgr_term_copy_size (tty->size, master);
  if (tty->in >= 0)
    mgr_term_raw (tty->in);
  bool in_open = tty->in >= 0;
  for (;;)
    {
      struct pollfd p[3] = { { master, POLLIN }, { in_open ? tty->in : -1, POLLIN }, { sfd, POLLIN } };
      if (poll (p, 3, -1) < 0)
        continue;
      char buf[8192];
      if (p[0].revents)
        {
          ssize_t n = read (master, buf, sizeof buf);
          if (n <= 0)
            break; /* EIO: the command and everything on its terminal are gone */
          if (tty->out >= 0)
            (void) !write (tty->out, buf, n);
        }
      if (p[1].revents)
        {
          ssize_t n = read (tty->in, buf, sizeof buf);
          if (n <= 0)
            in_open = false;
          else
            (void) !write (master, buf, n);
        }
      if (p[2].revents)
        {
          struct signalfd_siginfo si;
          (void) !read (sfd, &si, sizeof si);
          mgr_term_copy_size (tty->size, master);
        }
    }
  mgr_term_restore ();
}

/* An error from the helper: "E<text>" from the helper itself, or
 * "e<errno> <what>" from mgr-init (which has no strerror). */
static char *
helper_failure (const char *msg)
{
  if (msg[0] == 'E')
    return g_strdup (msg + 1);
  char *end;
  long err = strtol (msg + 1, &end, 10);
  return g_strdup_printf ("%s: %s", *end == ' ' ? end + 1 : end, g_strerror ((int) err));
}

/* mgr-oci: the command's pid, in the pid file as soon as it is known. */
static gboolean
oci_pid (const MgrAttachOptions *o, const char *text, char **failure)
{
  g_autoptr (GError) e = NULL;
  ((MgrAttachOptions *) o)->pid = atoi (text);
  if (o->pid_file && !mgr_write_file_atomic (o->pid_file, text, -1, 0644, &e))
    {
      *failure = g_strdup (e->message);
      return FALSE;
    }
  return TRUE;
}

int
mgr_attach (const MgrAttachOptions *o, GError **error)
{
  /* The command is forked inside the container's pid namespace and is its
   * parent's program until it executes (the top of this file says why that
   * must not be mgr's file): mgr-init from a sealed memfd for mgr-attach;
   * for mgr-oci exec, whose helper forks it, a sealed copy of mgr. */
  if (o->oci && mgr_exec_sealed_self (error) < 0)
    return -1;
  _cleanup_close_ int exec_fd = o->oci ? -1 : mgr_init_memfd (error);
  if (!o->oci && exec_fd < 0)
    return -1;
  mgr_trace ("attach: mgr-init copied into a sealed memfd");
  pid_t init_pid;
  _cleanup_close_ int pidfd = o->oci ? fcntl (o->pidfd, F_DUPFD_CLOEXEC, 3)
                                            : mgr_container_pidfd (o->rt, o->plan->name, &init_pid, error);
  if (pidfd < 0)
    {
      if (o->oci)
        g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "dup: %s", g_strerror (errno));
      return -1;
    }
  /* Not dumpable from here on: nothing in the container may ptrace or open
   * /proc/PID/{exe,fd,mem} of this host process or its helper. */
  prctl (PR_SET_DUMPABLE, 0, 0, 0, 0);
  mgr_trace ("attach: pidfd of init");
  MgrCallerTty tty;
  /* An OCI process has a terminal when its config says so, whatever the
   * caller's fds are; its controller goes to the engine, never relayed. */
  if (o->oci)
    tty = (MgrCallerTty){ -1, -1, -1, o->plan->oci.terminal ? 7 : 0 };
  else
    mgr_caller_tty (&tty);
  MgrSeccomp seccomp = { 0 };
  struct mgr_privileges privs;
  g_autoptr (MgrCgroup) own_cg = o->cgroup ? NULL : mgr_cgroup_new (o->rt->id, NULL);
  const MgrCgroup *cg = o->cgroup ? o->cgroup : own_cg;
  if (o->oci && o->seccomp)
    seccomp = (MgrSeccomp){ { o->seccomp->prog.len, g_memdup2 (o->seccomp->prog.filter, o->seccomp->prog.len * sizeof (struct sock_filter)) } };
  else if (!o->oci && !mgr_seccomp_for_plan (o->plan, &seccomp, error))
    return -1;
  mgr_privileges_prepare (o->plan, o->uid_set ? o->uid : o->plan->container.uid.v,
                          o->gid_set ? o->gid : o->plan->container.gid.v, &seccomp, &privs);
  /* Without the monitor no one answers: the command's mount calls then
   * fail with ENOSYS, which is safe. */
  _cleanup_close_ int monitor = seccomp.notify && o->rt ? mgr_monitor_connect (o->rt, NULL) : -1;
  privs.listen = monitor >= 0;
  mgr_trace ("attach: privileges prepared");
  int sv[2];
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    {
      g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "socketpair: %s", g_strerror (errno));
      return -1;
    }
  HelperArgs ha = { .o = o, .privs = &privs, .cg = cg, .pidfd = pidfd, .sock = sv[1], .other = sv[0],
                    .monitor = monitor, .exec_fd = exec_fd, .tty = &tty };
  pid_t pid = spawn_helper (&ha, exec_fd >= 0);
  if (pid < 0)
    {
      g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "fork: %s", g_strerror (errno));
      return -1;
    }
  close (sv[1]);
  mgr_privileges_clear (&privs);
  mgr_seccomp_clear (&seccomp);
  _cleanup_close_ int sock = sv[0];

  /* The helper sends the pty master ('M' + fd), an error ("E..."), or
   * nothing (the command's exec closed the socket). */
  int master = -1;
  g_autofree char *failure = NULL;
  for (;;)
    {
      char buf[1024], cbuf[CMSG_SPACE (sizeof (int))];
      struct iovec iov = { buf, sizeof buf - 1 };
      struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
      ssize_t n = recvmsg (sock, &msg, MSG_CMSG_CLOEXEC);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      buf[n] = '\0';
      struct cmsghdr *cm = CMSG_FIRSTHDR (&msg);
      if (buf[0] == 'M' && cm && cm->cmsg_type == SCM_RIGHTS)
        {
          memcpy (&master, CMSG_DATA (cm), sizeof master);
          break;
        }
      if (buf[0] == 'E' || buf[0] == 'e')
        {
          failure = helper_failure (buf);
          break;
        }
      if (buf[0] == 'P' && o->oci && !oci_pid (o, buf + 1, &failure))
        break;
    }
  if (master >= 0 && o->oci)
    {
      g_autoptr (GError) e = NULL;
      if (!mgr_console_socket_send (o->console_socket, master, &e))
        failure = g_strdup (e->message);
      close (master);
      master = -1;
    }
  if (master >= 0)
    {
      /* An error may still follow the master, before exec. */
      relay (master, &tty);
      close (master);
    }
  /* mgr-oci: the command's pid, then end of file once it executes. */
  while (o->oci && !failure)
    {
      char buf[1024];
      ssize_t n = recv (sock, buf, sizeof buf - 1, 0);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      buf[n] = '\0';
      if (buf[0] == 'P')
        oci_pid (o, buf + 1, &failure);
      else if (buf[0] == 'E' || buf[0] == 'e')
        failure = helper_failure (buf);
    }
  if (!failure)
    {
      char buf[1024];
      ssize_t n = recv (sock, buf, sizeof buf - 1, MSG_DONTWAIT);
      if (n > 0 && (buf[0] == 'E' || buf[0] == 'e'))
        {
          buf[n] = '\0';
          failure = helper_failure (buf);
        }
    }
  int status;
  while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
    ;
  if (failure && o->oci)
    {
      g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "%s", failure);
      return -1;
    }
  if (failure)
    {
      /* Joining a container whose init is ending fails in odd ways (fork in
       * a dying pid namespace: ENOMEM; its devpts gone: ENODEV): say what
       * happened rather than how. */
      struct pollfd p = { pidfd, POLLIN };
      /* setns through a pidfd fails with ESRCH once init has exited, even
       * when the pidfd does not poll ready yet. A fork that fails with
       * ENOMEM in the pid namespace is one whose init has begun to exit:
       * its pidfd is ready once the kernel has killed the namespace's last
       * process, which on a loaded host takes longer than 100 ms (seen:
       * test-identity's contention check); a real shortage of memory is
       * told after 5 s. */
      int wait_ms = strstr (failure, g_strerror (ENOMEM)) ? 5000 : 100;
      if (poll (&p, 1, wait_ms) > 0 || strstr (failure, g_strerror (ESRCH)))
        g_set_error (error, MGR_ERROR, MGR_ERROR_NOT_RUNNING, "%s stopped while attaching (%s)", o->plan->name, failure);
      else
        g_set_error (error, MGR_ERROR, MGR_ERROR_FAILED, "%s: %s", o->plan->name, failure);
      return -1;
    }
  return WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
}
