/* mgr-init: PID 1 of mgr-execute.
 *
 * The container's first process forks the command, then executes this
 * program from a sealed memfd (execinit.c), so that PID 1 holds nothing of
 * the host: not mgr's binary (/proc/1/exe is the sealed copy, which nobody
 * can write, CVE-2019-5736), not its memory or environment (the
 * environment is empty), not its fds. Built static: it runs in any rootfs
 * and loads nothing from it.
 *
 *   init CMD-PID GATE-FD
 *
 * It forwards the signals it gets to the command, reaps every orphan, and
 * exits with the command's status; when it exits the kernel kills whatever
 * is left in the namespace. The signal mask it needs is inherited blocked
 * through exec, so nothing arrives before it waits for it.
 *
 * Called mgr-attach-exec, it is mgr-attach's last step instead (see
 * attach_exec below): one small static program for both.
 *
 * Every mgr-execute copies this program into a memfd and executes it, so
 * its size is paid at each run: on x86-64 it is built without a C library
 * (MGR_INIT_NOLIBC: raw system calls, its own _start, about 1 KB of code
 * instead of 690 KB of static glibc); elsewhere with the static libc (so
 * does every mgr-attach). It
 * makes system calls only, through the sys() wrapper below, so both builds
 * run the same code. */

#ifdef MGR_INIT_NOLIBC
/* The kernel's x86-64 calling convention: number in rax, arguments in rdi,
 * rsi, rdx, r10, r8, r9; rcx and r11 are clobbered. */
static long
sys (long n, long a, long b, long c, long d)
{
  register long r10 __asm__ ("r10") = d;
  long ret;
  __asm__ volatile ("syscall"
                    : "=a"(ret)
                    : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10)
                    : "rcx", "r11", "memory");
  return ret;
}
#define NR_write 1
#define NR_close 3
#define NR_rt_sigprocmask 14
#define NR_ioctl 16
#define NR_clone 56
#define NR_execve 59
#define NR_fcntl 72
#define NR_setsid 112
#define NR_dup3 292
#define NR_close_range 436
#define NR_wait4 61
#define NR_kill 62
#define NR_ptrace 101
#define NR_rt_sigtimedwait 128
#define NR_prctl 157
#define NR_exit_group 231
#define NR_read 0
#define NR_pread64 17
#define NR_pwrite64 18
#define NR_mmap 9
#define NR_sendto 44
#define NR_sendmsg 46
#define NR_recvmsg 47
#define NR_recvfrom 45
#define NR_getsockopt 55
#define NR_ftruncate 77
#define NR_geteuid 107
#define NR_clock_gettime 228
#define NR_openat 257
#define NR_newfstatat 262
#define NR_unlinkat 263
#define NR_ppoll 271
#define NR_timerfd_settime 286
#define NR_accept4 288
#define NR_renameat2 316
#define NR_execveat 322
#define NR_pidfd_send_signal 424
/* The kernel's answer: -errno on failure. */
#define sys_e sys
static long
sys6 (long n, long a, long b, long c, long d, long e, long f)
{
  register long r10 __asm__ ("r10") = d;
  register long r8 __asm__ ("r8") = e;
  register long r9 __asm__ ("r9") = f;
  long ret;
  __asm__ volatile ("syscall"
                    : "=a"(ret)
                    : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                    : "rcx", "r11", "memory");
  return ret;
}
/* What the kernel's x86-64 ABI lays out, for the monitor's core. */
struct iovec { void *iov_base; unsigned long iov_len; };
struct msghdr { void *msg_name; int msg_namelen; struct iovec *msg_iov; unsigned long msg_iovlen; void *msg_control;
                unsigned long msg_controllen; int msg_flags; };
struct cmsghdr { unsigned long cmsg_len; int cmsg_level; int cmsg_type; };
struct pollfd { int fd; short events, revents; };
struct ucred { int pid; unsigned uid, gid; };
struct timespec { long tv_sec, tv_nsec; };
struct itimerspec { struct timespec it_interval, it_value; };
/* struct stat: st_nlink is its third word, st_mode the 32 bits after. */
static int
fd_is_single_regular (int fd)
{
  unsigned long st[18];
  if (sys6 (NR_newfstatat, fd, (long) "", (long) st, 0x1000 /* AT_EMPTY_PATH */, 0, 0) < 0)
    return 0;
  return (((unsigned *) st)[6] & 0170000) == 0100000 && st[2] == 1;
}
/* What the compiler may call for a struct's copy or zeroing. */
void *memcpy (void *d, const void *s, unsigned long n) __attribute__ ((optimize ("no-tree-loop-distribute-patterns")));
void *
memcpy (void *d, const void *s, unsigned long n)
{
  char *dp = d;
  const char *sp = s;
  while (n--)
    *dp++ = *sp++;
  return d;
}
void *memset (void *d, int c, unsigned long n) __attribute__ ((optimize ("no-tree-loop-distribute-patterns")));
void *
memset (void *d, int c, unsigned long n)
{
  char *dp = d;
  while (n--)
    *dp++ = (char) c;
  return d;
}

/* A compiler told to protect the stack (distributions' default CFLAGS
 * come after ours) reads its canary at %fs:0x28: _start points %fs at this
 * block (its first word is its own address, as the ABI wants, stored by
 * _start) before any C runs.
 *
 * Built as a static PIE, loaded at a random address like mgr itself: the
 * monitor's core lives as long as its container. Nothing relocates it (no
 * dynamic loader, no C library), so it must have no relocations: no
 * initialised pointer in its data (the build checks: Makefile.am). */
void *mgr_init_tls[8] __attribute__ ((visibility ("hidden")));
__asm__ (".text\n"
         ".global _start\n"
         "_start:\n"
         "  xor %ebp, %ebp\n"
         "  mov $158, %eax\n"            /* arch_prctl */
         "  mov $0x1002, %edi\n"         /* ARCH_SET_FS */
         "  lea mgr_init_tls(%rip), %rsi\n"
         "  mov %rsi, (%rsi)\n"
         "  syscall\n"
         "  mov %rsp, %rdi\n"            /* argc, argv... */
         "  and $-16, %rsp\n"
         "  call mgr_init_start\n"
         "  hlt\n");
