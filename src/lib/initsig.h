/* stop.signal = auto: which init a rootfs runs, and the signal that asks it
 * to shut down. Read from the rootfs on the host side, before start and by
 * mgr-stop and mgr-info; links are resolved inside the rootfs only. */
#pragma once
#include <glib.h>

#include "plan.h"

typedef enum { MGR_INIT_OTHER, MGR_INIT_SYSTEMD, MGR_INIT_SYSVINIT, MGR_INIT_BUSYBOX } MgrInitKind;

/* What program PATH (absolute, inside the rootfs) is. */
MgrInitKind mgr_init_kind (const char *rootfs, const char *path);
const char *mgr_init_kind_name (MgrInitKind kind);

/* The signal for the plan's stop.signal: itself, or for auto the one that
 * fits what argv0 (NULL: the plan's init) is: SIGRTMIN+3 for systemd,
 * SIGPWR for sysvinit and busybox, SIGTERM otherwise. kind may be NULL. */
int mgr_plan_stop_signal (const MgrPlan *plan, const char *argv0, MgrInitKind *kind);
