/* Dropping privileges, in a fixed order shared by the container's init and
 * mgr-attach: the bounding set first (it limits what any later exec can
 * gain), no_new_privs, the seccomp filter (loaded while we still hold
 * CAP_SYS_ADMIN, so no_new_privs is not forced on the container), then the
 * ids, then the permitted/effective/inheritable sets, with ambient cleared. */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "caps.h"
#include "child.h"
#include "seccomp.h"

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
mgr_privileges_drop (const struct mgr_privileges *p, int *listener, struct mgr_child_error *err)
{
  int r;
  *listener = -1;
  err->step = MGR_STEP_CAPS_BOUND;
  for (int c = 0; c <= CAP_LAST_CAP && c < 64; c++)
    if (!(p->bounding & (G_GUINT64_CONSTANT (1) << c)) && prctl (PR_CAPBSET_READ, c, 0, 0, 0) == 1
        && prctl (PR_CAPBSET_DROP, c, 0, 0, 0) < 0)
      {
        snprintf (err->detail, PATH_MAX, "%d", c);
        return -errno;
      }
  err->step = MGR_STEP_NO_NEW_PRIVS;
  if (p->no_new_privs && prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    return -errno;
  err->step = MGR_STEP_SECCOMP;
  if ((r = mgr_seccomp_load (p->seccomp, p->listen ? listener : NULL)) < 0)
    return r;
  err->step = MGR_STEP_SETID;
  snprintf (err->detail, PATH_MAX, "%u:%u", p->uid, p->gid);
  if (p->oci && setgroups (p->n_groups, (const gid_t *) p->groups) < 0)
    return -errno;
  if (!p->oci && setgroups (0, NULL) < 0 && errno != EPERM)
    return -errno;
  /* An OCI process may keep capabilities as a non-root uid: they survive
   * setresuid only with keepcaps, and are then set explicitly. */
  if (p->oci && prctl (PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
    return -errno;
  if (setresgid (p->gid, p->gid, p->gid) < 0 || setresuid (p->uid, p->uid, p->uid) < 0)
    return -errno;
  err->step = MGR_STEP_CAPS;
  err->detail[0] = '\0';
  if (p->oci)
    {
      if (cap_set_proc (p->caps) < 0 || prctl (PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
        return -errno;
      if (prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
        return -errno;
      for (int c = 0; c < 64; c++)
        if ((p->ambient & (G_GUINT64_CONSTANT (1) << c)) && prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0)
          {
            snprintf (err->detail, PATH_MAX, "ambient %d", c);
            return -errno;
          }
      if (p->umask >= 0)
        umask ((mode_t) p->umask);
      return 0;
    }
  /* A non-root uid lost every capability in setresuid: nothing to set. */
  if (p->uid == 0 && cap_set_proc (p->caps) < 0)
    return -errno;
  if (prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
    return -errno;
  return 0;
}

void
mgr_privileges_prepare (const MgrPlan *plan, uid_t uid, gid_t gid, const MgrSeccomp *seccomp,
                        struct mgr_privileges *p)
{
  /* mknod stays: [cgroup] devices.allow decides which nodes can be made
   * and opened. */
  guint64 bounding = plan->caps.effective & mgr_caps_host_bounding ();
  if (plan->oci.set)
    {
      const struct mgr_oci_settings *o = &plan->oci;
      cap_t caps = cap_init ();
      struct { guint64 mask; cap_flag_t flag; } sets[] = {
        { o->cap_permitted, CAP_PERMITTED }, { o->cap_effective, CAP_EFFECTIVE }, { o->cap_inheritable, CAP_INHERITABLE },
      };
      for (size_t s = 0; s < G_N_ELEMENTS (sets); s++)
        for (int c = 0; c <= CAP_LAST_CAP && c < 64; c++)
          if (sets[s].mask & (G_GUINT64_CONSTANT (1) << c))
            {
              cap_value_t v = c;
              cap_set_flag (caps, sets[s].flag, 1, &v, CAP_SET);
            }
      *p = (struct mgr_privileges){
        .bounding = bounding,
        .caps = caps,
        .uid = uid,
        .gid = gid,
        .no_new_privs = plan->caps.no_new_privs,
        .seccomp = seccomp,
        .oci = true,
        .ambient = o->cap_ambient,
        .groups = o->groups,
        .n_groups = o->n_groups,
        .umask = o->umask,
      };
      return;
    }
  *p = (struct mgr_privileges){
    .bounding = bounding,
    .caps = mgr_caps_prepare (bounding),
    .uid = uid,
    .gid = gid,
    .no_new_privs = plan->caps.no_new_privs,
    .seccomp = seccomp,
  };
}

void
mgr_privileges_clear (struct mgr_privileges *p)
{
  if (p->caps)
    cap_free (p->caps);
  p->caps = NULL;
}