void __stack_chk_fail (void);
void
__stack_chk_fail (void)
{
  sys (NR_exit_group, 127, 0, 0, 0);
  for (;;)
    ;
}
#else
#define _GNU_SOURCE
#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>
#define sys(n, a, b, c, d) syscall ((n), (a), (b), (c), (d))
/* -errno on failure, as the kernel answers without the C library. */
static long
sys_e (long n, long a, long b, long c, long d)
{
  long r = syscall (n, a, b, c, d);
  return r == -1 ? -errno : r;
}
#define NR_ioctl SYS_ioctl
#define NR_clone SYS_clone
#define NR_execve SYS_execve
#define NR_fcntl SYS_fcntl
#define NR_setsid SYS_setsid
#define NR_dup3 SYS_dup3
#define NR_close_range 436
#define NR_write SYS_write
#define NR_close SYS_close
#define NR_rt_sigprocmask SYS_rt_sigprocmask
#define NR_wait4 SYS_wait4
#define NR_kill SYS_kill
#define NR_ptrace SYS_ptrace
#define NR_rt_sigtimedwait SYS_rt_sigtimedwait
#define NR_prctl SYS_prctl
#define NR_exit_group SYS_exit_group
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#define NR_read SYS_read
#define NR_pread64 SYS_pread64
#define NR_pwrite64 SYS_pwrite64
#define NR_mmap SYS_mmap
#define NR_sendto SYS_sendto
#define NR_sendmsg SYS_sendmsg
#define NR_recvmsg SYS_recvmsg
#define NR_recvfrom SYS_recvfrom
#define NR_getsockopt SYS_getsockopt
#define NR_ftruncate SYS_ftruncate
#define NR_geteuid SYS_geteuid
#define NR_clock_gettime SYS_clock_gettime
#define NR_openat SYS_openat
#define NR_unlinkat SYS_unlinkat
#define NR_ppoll SYS_ppoll
#define NR_timerfd_settime SYS_timerfd_settime
#define NR_accept4 SYS_accept4
#define NR_renameat2 SYS_renameat2
#define NR_execveat SYS_execveat
#define NR_pidfd_send_signal 424
static long
sys6 (long n, long a, long b, long c, long d, long e, long f)
{
  long r = syscall (n, a, b, c, d, e, f);
  return r == -1 ? -errno : r;
}
static int
fd_is_single_regular (int fd)
{
  struct stat st;
  return fstat (fd, &st) == 0 && S_ISREG (st.st_mode) && st.st_nlink == 1;
}
#endif

/* The kernel's values, the same on every architecture mgr builds for but
 * alpha, mips, parisc and sparc. */
#define PR_SET_DUMPABLE 4
#define PTRACE_TRACEME 0
#define SIG_BLOCK 0
#define WNOHANG 1
#define SIGILL 4
#define SIGBUS 7
#define SIGFPE 8
#define SIGKILL 9
#define SIGSEGV 11
#define SIGCHLD 17
#define SIGSTOP 19
#define F_SETFD 2
#define FD_CLOEXEC 1
#define TIOCSCTTY 0x540E
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC 4
#endif
#ifdef MGR_INIT_NOLIBC
#define EINTR 4
#define ENOENT 2
#define ENOEXEC 8
#define EACCES 13
#define ENOTDIR 20
#endif
/* Signals 1-31; the real-time ones from 32 on (glibc keeps 32 and 33 for
 * itself) are not forwarded, as before. */
#define LAST_STANDARD_SIGNAL 31

static int
parse_int (const char *s)
{
  int v = 0;
  if (!s || !*s)
    return -1;
  for (; *s; s++)
    {
      if (*s < '0' || *s > '9' || v > 100000000)
        return -1;
      v = v * 10 + (*s - '0');
    }
  return v;
}

static int attach_exec (int argc, char **argv, char **envp);

static int
streq (const char *a, const char *b)
{
  while (*a && *a == *b)
    a++, b++;
  return *a == *b;
}

static int monitor_core (int argc, char **argv, char **envp);

static int
run (int argc, char **argv, char **envp)
{
  if (argc > 0 && streq (argv[0], "mgr-attach-exec"))
    return attach_exec (argc, argv, envp);
  if (argc > 0 && streq (argv[0], "mgr-monitor"))
    return monitor_core (argc, argv, envp);
  if (argc != 3)
    return 127;
  int cmd = parse_int (argv[1]);
  int gate = parse_int (argv[2]);
  if (cmd <= 0 || gate < 0)
    return 127;

  /* Before the command may run: nothing in the container traces this
   * process or reads its memory. Not dumpable keeps out whoever lacks
   * CAP_SYS_PTRACE; the monitor (our parent, outside) as tracer keeps out
   * the rest, since a process has one tracer at most. Neither may fail the
   * start: without ptrace on this host, nobody inside can trace either. */
  sys (NR_prctl, PR_SET_DUMPABLE, 0, 0, 0);
  sys (NR_ptrace, PTRACE_TRACEME, 0, 0, 0);
  sys (NR_write, gate, (long) "1", 1, 0);
  sys (NR_close, gate, 0, 0, 0);

  unsigned long set = 0; /* the kernel's sigset_t: bit s-1 for signal s */
  for (int s = 1; s <= LAST_STANDARD_SIGNAL; s++)
    if (s != SIGKILL && s != SIGSTOP && s != SIGSEGV && s != SIGBUS && s != SIGILL && s != SIGFPE)
      set |= 1UL << (s - 1);
  sys (NR_rt_sigprocmask, SIG_BLOCK, (long) &set, 0, sizeof set);
  for (;;)
    {
      int st;
      long p;
      while ((p = sys (NR_wait4, -1, (long) &st, WNOHANG, 0)) > 0)
        if (p == cmd)
          return (st & 0x7f) == 0 ? (st >> 8) & 0xff : 128 + (st & 0x7f);
      long info[16]; /* siginfo_t: 128 bytes */
      long sig = sys (NR_rt_sigtimedwait, (long) &set, (long) info, 0, sizeof set);
      if (sig > 0 && sig != SIGCHLD)
        sys (NR_kill, cmd, sig, 0, 0);
    }
}

/* ---- mgr-attach's last step ----
 *
 *   mgr-attach-exec SOCK SLAVE MASK -- COMMAND [ARGS...]
 *
 * mgr-attach's helper has joined the container's namespaces and cgroup and
 * dropped to the command's privileges (capabilities, ids, no_new_privs,
 * seccomp); it then executes this program from a sealed memfd instead of
 * forking the command itself. The command must be born inside the
 * container's pid namespace, where it is visible, and until its own exec
 * it is a copy of whatever forked it: this program, not mgr's binary. So
 * nothing in the container ever holds the host's mgr through /proc/PID/exe
 * (CVE-2019-5736: not by catching the command before its exec, not by
 * making it execute a "#!/proc/self/exe" script), and mgr is executed and
 * linked once per attach instead of twice.
 *
 * The environment is the command's. SOCK is the helper's socket to
 * mgr-attach: an error before the command's exec goes there as
 * "e<errno> <what>" (mgr-attach words the errno), and the exec closes it
 * (end of file: the command runs). SLAVE is the pty's peer in the
 * container's devpts, or -1; MASK says which of fds 0-2 become it. Exits
 * with the command's status (128+signal when killed), 126 when it could not
 * be started. */

#define PATH_DEFAULT "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static void
append (char *buf, unsigned long size, unsigned long *len, const char *s)
{
  while (*s && *len + 1 < size)
    buf[(*len)++] = *s++;
  buf[*len] = '\0';
}

static void __attribute__ ((noreturn))
attach_fail (int sock, const char *what, const char *arg, long err)
{
  char msg[1024], num[24];
  unsigned long len = 0, e = err < 0 ? -err : err;
  int i = sizeof num - 1;
  num[i] = '\0';
  do
    num[--i] = '0' + e % 10;
  while ((e /= 10) && i > 0);
  append (msg, sizeof msg, &len, "e");
  append (msg, sizeof msg, &len, num + i);
  append (msg, sizeof msg, &len, " ");
  append (msg, sizeof msg, &len, what);
  if (arg)
    {
      append (msg, sizeof msg, &len, arg);
      append (msg, sizeof msg, &len, " in the container");
    }
  /* A datagram of the SOCK_SEQPACKET pair: write is send without flags. */
  sys (NR_write, sock, (long) msg, len, 0);
  sys (NR_exit_group, 126, 0, 0, 0);
  for (;;)
    ;
}

