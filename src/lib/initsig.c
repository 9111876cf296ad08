#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "initsig.h"
#include "util.h"

/* Markers in the program's text, for inits whose file name says nothing
 * (sysvinit installs itself as /sbin/init). */
static const struct { const char *marker; MgrInitKind kind; } markers[] = {
  { "INIT_VERSION=sysvinit", MGR_INIT_SYSVINIT },
  { "BusyBox v", MGR_INIT_BUSYBOX },
};

/* Reads at most this much of the program: enough for the markers, which
 * sit in .rodata of a few-MiB binary at most. */
#define SCAN_MAX (8u << 20)

static MgrInitKind
scan (int fd)
{
  g_autofree char *buf = g_malloc (SCAN_MAX);
  size_t len = 0;
  ssize_t n;
  while (len < SCAN_MAX && (n = read (fd, buf + len, SCAN_MAX - len)) > 0)
    len += n;
  for (size_t i = 0; i < G_N_ELEMENTS (markers); i++)
    if (memmem (buf, len, markers[i].marker, strlen (markers[i].marker)))
      return markers[i].kind;
  return MGR_INIT_OTHER;
}

MgrInitKind
mgr_init_kind (const char *rootfs, const char *path)
{
  _cleanup_close_ int root = open (rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0 || !path)
    return MGR_INIT_OTHER;
  /* The rootfs is the container's: its /sbin/init may be a link anywhere.
   * RESOLVE_IN_ROOT reads every link, absolute or "..", as inside it. */
  struct open_how how = { .flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK,
                          .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
  _cleanup_close_ int fd = syscall (SYS_openat2, root, path, &how, sizeof how);
  struct stat sb;
  if (fd < 0 || fstat (fd, &sb) < 0 || !S_ISREG (sb.st_mode))
    return MGR_INIT_OTHER;
  char proc[64], real[PATH_MAX];
  g_snprintf (proc, sizeof proc, "/proc/self/fd/%d", fd);
  ssize_t n = readlink (proc, real, sizeof real - 1);
  if (n > 0)
    {
      real[n] = '\0';
      const char *base = strrchr (real, '/') ? strrchr (real, '/') + 1 : real;
      if (strcmp (base, "systemd") == 0)
        return MGR_INIT_SYSTEMD;
      if (strcmp (base, "busybox") == 0)
        return MGR_INIT_BUSYBOX;
    }
  return scan (fd);
}

const char *
mgr_init_kind_name (MgrInitKind kind)
{
  switch (kind)
    {
    case MGR_INIT_SYSTEMD: return "systemd";
    case MGR_INIT_SYSVINIT: return "sysvinit";
    case MGR_INIT_BUSYBOX: return "busybox";
    default: return "another init";
    }
}

int
mgr_plan_stop_signal (const MgrPlan *plan, const char *argv0, MgrInitKind *kind)
{
  MgrInitKind k = MGR_INIT_OTHER;
  int sig = plan->container.stop_signal;
  if (sig == MGR_SIGNAL_AUTO)
    {
      if (!argv0)
        argv0 = plan->container.init && plan->container.init[0] ? plan->container.init[0] : NULL;
      k = argv0 && argv0[0] == '/' ? mgr_init_kind (plan->container.rootfs, argv0) : MGR_INIT_OTHER;
      sig = k == MGR_INIT_SYSTEMD ? SIGRTMIN + 3 : k == MGR_INIT_OTHER ? SIGTERM : SIGPWR;
    }
  if (kind)
    *kind = k;
  return sig;
}
