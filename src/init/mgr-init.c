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
 * Every mgr-execute copies this program into a memfd and executes it, so
 * its size is paid at each run: on x86-64 it is built without a C library
 * (MGR_INIT_NOLIBC: raw system calls, its own _start, about 1 KB of code
 * instead of 690 KB of static glibc); elsewhere with the static libc. It
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
#define NR_wait4 61
#define NR_kill 62
#define NR_ptrace 101
#define NR_rt_sigtimedwait 128
#define NR_prctl 157
#define NR_exit_group 231

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
#include <sys/syscall.h>
#include <unistd.h>
#define sys(n, a, b, c, d) syscall ((n), (a), (b), (c), (d))
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

static int
run (int argc, char **argv)
{
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

#ifdef MGR_INIT_NOLIBC
void mgr_init_start (long *sp) __attribute__ ((noreturn, used));
void
mgr_init_start (long *sp)
{
  sys (NR_exit_group, run ((int) sp[0], (char **) (sp + 1)), 0, 0, 0);
  for (;;)
    ;
}
#else
int
main (int argc, char **argv)
{
  _exit (run (argc, argv));
}
#endif
