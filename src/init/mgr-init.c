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
/* The kernel's answer: -errno on failure. */
#define sys_e sys

/* A compiler told to protect the stack (distributions' default CFLAGS
 * come after ours) reads its canary at %fs:0x28: _start points %fs at this
 * block (its first word is its own address, as the ABI wants) before any C
 * runs. */
void *mgr_init_tls[8] __attribute__ ((visibility ("hidden"))) = { mgr_init_tls };
__asm__ (".text\n"
         ".global _start\n"
         "_start:\n"
         "  xor %ebp, %ebp\n"
         "  mov $158, %eax\n"            /* arch_prctl */
         "  mov $0x1002, %edi\n"         /* ARCH_SET_FS */
         "  lea mgr_init_tls(%rip), %rsi\n"
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

static int
run (int argc, char **argv, char **envp)
{
  if (argc > 0 && streq (argv[0], "mgr-attach-exec"))
    return attach_exec (argc, argv, envp);
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