/* A script without "#!" (ENOEXEC) runs under /bin/sh, as execvp does. */
static long
exec_or_sh (const char *path, char **argv, char **envp)
{
  long r = sys_e (NR_execve, (long) path, (long) argv, (long) envp, 0);
  if (r != -ENOEXEC)
    return r;
  int n = 0;
  while (argv[n])
    n++;
  char *sh[n + 2];
  sh[0] = (char *) "/bin/sh";
  sh[1] = (char *) path;
  for (int i = 1; i <= n; i++)
    sh[i + 1] = argv[i];
  sys_e (NR_execve, (long) "/bin/sh", (long) sh, (long) envp, 0);
  return r;
}

/* execvp: a name without a slash is looked up in the command's PATH. */
static long
exec_command (char **argv, char **envp)
{
  const char *file = argv[0];
  if (!*file)
    return -ENOENT;
  for (const char *c = file; *c; c++)
    if (*c == '/')
      return exec_or_sh (file, argv, envp);
  const char *path = PATH_DEFAULT;
  for (char **e = envp; *e; e++)
    if ((*e)[0] == 'P' && (*e)[1] == 'A' && (*e)[2] == 'T' && (*e)[3] == 'H' && (*e)[4] == '=')
      path = *e + 5;
  unsigned long flen = 0;
  while (file[flen])
    flen++;
  long err = -ENOENT;
  int eacces = 0;
  for (const char *p = path;; p++)
    {
      const char *start = p;
      while (*p && *p != ':')
        p++;
      unsigned long dlen = p - start, len = 0;
      char full[4096];
      if (dlen + flen + 2 <= sizeof full)
        {
          for (unsigned long i = 0; i < dlen; i++)
            full[len++] = start[i];
          if (dlen)
            full[len++] = '/';
          for (unsigned long i = 0; i <= flen; i++)
            full[len++] = file[i];
          err = exec_or_sh (full, argv, envp);
          if (err == -EACCES)
            eacces = 1;
          else if (err != -ENOENT && err != -ENOTDIR)
            return err;
        }
      if (!*p)
        break;
    }
  return eacces ? -EACCES : err;
}

static int
attach_exec (int argc, char **argv, char **envp)
{
  int sock = argc > 5 ? parse_int (argv[1]) : -1;
  int slave = argc > 5 && !streq (argv[2], "-") ? parse_int (argv[2]) : -1;
  int mask = argc > 5 ? parse_int (argv[3]) : -1;
  if (argc < 6 || sock < 3 || (argv[2][0] != '-' && slave < 3) || mask < 0 || mask > 7 || !streq (argv[4], "--"))
    return 127;
  char **command = argv + 5;
  /* Nothing of ours crosses the command's exec but 0-2. */
  sys (NR_fcntl, sock, F_SETFD, FD_CLOEXEC, 0);
  if (slave >= 0)
    sys (NR_fcntl, slave, F_SETFD, FD_CLOEXEC, 0);

  /* fork: clone without a new stack; the child returns here on ours. */
  long child = sys_e (NR_clone, SIGCHLD, 0, 0, 0);
  if (child < 0)
    attach_fail (sock, "forking into the container's pid namespace", 0, child);
  if (child == 0)
    {
      long r;
      /* A session of its own always: in the caller's, /dev/tty inside would
       * open the caller's controlling terminal. */
      if ((r = sys_e (NR_setsid, 0, 0, 0, 0)) < 0)
        attach_fail (sock, "creating the command's session", 0, r);
      if (slave >= 0)
        {
          if ((r = sys_e (NR_ioctl, slave, TIOCSCTTY, 0, 0)) < 0)
            attach_fail (sock, "making the pty the command's terminal", 0, r);
          /* Only the caller's fds that are terminals become the pty; pipes
           * and files are passed as they are. */
          for (int fd = 0; fd < 3; fd++)
            if ((mask & (1 << fd)) && (r = sys_e (NR_dup3, slave, fd, 0, 0)) < 0)
              attach_fail (sock, "making the pty the command's terminal", 0, r);
        }
      sys (NR_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC, 0);
      r = exec_command (command, envp);
      attach_fail (sock, "executing ", command[0], r);
    }
  /* The command holds the socket until its exec; mgr-attach reads end of
   * file once it and this copy are closed. */
  sys (NR_close, sock, 0, 0, 0);
  if (slave >= 0)
    sys (NR_close, slave, 0, 0, 0);
  int st = 0;
  long r;
  while ((r = sys_e (NR_wait4, child, (long) &st, 0, 0)) == -EINTR)
    ;
  if (r < 0)
    return 126;
  return (st & 0x7f) == 0 ? (st >> 8) & 0xff : 128 + (st & 0x7f);
}

/* ---- The monitor's core ----
 *
 *   mgr-monitor KEY=VALUE...
 *
 * A running container's monitor spends its life waiting: for init's end,
 * a request on its socket, console output. The monitor that started the
 * container is mgr itself (GLib, the plan, the start's heap: ~210 KB of
 * private memory once mgr-start has exited); once the container runs and
 * mgr-start has its answer, that monitor executes this program instead
 * (monitor.c, monitor_exec_core), keeping its pid, its children and its
 * fds, and passing what it knows as arguments. The core answers what a
 * running container needs (state, pidfd, stop, kill, console, console
 * output into the rings and the log) and, once init has exited because it
 * was asked to stop or cleanly, removes the cgroups and saves STOPPED
 * itself. Anything else, a reboot, an init that failed on its own, a cgroup
 * that will not go, it hands back to mgr (mgr-monitor-resume, from the fd
 * of mgr's binary it was given), which carries on where the monitor would
 * have. Only containers that need nothing else of their monitor while they
 * run come here (monitor.c says which).
 *
 * Arguments (fds are inherited, without FD_CLOEXEC):
 *   exe=FD sig=FD listen=FD timer=FD log=FD pidfd=FD  mgr's binary, the
 *     signalfd (SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGWINCH), the
 *     socket, the stop timer, the console log (or -1), init's pidfd
 *   rt=DIR  the runtime folder: state, state.next, monitor.sock, last-exit
 *   pid= istart= mpid= mstart= started= spawned=  init's pid and start
 *     time, the monitor's, the start's time() and its monotonic µs
 *   state=RUNNING|STOPPING killed=0|1 stopsig=N stopname=NAME timeout=MS
 *   term=MASTER,SLAVE,MEMFD,SIZE,HEAD,LEN,PATH  the console first, then
 *     each tty: pty, ring (a memfd mapping) and its fill
 *   client=FD,KIND,TERM  a connected client (0 request, 1 console, 2 wait)
 *   cg=INNER,PATH  each hierarchy's cgroup and the one init is in
 *   freeze=1,PATH (v1 freezer.state) or freeze=2,PATH (cgroup.freeze)
 *   cgfull=1  the cgroups need more than rmdir (an ordinary user's
 *     delegated ones): handed back at init's end whatever the reason
 *   any other KEY=VALUE is mgr's, passed back untouched. */

