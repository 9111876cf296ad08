#pragma once
#include <glib.h>
#include <sys/types.h>

#include "plan.h"

/* Creates the plan's veth, macvlan and phys interfaces for the child pid
 * (still waiting before GO) and configures them inside its namespace. */
gboolean mgr_network_setup (const MgrPlan *plan, pid_t pid, GError **error);
