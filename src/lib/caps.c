/* Capabilities: the bounding set first (it limits what any later exec can
 * gain), then the ids, then the permitted/effective/inheritable sets, with
 * ambient cleared. Shared by the container's init and mgr-attach. */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "caps.h"
#include "child.h"

guint64
mgr_caps_host_bounding (void)
{
  guint64 m = 0;
  for (int c = 0; c <= CAP_LAST_CAP && c < 64; c++)
    if (prctl (PR_CAPBSET_READ, c, 0, 0, 0) == 1)
      m |= G_GUINT64_CONSTANT (1) << c;
  return m;
}

cap_t
mgr_caps_prepare (guint64 keep)
{
  cap_t caps = cap_init ();
  cap_value_t list[64];
  int n = 0;
  for (int c = 0; c < 64; c++)
    if (keep & (G_GUINT64_CONSTANT (1) << c))
      list[n++] = c;
  if (n)
    {
      cap_set_flag (caps, CAP_PERMITTED, n, list, CAP_SET);
      cap_set_flag (caps, CAP_EFFECTIVE, n, list, CAP_SET);
    }
  return caps;
}

int
mgr_caps_apply (guint64 bounding, cap_t caps, uid_t uid, gid_t gid, struct mgr_child_error *err)
{
  err->step = MGR_STEP_CAPS_BOUND;
  for (int c = 0; c <= CAP_LAST_CAP && c < 64; c++)
    if (!(bounding & (G_GUINT64_CONSTANT (1) << c)) && prctl (PR_CAPBSET_READ, c, 0, 0, 0) == 1
        && prctl (PR_CAPBSET_DROP, c, 0, 0, 0) < 0)
      {
        snprintf (err->detail, PATH_MAX, "%d", c);
        return -errno;
      }
  err->step = MGR_STEP_SETID;
  snprintf (err->detail, PATH_MAX, "%u:%u", uid, gid);
  if (setgroups (0, NULL) < 0 && errno != EPERM)
    return -errno;
  if (setresgid (gid, gid, gid) < 0 || setresuid (uid, uid, uid) < 0)
    return -errno;
  err->step = MGR_STEP_CAPS;
  err->detail[0] = '\0';
  /* A non-root uid lost every capability in setresuid: nothing to set. */
  if (uid == 0 && cap_set_proc (caps) < 0)
    return -errno;
  if (prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
    return -errno;
  return 0;
}