#define CORE_TERMS 65
#define CORE_CLIENTS 256
#define CORE_CGROUPS 16
#define AT_FDCWD_ (-100)
#define AT_EMPTY_PATH_ 0x1000
#define AT_REMOVEDIR_ 0x200
#define O_WRONLY_ 01
#define O_RDWR_ 02
#define O_CREAT_ 0100
#define O_EXCL_ 0200
#define O_NONBLOCK_ 04000
#define O_NOFOLLOW_ 0400000
#define O_CLOEXEC_ 02000000
#define POLLIN_ 1
#define POLLOUT_ 4
#define POLLERR_ 8
#define POLLHUP_ 16
#define MSG_PEEK_ 2
#define MSG_DONTWAIT_ 0x40
#define MSG_NOSIGNAL_ 0x4000
#define MSG_CMSG_CLOEXEC_ 0x40000000
#define SOCK_CLOEXEC_ 02000000
#define SOCK_NONBLOCK_ 04000
#define EAGAIN_ 11
#define EINTR_ 4
#define ENOENT_ 2
#define ESRCH_ 3
#define EBUSY_ 16
#define EEXIST_ 17
#define SIGHUP_ 1
#define SIGINT_ 2
#define PR_SET_NAME_ 15
#define F_SETFD_ 2

enum { K_REQUEST, K_CONSOLE, K_WAIT };
struct core_term
{
  int master, slave, memfd;
  char *buf;
  unsigned long size, head, len;
  const char *path;
};
struct core_client
{
  int fd, kind, term;
  unsigned len;
  unsigned long seq; /* its order of arrival */
  int blocked;       /* a console's: the pty takes no more for now */
  char buf[256];
};

static struct
{
  int argc;
  char **argv, **envp;
  int exe, sig, listen, timer, log, pidfd;
  long pid, mpid;
  unsigned long long istart, mstart, spawned, timeout;
  long long started;
  int stopping, exited, status, killed, stopsig;
  const char *stopname, *rt;
  int nterm;
  struct core_term term[CORE_TERMS];
  int nclient;
  unsigned long seq;
  struct core_client client[CORE_CLIENTS];
  int ncg;
  const char *cg_inner[CORE_CGROUPS], *cg_path[CORE_CGROUPS];
  int freeze_v;
  const char *freeze;
  int cgfull; /* the cgroups are mgr's to remove (cgfull=1) */
} C;

static unsigned long
slen (const char *s)
{
  unsigned long n = 0;
  while (s[n])
    n++;
  return n;
}

/* What follows prefix in s, or 0. */
static const char *
after (const char *s, const char *prefix)
{
  while (*prefix)
    if (*s++ != *prefix++)
      return 0;
  return s;
}

/* A decimal number, "-1" allowed; *s moves past it and one ','. */
static long long
take_num (const char **s)
{
  const char *p = *s;
  int neg = *p == '-';
  unsigned long long v = 0;
  if (neg)
    p++;
  /* A client's number ("stop N") may be any length: it saturates, as
   * g_ascii_strtoull does for the full monitor, instead of overflowing. */
  for (; *p >= '0' && *p <= '9'; p++)
    v = v > (~0ULL - 9) / 10 ? ~0ULL : v * 10 + (unsigned long long) (*p - '0');
  if (*p == ',')
    p++;
  *s = p;
  return neg ? -(long long) v : (long long) v;
}

/* A text buffer: what is appended past its end is dropped. */
struct sb
{
  char *p;
  unsigned long n, cap;
};
static void
sb_s (struct sb *b, const char *s)
{
  while (*s && b->n + 1 < b->cap)
    b->p[b->n++] = *s++;
  b->p[b->n] = '\0';
}
static void
sb_n (struct sb *b, long long v)
{
  char num[24];
  int i = sizeof num - 1;
  unsigned long long u = v < 0 ? -(unsigned long long) v : (unsigned long long) v;
  num[i] = '\0';
  do
    num[--i] = '0' + u % 10;
  while ((u /= 10) && i > 1);
  if (v < 0)
    num[--i] = '-';
  sb_s (b, num + i);
}

/* The runtime folder's files, in one pool (the folder's path is checked to
 * be shorter than 4000 bytes). */
static char paths[4 * 4096 + 64];
static char *path_state, *path_next, *path_sock, *path_last;
static unsigned long paths_used;

static char *
path_in (const char *name)
{
  char *out = paths + paths_used;
  struct sb b = { out, 0, sizeof paths - paths_used };
  sb_s (&b, C.rt);
  sb_s (&b, "/");
  sb_s (&b, name);
  paths_used += b.n + 1;
  return out;
}

/* The state file, as mgr_runtime_write_status writes it: state.next
 * written in place and swapped in; the first save, or a state.next that is
 * not a plain file of its own, by a rename. */
static void
save_state (const char *state)
{
  char text[512];
  struct sb b = { text, 0, sizeof text };
  sb_s (&b, "state=");
  sb_s (&b, state);
  sb_s (&b, "\nmonitor_pid=");
  sb_n (&b, C.mpid);
  sb_s (&b, "\nmonitor_start=");
  sb_n (&b, C.mstart);
  sb_s (&b, "\ninit_pid=");
  sb_n (&b, C.exited ? 0 : C.pid);
  sb_s (&b, "\ninit_start=");
  sb_n (&b, C.exited ? 0 : C.istart);
  sb_s (&b, "\nstarted=");
  sb_n (&b, C.started);
  sb_s (&b, "\nexit_status=");
  sb_n (&b, C.exited ? C.status : -1);
  sb_s (&b, "\n");
  long fd = sys6 (NR_openat, AT_FDCWD_, (long) path_next, O_WRONLY_ | O_CREAT_ | O_NOFOLLOW_ | O_NONBLOCK_ | O_CLOEXEC_,
                  0644, 0, 0);
  if (fd >= 0 && fd_is_single_regular (fd) && sys6 (NR_pwrite64, fd, (long) text, b.n, 0, 0, 0) == (long) b.n
      && sys6 (NR_ftruncate, fd, b.n, 0, 0, 0, 0) == 0)
    {
      sys (NR_close, fd, 0, 0, 0);
      long r = sys6 (NR_renameat2, AT_FDCWD_, (long) path_next, AT_FDCWD_, (long) path_state, 2 /* RENAME_EXCHANGE */, 0);
      if (r == 0 || (r == -ENOENT_ && sys6 (NR_renameat2, AT_FDCWD_, (long) path_next, AT_FDCWD_, (long) path_state, 0, 0) == 0))
        return;
    }
  else if (fd >= 0)
    sys (NR_close, fd, 0, 0, 0);
  sys6 (NR_unlinkat, AT_FDCWD_, (long) path_next, 0, 0, 0, 0);
  /* As mgr_write_file_replace: a new file of a name of its own
   * (state.XXXXXX, O_EXCL), renamed over the state, whatever state.next
   * has become (a folder cannot be unlinked). */
  static char tmp[4096 + 16];
  for (int round = 0; round < 100; round++)
    {
      struct timespec now = { 0, 0 };
      sys (NR_clock_gettime, 1 /* CLOCK_MONOTONIC */, (long) &now, 0, 0);
      struct sb t = { tmp, 0, sizeof tmp };
      sb_s (&t, path_state);
      sb_s (&t, ".");
      for (unsigned long x = (unsigned long) now.tv_nsec + round, i = 0; i < 6; i++, x /= 36)
        {
          char c[2] = { "0123456789abcdefghijklmnopqrstuvwxyz"[x % 36], 0 };
          sb_s (&t, c);
        }
      fd = sys6 (NR_openat, AT_FDCWD_, (long) tmp, O_WRONLY_ | O_CREAT_ | O_EXCL_ | O_NOFOLLOW_ | O_CLOEXEC_, 0644, 0, 0);
      if (fd != -EEXIST_)
        break;
    }
  if (fd < 0)
    return;
  long w = sys6 (NR_pwrite64, fd, (long) text, b.n, 0, 0, 0);
  sys (NR_close, fd, 0, 0, 0);
  if (w != (long) b.n || sys6 (NR_renameat2, AT_FDCWD_, (long) tmp, AT_FDCWD_, (long) path_state, 0, 0) != 0)
    sys6 (NR_unlinkat, AT_FDCWD_, (long) tmp, 0, 0, 0, 0);
}

