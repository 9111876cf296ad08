#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "console.h"
#include "mgr-error.h"

int
mgr_pty_open (MgrPty *pty, uid_t owner, gid_t group, GError **error)
{
  pty->master = pty->slave = -1;
  pty->master = posix_openpt (O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (pty->master < 0 || grantpt (pty->master) < 0 || unlockpt (pty->master) < 0
      || ptsname_r (pty->master, pty->path, sizeof pty->path) != 0)
    goto fail;
  pty->slave = open (pty->path, O_RDWR | O_NOCTTY | O_CLOEXEC);
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

void
mgr_ring_init (MgrRing *r, size_t size)
{
  r->buf = g_malloc (size);
  r->size = size;
  r->len = r->head = 0;
}

void
mgr_ring_free (MgrRing *r)
{
  g_clear_pointer (&r->buf, g_free);
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
