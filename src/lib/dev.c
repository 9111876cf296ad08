/* A minimal /dev for the container: a tmpfs with the harmless character
 * devices bound from the host, a private devpts instance, shm, mqueue, and
 * the console. Runs in the child before pivot_root. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "child.h"
#include "util.h"

static const char *const dev_nodes[] = { "null", "zero", "full", "random", "urandom", "tty" };

static const struct { const char *link, *target; } dev_links[] = {
  { "fd", "/proc/self/fd" }, { "stdin", "/proc/self/fd/0" }, { "stdout", "/proc/self/fd/1" },
  { "stderr", "/proc/self/fd/2" }, { "ptmx", "pts/ptmx" }, { "core", "/proc/kcore" },
};

static int
fail (struct mgr_child_error *err, enum mgr_step step, const char *what)
{
  int e = errno;
  err->step = step;
  snprintf (err->detail, PATH_MAX, "%s", what);
  return -e;
}

int
mgr_dev_setup (const struct mgr_child *c, int rootfs_fd, struct mgr_child_error *err)
{
  char via[64], data[96];
  _cleanup_close_ int devfd = mgr_open_beneath (rootfs_fd, "dev", MGR_CREATE_DIR, O_PATH | O_DIRECTORY);
  if (devfd < 0)
    {
      errno = -devfd;
      return fail (err, MGR_STEP_DEV, "/dev in the rootfs");
    }
  snprintf (via, sizeof via, "/proc/self/fd/%d", devfd);
  if (mount ("none", via, "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=755,size=512k,nr_inodes=1024") < 0)
    return fail (err, MGR_STEP_DEV, "a tmpfs on /dev");
  /* The fd still names the covered directory: reopen the new mount. */
  close (devfd);
  devfd = mgr_open_beneath (rootfs_fd, "dev", MGR_CREATE_NONE, O_DIRECTORY | O_RDONLY);
  if (devfd < 0)
    {
      errno = -devfd;
      return fail (err, MGR_STEP_DEV, "the new /dev");
    }

  for (size_t i = 0; i < G_N_ELEMENTS (dev_nodes); i++)
    {
      char host[32];
      snprintf (host, sizeof host, "/dev/%s", dev_nodes[i]);
      _cleanup_close_ int f = openat (devfd, dev_nodes[i], O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0666);
      if (f < 0)
        return fail (err, MGR_STEP_DEV, host);
      snprintf (via, sizeof via, "/proc/self/fd/%d", f);
      /* A user namespace may not mknod; binding the host's node works for
       * every kind of container and gives the same device. */
      if (mount (host, via, NULL, MS_BIND, NULL) < 0)
        return fail (err, MGR_STEP_DEV, host);
    }
  for (size_t i = 0; i < G_N_ELEMENTS (dev_links); i++)
    if (strcmp (dev_links[i].link, "core") != 0 && symlinkat (dev_links[i].target, devfd, dev_links[i].link) < 0)
      return fail (err, MGR_STEP_DEV, dev_links[i].link);

  if (mkdirat (devfd, "pts", 0755) < 0 || mkdirat (devfd, "shm", 01777) < 0 || mkdirat (devfd, "mqueue", 0755) < 0)
    return fail (err, MGR_STEP_DEV, "/dev/pts, /dev/shm, /dev/mqueue");
  if (c->tty_gid != (gid_t) -1)
    snprintf (data, sizeof data, "newinstance,ptmxmode=0666,mode=0620,gid=%u", c->tty_gid);
  else
    snprintf (data, sizeof data, "newinstance,ptmxmode=0666,mode=0600");
  _cleanup_close_ int pts = openat (devfd, "pts", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  snprintf (via, sizeof via, "/proc/self/fd/%d", pts);
  if (pts < 0 || mount ("devpts", via, "devpts", MS_NOSUID | MS_NOEXEC, data) < 0)
    return fail (err, MGR_STEP_DEVPTS, "devpts on /dev/pts");
  _cleanup_close_ int shm = openat (devfd, "shm", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  snprintf (via, sizeof via, "/proc/self/fd/%d", shm);
  if (shm < 0 || mount ("shm", via, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777,size=65536k") < 0)
    return fail (err, MGR_STEP_DEV, "tmpfs on /dev/shm");
  _cleanup_close_ int mq = openat (devfd, "mqueue", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  snprintf (via, sizeof via, "/proc/self/fd/%d", mq);
  if (mq < 0 || mount ("mqueue", via, "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
    return fail (err, MGR_STEP_DEV, "mqueue on /dev/mqueue");

  if (c->console_path)
    {
      _cleanup_close_ int f = openat (devfd, "console", O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
      snprintf (via, sizeof via, "/proc/self/fd/%d", f);
      if (f < 0 || mount (c->console_path, via, NULL, MS_BIND, NULL) < 0)
        return fail (err, MGR_STEP_CONSOLE_BIND, c->console_path);
    }
  for (int i = 0; c->tty_paths && c->tty_paths[i]; i++)
    {
      char name[16];
      snprintf (name, sizeof name, "tty%d", i + 1);
      _cleanup_close_ int f = openat (devfd, name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
      snprintf (via, sizeof via, "/proc/self/fd/%d", f);
      if (f < 0 || mount (c->tty_paths[i], via, NULL, MS_BIND, NULL) < 0)
        return fail (err, MGR_STEP_CONSOLE_BIND, c->tty_paths[i]);
    }
  return 0;
}