static void
client_send (int fd, const char *data, unsigned long len)
{
  while (len)
    {
      long n = sys6 (NR_sendto, fd, (long) data, len, MSG_NOSIGNAL_ | MSG_DONTWAIT_, 0, 0);
      if (n <= 0)
        return; /* a slow console reader loses output rather than stall the container */
      data += n;
      len -= n;
    }
}

static void
client_text (int fd, const char *text)
{
  client_send (fd, text, slen (text));
}

static void
ring_append (struct core_term *t, const char *data, unsigned long len)
{
  if (len >= t->size)
    {
      memcpy (t->buf, data + len - t->size, t->size);
      t->head = 0;
      t->len = t->size;
      return;
    }
  unsigned long first = len < t->size - t->head ? len : t->size - t->head;
  memcpy (t->buf + t->head, data, first);
  memcpy (t->buf, data + first, len - first);
  t->head = (t->head + len) % t->size;
  t->len = t->len + len < t->size ? t->len + len : t->size;
}

static void
send_fd (int sock, int fd, const char *text)
{
  unsigned long cbuf[3] = { 0 }; /* CMSG_SPACE (sizeof (int)): a 16-byte header and the fd, 8-aligned */
  struct iovec iov = { (void *) text, slen (text) };
  struct msghdr mh = { 0 };
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  mh.msg_control = cbuf;
  mh.msg_controllen = sizeof cbuf;
  struct cmsghdr *cm = (struct cmsghdr *) cbuf;
  cm->cmsg_len = sizeof (struct cmsghdr) + sizeof (int);
  cm->cmsg_level = 1; /* SOL_SOCKET */
  cm->cmsg_type = 1;  /* SCM_RIGHTS */
  *(int *) (cm + 1) = fd;
  sys6 (NR_sendmsg, sock, (long) &mh, MSG_NOSIGNAL_, 0, 0, 0);
}

/* A frozen init cannot act on its stop signal, and v1's freezer keeps even
 * killed tasks around until thawed. */
static void
thaw (void)
{
  if (!C.freeze)
    return;
  long fd = sys6 (NR_openat, AT_FDCWD_, (long) C.freeze, O_RDWR_ | O_CLOEXEC_, 0, 0, 0);
  if (fd < 0)
    return;
  char buf[32];
  long n = sys6 (NR_pread64, fd, (long) buf, sizeof buf, 0, 0, 0);
  if (C.freeze_v == 1 && n > 0 && !(n >= 6 && after (buf, "THAWED")))
    sys (NR_write, fd, (long) "THAWED", 6, 0);
  else if (C.freeze_v == 2 && n > 0 && buf[0] == '1')
    sys (NR_write, fd, (long) "0", 1, 0);
  sys (NR_close, fd, 0, 0, 0);
}

static void
send_signal (int sig)
{
  if (!C.exited)
    sys6 (NR_pidfd_send_signal, C.pidfd, sig, 0, 0, 0, 0);
}

static void
begin_stop (unsigned long long ms)
{
  /* init has just ended (in a reboot, say) and this request was read in
   * the same turn: the stop is still what was asked, so the container is
   * not started again, and its client hears of the end. */
  if (C.exited)
    {
      C.stopping = 1;
      return;
    }
  int first = !C.stopping;
  thaw ();
  if (ms == 0)
    send_signal (SIGKILL);
  else
    {
      send_signal (C.stopsig);
      struct itimerspec its = { { 0, 0 }, { (long) (ms / 1000), (long) (ms % 1000) * 1000000 } };
      sys6 (NR_timerfd_settime, C.timer, 0, (long) &its, 0, 0, 0);
    }
  if (first)
    {
      C.stopping = 1;
      save_state ("STOPPING");
    }
}

/* Returns 0 when the client is to be dropped. */
static int
handle_request (struct core_client *c, const char *line)
{
  char text[128];
  struct sb b = { text, 0, sizeof text };
  const char *arg;
  if (streq (line, "state"))
    {
      sb_s (&b, "state=");
      sb_s (&b, C.stopping ? "STOPPING" : "RUNNING");
      sb_s (&b, " pid=");
      sb_n (&b, C.pid);
      sb_s (&b, " start=");
      sb_n (&b, C.istart);
      sb_s (&b, "\n");
      client_text (c->fd, text);
    }
  else if (streq (line, "pidfd"))
    {
      sb_s (&b, "pid=");
      sb_n (&b, C.pid);
      sb_s (&b, "\n");
      send_fd (c->fd, C.pidfd, text);
    }
  else if ((arg = after (line, "stop ")) || streq (line, "kill"))
    {
      c->kind = K_WAIT;
      begin_stop (arg ? (unsigned long long) take_num (&arg) : 0);
    }
  else if ((streq (line, "console") || after (line, "console ")) && C.nterm && C.term[0].master >= 0)
    {
      const char *p = line + 7;
      int t = 0;
      if (*p)
        p++, t = (int) take_num (&p);
      if (t < 0 || t >= C.nterm)
        {
          sb_s (&b, "error the container has ");
          sb_n (&b, C.nterm - 1);
          sb_s (&b, " tty (set [container] tty.count)\n");
          client_text (c->fd, text);
          return 0;
        }
      struct core_term *term = &C.term[t];
      client_text (c->fd, "ok\n");
      if (term->len < term->size)
        client_send (c->fd, term->buf, term->len);
      else
        {
          client_send (c->fd, term->buf + term->head, term->size - term->head);
          client_send (c->fd, term->buf, term->head);
        }
      c->kind = K_CONSOLE;
      c->term = t;
      c->blocked = 0;
    }
  else
    {
      client_text (c->fd, "error unknown request\n");
      return 0;
    }
  return 1;
}

/* What a console's client types, as much as the pty takes now: the rest
 * stays in the socket (MSG_PEEK), and the client is not read again until
 * the pty has room (POLLOUT), so a paste into a program that reads slowly
 * arrives whole, and the core never waits in write(). */
