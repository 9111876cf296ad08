#pragma once
#include <glib.h>
#include <sys/capability.h>

#include "child.h"

/* The capabilities this process's bounding set still has. */
guint64 mgr_caps_host_bounding (void);

/* Permitted and effective = keep; inheritable empty. Free with cap_free. */
cap_t mgr_caps_prepare (guint64 keep);

/* Everything a container's process gives up, prepared from the plan before
 * fork or clone, with the filter compiled by mgr_seccomp_for_plan. */
void mgr_privileges_prepare (const MgrPlan *plan, uid_t uid, gid_t gid, const MgrSeccomp *seccomp,
                             struct mgr_privileges *p);
void mgr_privileges_clear (struct mgr_privileges *p);
