#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "trace.h"

/* -1: not looked at yet; 0: off; 1: stderr (or the redirect); 2: the file. */
static int mode = -1;
static int out_fd = 2;
static long long previous;
/* MGR_TRACE=FILE: the file, opened once, for the container's first process
 * cannot open it by its path once it has pivoted into its rootfs; and
 * which file it is, since the monitor closes fds it does not know of and
 * the number may then name another file. */
static int file_fd = -1;
static dev_t file_dev;
static ino_t file_ino;

bool
mgr_trace_on (void)
{
  if (mode < 0)
    {
      const char *e = getenv ("MGR_TRACE");
      mode = !e || !*e || strcmp (e, "0") == 0 ? 0 : e[0] == '/' ? 2 : 1;
      /* A copy of stderr: the container's first process puts its console
       * on 0-2 before its last steps, and those lines are not the
       * container's output. */
      if (mode == 1)
        out_fd = fcntl (STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
    }
  return mode > 0;
}

void
mgr_trace_redirect (int fd)
{
  out_fd = fd;
}

void
mgr_trace (const char *fmt, ...)
{
  if (!mgr_trace_on ())
    return;
  int saved = errno;
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  long long now = ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
  char line[256];
  int n = snprintf (line, sizeof line, MGR_TRACE_PREFIX "%d %lld +%lld ", (int) getpid (), now,
                    previous ? now - previous : 0);
  previous = now;
  va_list ap;
  va_start (ap, fmt);
  if (n > 0 && (size_t) n < sizeof line)
    n += vsnprintf (line + n, sizeof line - n, fmt, ap);
  va_end (ap);
  if (n < 0)
    goto out;
  if ((size_t) n >= sizeof line)
    n = sizeof line - 1;
  line[n++] = '\n';
  if (mode == 2)
    {
      struct stat st;
      if (file_fd >= 0 && (fstat (file_fd, &st) < 0 || st.st_dev != file_dev || st.st_ino != file_ino))
        file_fd = -1; /* closed, or the number is another file's now: not ours to close */
      if (file_fd < 0)
        {
          file_fd = open (getenv ("MGR_TRACE"), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
          if (file_fd >= 0 && fstat (file_fd, &st) == 0)
            file_dev = st.st_dev, file_ino = st.st_ino;
        }
      if (file_fd >= 0)
        (void) !write (file_fd, line, n);
    }
  else if (out_fd >= 0)
    (void) !write (out_fd, line, n);
out:
  errno = saved;
}