static int
console_input (struct core_client *c)
{
  char buf[4096];
  unsigned long cbuf[8];
  /* No control buffer on the peek: fds that came are taken (and closed)
   * by the read that consumes their bytes. */
  long n = sys6 (NR_recvfrom, c->fd, (long) buf, sizeof buf, MSG_DONTWAIT_ | MSG_PEEK_, 0, 0);
  if (n == 0 || (n < 0 && n != -EAGAIN_ && n != -EINTR_))
    return 0;
  if (n < 0)
    return 1;
  int master = C.term[c->term].master;
  long w = master >= 0 ? sys (NR_write, master, (long) buf, n, 0) : n;
  if (w == -EAGAIN_ || w == -EINTR_)
    w = 0;
  else if (w < 0)
    w = n; /* the pty is gone: dropped */
  c->blocked = w < n;
  if (w == 0)
    return 1;
  struct iovec iov = { buf, (unsigned long) w };
  struct msghdr mh = { 0 };
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  mh.msg_control = cbuf;
  mh.msg_controllen = sizeof cbuf;
  n = sys6 (NR_recvmsg, c->fd, (long) &mh, MSG_DONTWAIT_ | MSG_CMSG_CLOEXEC_, 0, 0, 0);
  if (n > 0 && mh.msg_controllen >= sizeof (struct cmsghdr))
    {
      struct cmsghdr *cm = (struct cmsghdr *) cbuf;
      if (cm->cmsg_level == 1 && cm->cmsg_type == 1)
        for (int *fd = (int *) (cm + 1); (char *) (fd + 1) <= (char *) cm + cm->cmsg_len; fd++)
          sys (NR_close, *fd, 0, 0, 0);
    }
  return 1;
}

static int
client_readable (struct core_client *c)
{
  if (c->kind == K_CONSOLE)
    return console_input (c);
  char buf[4096];
  unsigned long cbuf[8];
  struct iovec iov = { buf, sizeof buf };
  struct msghdr mh = { 0 };
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  mh.msg_control = cbuf;
  mh.msg_controllen = sizeof cbuf;
  long n = sys6 (NR_recvmsg, c->fd, (long) &mh, MSG_DONTWAIT_ | MSG_CMSG_CLOEXEC_, 0, 0, 0);
  /* No request of a running container's core takes an fd: any that came
   * is closed. */
  if (n > 0 && mh.msg_controllen >= sizeof (struct cmsghdr))
    {
      struct cmsghdr *cm = (struct cmsghdr *) cbuf;
      if (cm->cmsg_level == 1 && cm->cmsg_type == 1)
        for (int *fd = (int *) (cm + 1); (char *) (fd + 1) <= (char *) cm + cm->cmsg_len; fd++)
          sys (NR_close, *fd, 0, 0, 0);
    }
  if (n == 0 || (n < 0 && n != -EAGAIN_ && n != -EINTR_))
    return 0;
  if (n < 0 || c->kind == K_WAIT)
    return 1;
  for (long i = 0; i < n; i++)
    {
      if (buf[i] != '\n')
        {
          if (c->len + 1 >= sizeof c->buf)
            return 0;
          c->buf[c->len++] = buf[i];
          continue;
        }
      c->buf[c->len] = '\0';
      c->len = 0;
      if (!handle_request (c, c->buf))
        return 0;
      if (c->kind == K_CONSOLE && i + 1 < n && C.term[c->term].master >= 0)
        {
          sys (NR_write, C.term[c->term].master, (long) buf + i + 1, n - i - 1, 0);
          break;
        }
    }
  return 1;
}

static void
accept_client (void)
{
  long fd = sys6 (NR_accept4, C.listen, 0, 0, SOCK_CLOEXEC_ | SOCK_NONBLOCK_, 0, 0);
  if (fd < 0)
    return;
  struct ucred cr;
  unsigned len = sizeof cr;
  /* As monitor.c: root or the monitor's own user only. */
  if (sys6 (NR_getsockopt, fd, 1 /* SOL_SOCKET */, 17 /* SO_PEERCRED */, (long) &cr, (long) &len, 0) < 0
      || (cr.uid != 0 && cr.uid != (unsigned) sys (NR_geteuid, 0, 0, 0, 0)))
    {
      sys (NR_close, fd, 0, 0, 0);
      return;
    }
  int slot = C.nclient;
  if (slot >= CORE_CLIENTS)
    {
      /* The table is full (clients that connect and say nothing, or watch
       * a console, each holding a slot): the oldest of them makes room,
       * a request's client before a console's, so that mgr-stop is always
       * heard. Only a stop's clients, waiting for its end, are kept. */
      slot = -1;
      for (int i = 0; i < C.nclient; i++)
        if (C.client[i].kind != K_WAIT
            && (slot < 0 || (C.client[i].kind == K_REQUEST && C.client[slot].kind != K_REQUEST)
                || (C.client[i].kind == C.client[slot].kind && C.client[i].seq < C.client[slot].seq)))
          slot = i;
      if (slot < 0)
        {
          sys (NR_close, fd, 0, 0, 0);
          return;
        }
      sys (NR_close, C.client[slot].fd, 0, 0, 0);
    }
  else
    C.nclient++;
  C.client[slot] = (struct core_client){ .fd = (int) fd, .kind = K_REQUEST, .seq = ++C.seq };
}

static void
console_output (int t)
{
  char buf[4096];
  struct core_term *term = &C.term[t];
  long n = sys (NR_read, term->master, (long) buf, sizeof buf, 0);
  if (n <= 0)
    {
      if (n == -EAGAIN_ || n == -EINTR_)
        return;
      /* EIO: nothing holds the terminal's other side any more. */
      sys (NR_close, term->master, 0, 0, 0);
      term->master = -1;
      return;
    }
  ring_append (term, buf, n);
  if (t == 0 && C.log >= 0)
    sys (NR_write, C.log, (long) buf, n, 0);
  for (int i = 0; i < C.nclient; i++)
    if (C.client[i].kind == K_CONSOLE && C.client[i].term == t)
      client_send (C.client[i].fd, buf, n);
}

static void
reap (void)
{
  for (;;)
    {
      int st;
      long p = sys6 (NR_wait4, -1, (long) &st, WNOHANG, 0, 0, 0);
      if (p <= 0)
        return;
      if (p == C.pid)
        {
          C.exited = 1;
          C.status = st;
        }
    }
}

static void
signal_readable (void)
{
  unsigned si[32]; /* struct signalfd_siginfo: 128 bytes, ssi_signo first */
  while (sys (NR_read, C.sig, (long) si, sizeof si, 0) == sizeof si)
    {
      if (si[0] == SIGCHLD)
        reap ();
      else if (si[0] != 28 /* SIGWINCH: no caller's terminal here */)
        begin_stop (C.timeout); /* SIGTERM, SIGINT, SIGHUP, SIGQUIT: stop the container */
    }
}

