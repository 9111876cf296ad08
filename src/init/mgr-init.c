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
 * through exec, so nothing arrives before it waits for it. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

int
main (int argc, char **argv)
{
  if (argc != 3)
    return 127;
  pid_t cmd = atoi (argv[1]);
  int gate = atoi (argv[2]);

  /* Before the command may run: nothing in the container traces this
   * process or reads its memory. Not dumpable keeps out whoever lacks
   * CAP_SYS_PTRACE; the monitor (our parent, outside) as tracer keeps out
   * the rest, since a process has one tracer at most. Neither may fail the
   * start: without ptrace on this host, nobody inside can trace either. */
  prctl (PR_SET_DUMPABLE, 0, 0, 0, 0);
  ptrace (PTRACE_TRACEME, 0, NULL, NULL);
  (void) !write (gate, "1", 1);
  close (gate);

  sigset_t set;
  sigemptyset (&set);
  for (int s = 1; s < SIGRTMIN; s++)
    if (s != SIGKILL && s != SIGSTOP && s != SIGSEGV && s != SIGBUS && s != SIGILL && s != SIGFPE)
      sigaddset (&set, s);
  sigprocmask (SIG_BLOCK, &set, NULL);
  for (;;)
    {
      int st;
      pid_t p;
      while ((p = waitpid (-1, &st, WNOHANG)) > 0)
        if (p == cmd)
          _exit (WIFEXITED (st) ? WEXITSTATUS (st) : 128 + WTERMSIG (st));
      siginfo_t si;
      int sig = sigwaitinfo (&set, &si);
      if (sig > 0 && sig != SIGCHLD)
        kill (cmd, sig);
    }
}
