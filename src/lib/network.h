#pragma once
#include <glib.h>
#include <sys/types.h>

#include "plan.h"

struct mgr_net_auto;

/* Creates the plan's veth, macvlan and phys interfaces for the child pid
 * (still waiting before GO) and configures them inside its namespace; au
 * (plan->n_net entries, or NULL) adds what mgr-net chose for ipv4/ipv6 = auto. */
gboolean mgr_network_setup (const MgrPlan *plan, pid_t pid, const struct mgr_net_auto *au, GError **error);