/* mgr carries on: the same process, with what the core knows now. */
static void
hand_back (void)
{
  /* Every argument of mgr's is passed back, however many -s overrides
   * (set=) there are: one cut off would change the container at its next
   * boot. */
  char *argv[C.argc + 2 + CORE_TERMS + CORE_CLIENTS + 2];
  static char text[(2 + CORE_TERMS + CORE_CLIENTS + 1) * 160];
  struct sb b = { text, 0, sizeof text };
  int n = 0;
  argv[n++] = "mgr-monitor-resume";
  for (int i = 1; i < C.argc; i++)
    if (!after (C.argv[i], "state=") && !after (C.argv[i], "killed=") && !after (C.argv[i], "term=")
        && !after (C.argv[i], "client="))
      argv[n++] = C.argv[i];
  /* Each argument in text, past the last one's NUL; a full buffer (never:
   * a term takes ~110 bytes, a client ~20) truncates, and is not overrun. */
#define ARG(...)                                                                                                       \
  do                                                                                                                   \
    {                                                                                                                  \
      argv[n++] = b.p + b.n;                                                                                           \
      __VA_ARGS__;                                                                                                     \
      if (b.n + 1 < b.cap)                                                                                             \
        b.n++;                                                                                                         \
    }                                                                                                                  \
  while (0)
  ARG (sb_s (&b, C.stopping ? "state=STOPPING" : "state=RUNNING"));
  ARG (sb_s (&b, C.killed ? "killed=1" : "killed=0"));
  for (int t = 0; t < C.nterm; t++)
    ARG (sb_s (&b, "term="); sb_n (&b, C.term[t].master); sb_s (&b, ","); sb_n (&b, C.term[t].slave); sb_s (&b, ",");
         sb_n (&b, C.term[t].memfd); sb_s (&b, ","); sb_n (&b, C.term[t].size); sb_s (&b, ",");
         sb_n (&b, C.term[t].head); sb_s (&b, ","); sb_n (&b, C.term[t].len); sb_s (&b, ","); sb_s (&b, C.term[t].path));
  for (int i = 0; i < C.nclient; i++)
    {
      sys (NR_fcntl, C.client[i].fd, F_SETFD_, 0, 0);
      ARG (sb_s (&b, "client="); sb_n (&b, C.client[i].fd); sb_s (&b, ","); sb_n (&b, C.client[i].kind); sb_s (&b, ",");
           sb_n (&b, C.client[i].term));
    }
  if (C.exited)
    ARG (sb_s (&b, "status="); sb_n (&b, C.status));
#undef ARG
  argv[n] = 0;
  sys6 (NR_execveat, C.exe, (long) "", (long) argv, (long) C.envp, AT_EMPTY_PATH_, 0);
}

/* Nothing could take over: what is left is said on the console, and the
 * container counts as stopped. */
static void
note (const char *text)
{
  if (C.nterm && C.term[0].buf)
    {
      ring_append (&C.term[0], "\r\n[mgr] ", 8);
      ring_append (&C.term[0], text, slen (text));
      ring_append (&C.term[0], "\r\n", 2);
    }
  if (C.log >= 0)
    {
      sys (NR_write, C.log, (long) "\r\n[mgr] ", 8, 0);
      sys (NR_write, C.log, (long) text, slen (text), 0);
      sys (NR_write, C.log, (long) "\r\n", 2, 0);
    }
}

static void
finish (void)
{
  int st = C.status, sig = st & 0x7f, code = (st >> 8) & 0xff;
  int clean = (sig == 0 && code == 0) || sig == SIGINT_;
  int handed = 0;
  if (!C.stopping && (!clean || sig == SIGHUP_))
    {
      /* A reboot (SIGHUP: a pid namespace's way of saying it), or an init
       * that failed on its own: mgr says why, and starts it again. */
      hand_back ();
      handed = 1;
      note (sig == SIGHUP_ ? "the container rebooted, but mgr could not be run again to start it"
                           : "init failed; mgr could not be run again to record why");
    }
  sys6 (NR_unlinkat, AT_FDCWD_, (long) path_last, 0, 0, 0, 0);
  if (C.cgfull && !handed)
    {
      /* An ordinary user's delegated cgroups: mgr removes them (and the
       * monitor's own leaf). */
      hand_back ();
      handed = 1;
      note ("mgr could not be run again to remove the container's cgroups");
    }
  for (int i = 0; i < C.ncg; i++)
    {
      long r = 0;
      /* The kernel may still be letting go of init's last tasks: EBUSY for
       * a moment (20 ms at most), then mgr takes over. */
      for (int round = 0; round < 20; round++)
        {
          r = 0;
          if (!streq (C.cg_inner[i], C.cg_path[i]))
            r = sys6 (NR_unlinkat, AT_FDCWD_, (long) C.cg_inner[i], AT_REMOVEDIR_, 0, 0, 0);
          if (r == 0 || r == -ENOENT_)
            r = sys6 (NR_unlinkat, AT_FDCWD_, (long) C.cg_path[i], AT_REMOVEDIR_, 0, 0, 0);
          if (r != -EBUSY_)
            break;
          struct timespec ms = { 0, 1000000 };
          sys6 (NR_ppoll, 0, 0, (long) &ms, 0, 0, 0);
        }
      /* Still busy (a process joined late) or with cgroups made inside: mgr
       * removes them as the monitor does, killing what is left. */
      if (r != 0 && r != -ENOENT_ && !handed)
        {
          hand_back ();
          handed = 1;
          note ("the container's cgroups could not be removed, and mgr could not be run again to remove them");
        }
    }
  sys6 (NR_unlinkat, AT_FDCWD_, (long) path_sock, 0, 0, 0, 0);
  save_state ("STOPPED");
  char text[128];
  for (int i = 0; i < C.nclient; i++)
    if (C.client[i].kind == K_WAIT)
      {
        struct sb b = { text, 0, sizeof text };
        sb_s (&b, "stopped ");
        sb_n (&b, C.status);
        if (C.killed)
          {
            sb_s (&b, " killed ");
            sb_s (&b, C.stopname);
          }
        sb_s (&b, "\n");
        client_text (C.client[i].fd, text);
      }
}

static int
monitor_core (int argc, char **argv, char **envp)
{
  C.argc = argc;
  C.argv = argv;
  C.envp = envp;
  C.exe = C.log = C.pidfd = C.sig = C.listen = C.timer = -1;
  C.stopname = "SIGTERM";
  static char cg_pool[4096];
  unsigned long cg_used = 0;
  int bad = 0;
  for (int i = 1; i < argc; i++)
    {
      const char *v;
      if ((v = after (argv[i], "exe=")))
        C.exe = (int) take_num (&v);
      else if ((v = after (argv[i], "sig=")))
        C.sig = (int) take_num (&v);
      else if ((v = after (argv[i], "listen=")))
        C.listen = (int) take_num (&v);
      else if ((v = after (argv[i], "timer=")))
        C.timer = (int) take_num (&v);
      else if ((v = after (argv[i], "log=")))
        C.log = (int) take_num (&v);
      else if ((v = after (argv[i], "pidfd=")))
        C.pidfd = (int) take_num (&v);
      else if ((v = after (argv[i], "rt=")))
        C.rt = v;
      else if ((v = after (argv[i], "pid=")))
        C.pid = take_num (&v);
      else if ((v = after (argv[i], "istart=")))
        C.istart = take_num (&v);
      else if ((v = after (argv[i], "mpid=")))
        C.mpid = take_num (&v);
      else if ((v = after (argv[i], "mstart=")))
        C.mstart = take_num (&v);
      else if ((v = after (argv[i], "started=")))
        C.started = take_num (&v);
      else if ((v = after (argv[i], "spawned=")))
        C.spawned = take_num (&v);
      else if ((v = after (argv[i], "state=")))
        C.stopping = streq (v, "STOPPING");
      else if ((v = after (argv[i], "killed=")))
        C.killed = (int) take_num (&v);
      else if ((v = after (argv[i], "stopsig=")))
        C.stopsig = (int) take_num (&v);
      else if ((v = after (argv[i], "stopname=")))
        C.stopname = v;
      else if ((v = after (argv[i], "timeout=")))
        C.timeout = take_num (&v);
      else if ((v = after (argv[i], "term=")) && C.nterm < CORE_TERMS)
        {
          struct core_term *t = &C.term[C.nterm++];
          t->master = (int) take_num (&v);
          t->slave = (int) take_num (&v);
          t->memfd = (int) take_num (&v);
          t->size = take_num (&v);
          t->head = take_num (&v);
          t->len = take_num (&v);
          t->path = v;
          long p = sys6 (NR_mmap, 0, t->size, 3 /* PROT_READ|PROT_WRITE */, 1 /* MAP_SHARED */, t->memfd, 0);
          if (p < 0 && p > -4096)
            {
              bad = 1; /* handed back at once, with this term as it came */
              continue;
            }
          t->buf = (char *) p;
          if (t->head >= t->size || t->len > t->size)
            t->head = t->len = 0;
        }
      else if ((v = after (argv[i], "client=")))
        {
          /* More clients than the table holds (the full monitor keeps any
           * number): the rest are closed, not left open unheard. */
          if (C.nclient >= CORE_CLIENTS)
            {
              sys (NR_close, take_num (&v), 0, 0, 0);
              continue;
            }
          struct core_client *c = &C.client[C.nclient++];
          c->fd = (int) take_num (&v);
          c->kind = (int) take_num (&v);
          c->term = (int) take_num (&v);
          c->seq = 0;
        }
      else if ((v = after (argv[i], "cg=")) && C.ncg < CORE_CGROUPS)
        {
          /* INNER,PATH: split at the first comma (mgr makes no cgroup path
           * with one), INNER copied: the argument stays as it was, for a
           * hand-back and for ps. */
          const char *comma = v;
          while (*comma && *comma != ',')
            comma++;
          unsigned long len = comma - v;
          if (!*comma || cg_used + len + 1 > sizeof cg_pool)
            {
              bad = 1;
              continue;
            }
          memcpy (cg_pool + cg_used, v, len);
          cg_pool[cg_used + len] = '\0';
          C.cg_inner[C.ncg] = cg_pool + cg_used;
          cg_used += len + 1;
          C.cg_path[C.ncg++] = comma + 1;
        }
      else if ((v = after (argv[i], "cgfull=")))
        C.cgfull = (int) take_num (&v);
      else if ((v = after (argv[i], "freeze=")))
        {
          C.freeze_v = (int) take_num (&v);
          C.freeze = v;
        }
    }
  if (C.exe < 0)
    return 125; /* not called by mgr */
  for (int i = 0; i < C.nclient; i++)
    if (C.client[i].term < 0 || C.client[i].term >= C.nterm)
      C.client[i].term = 0;
  /* Whatever this program cannot take on, mgr carries on with: the
   * container must not lose its monitor. */
  if (bad || C.sig < 0 || C.listen < 0 || C.timer < 0 || C.pidfd < 0 || !C.rt || slen (C.rt) > 4000 || C.pid <= 0
      || C.stopsig <= 0)
    {
      hand_back ();
      return 125;
    }
  /* The fds stay without FD_CLOEXEC: the core executes nothing but mgr
   * (hand_back), which takes them all and sets the flag again. */
  sys (NR_prctl, PR_SET_NAME_, (long) "mgr-monitor", 0, 0);
  path_state = path_in ("state");
  path_next = path_in ("state.next");
  path_sock = path_in ("monitor.sock");
  path_last = path_in ("last-exit");

  /* init may have ended while the monitor became this program. */
  reap ();
  while (!C.exited)
    {
      int n = 0, nc = C.nclient;
      struct pollfd p[3 + C.nterm + nc];
      p[n++] = (struct pollfd){ C.sig, POLLIN_, 0 };
      p[n++] = (struct pollfd){ C.listen, POLLIN_, 0 };
      p[n++] = (struct pollfd){ C.timer, POLLIN_, 0 };
      for (int t = 0; t < C.nterm; t++)
        {
          short ev = POLLIN_;
          for (int i = 0; i < nc; i++)
            if (C.client[i].blocked && C.client[i].term == t)
              ev |= POLLOUT_;
          p[n++] = (struct pollfd){ C.term[t].master, ev, 0 };
        }
      /* A client waiting for room in the pty is not polled at all (fd -1):
       * one that has hung up would report POLLHUP at every turn, and what
       * it sent before is still to be taken once there is room. */
      for (int i = 0; i < nc; i++)
        p[n++] = (struct pollfd){ C.client[i].blocked ? -1 : C.client[i].fd, POLLIN_, 0 };
      if (sys6 (NR_ppoll, (long) p, n, 0, 0, 0, 0) < 0)
        continue;
      if (p[0].revents)
        signal_readable ();
      if (p[2].revents)
        {
          unsigned long long ticks;
          if (sys (NR_read, C.timer, (long) &ticks, sizeof ticks, 0) > 0)
            {
              C.killed = 1;
              send_signal (SIGKILL);
            }
        }
      for (int t = 0; t < C.nterm; t++)
        {
          if (p[3 + t].revents & (POLLOUT_ | POLLERR_ | POLLHUP_))
            for (int i = 0; i < nc; i++)
              if (C.client[i].term == t)
                C.client[i].blocked = 0;
          if ((p[3 + t].revents & ~POLLOUT_) && C.term[t].master >= 0)
            console_output (t);
        }
      for (int i = nc; i-- > 0;)
        if (p[3 + C.nterm + i].revents && !client_readable (&C.client[i]))
          {
            sys (NR_close, C.client[i].fd, 0, 0, 0);
            C.client[i] = C.client[--C.nclient];
          }
      if (p[1].revents)
        accept_client ();
    }
  /* Drain what init wrote last. */
  while (C.nterm && C.term[0].master >= 0)
    {
      struct pollfd pf = { C.term[0].master, POLLIN_, 0 };
      struct timespec zero = { 0, 0 };
      if (sys6 (NR_ppoll, (long) &pf, 1, (long) &zero, 0, 0, 0) <= 0)
        break;
      console_output (0);
    }
  finish ();
  return 0;
}

#ifdef MGR_INIT_NOLIBC
void mgr_init_start (long *sp) __attribute__ ((noreturn, used));
void
mgr_init_start (long *sp)
{
  int argc = (int) sp[0];
  char **argv = (char **) (sp + 1);
  sys (NR_exit_group, run (argc, argv, argv + argc + 1), 0, 0, 0);
  for (;;)
    ;
}
#else
int
main (int argc, char **argv, char **envp)
{
  _exit (run (argc, argv, envp));
}
#endif
