/* Cgroups on every host layout: pure v2, pure v1, and hybrid (v1
 * controllers plus a cgroup2 mount). Each controller is used where it is
 * actually bound; [cgroup] keys use v2 names everywhere and a v1 backend
 * translates them. A container's cgroup is HIERARCHY/mgr.payload/NAME in
 * every hierarchy; the monitor stays outside it. */
#pragma once
#include <glib.h>
#include <stdbool.h>
#include <sys/types.h>

#include "keys.h"
#include "plan.h"

typedef struct MgrCgroup MgrCgroup;

/* Finds the host's hierarchies and the container's cgroup paths; changes
 * nothing. Environment MGR_CGROUP_ROOT overrides /sys/fs/cgroup (tests). */
MgrCgroup *mgr_cgroup_new (const char *name, GError **error);
/* An OCI container's cgroup: HIERARCHY/rel in every hierarchy (root only). */
MgrCgroup *mgr_cgroup_new_at (const char *rel, GError **error);
/* Another container's cgroup on the host probe was made for, without
 * reading the host again (mgr-ls looks at every container). */
MgrCgroup *mgr_cgroup_new_like (const MgrCgroup *probe, const char *name);
void mgr_cgroup_free (MgrCgroup *cg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MgrCgroup, mgr_cgroup_free)

/* For an ordinary user: whether a delegated cgroup was found; why not in
 * *why (for root always TRUE). */
bool mgr_cgroup_available (const MgrCgroup *cg, const char **why);

/* One line: the layout and its hierarchies, or the user's delegation. */
char *mgr_cgroup_describe (const MgrCgroup *cg);

/* How an ordinary user gets a delegated cgroup. */
const char *mgr_cgroup_delegation_hint (void);

/* "v2", "v1" or "hybrid". */
const char *mgr_cgroup_layout (const MgrCgroup *cg);

/* Whether every [cgroup] key the plan sets can be honoured on this host;
 * the error names the key and the reason. */
gboolean mgr_cgroup_check (const MgrCgroup *cg, const MgrPlan *plan, GError **error);

/* Creates the container's cgroups (removing an empty one a crashed run
 * left), applies every [cgroup] key, delegates the v2 cgroup to the
 * container's root when it has a user namespace. On failure nothing is left. */
gboolean mgr_cgroup_create (MgrCgroup *cg, const MgrPlan *plan, GError **error);
/* The same in two steps, so that mgr-start can make the v1 cgroups while
 * its monitor makes the rest and clones the container (client.c): prepare
 * checks the keys and completes the handle (a name=systemd hierarchy of
 * mgr's own, a user's monitor leaf); create_part makes the hierarchies of
 * the versions given (1, 2, or 1|2) and applies their keys. */
gboolean mgr_cgroup_prepare (MgrCgroup *cg, const MgrPlan *plan, GError **error);
gboolean mgr_cgroup_create_part (const MgrCgroup *cg, const MgrPlan *plan, int versions, GError **error);
bool mgr_cgroup_has_v1 (const MgrCgroup *cg);

/* An O_PATH fd of the v2 cgroup for clone3's CLONE_INTO_CGROUP, or -1. */
int mgr_cgroup_v2_fd (const MgrCgroup *cg);
/* The same for a process that joins a running container: the cgroup its
 * namespace is rooted at, or with leaf, the .mgr-attach leaf below it (made
 * if absent), for when init has enabled controllers there. */
int mgr_cgroup_v2_attach_fd (const MgrCgroup *cg, bool leaf);

/* Moves pid into the container's cgroup of every hierarchy (v2 too unless
 * skip_v2, v1 too unless skip_v1): the one its cgroup namespace is rooted
 * at, or on v2, when its init has enabled controllers there, a leaf below it
 * (.mgr-attach). pid 0 is the caller, which must be single-threaded: on v1
 * it moves itself through the tasks file, which (from Linux 6.0) spares the
 * global lock that makes every other migration wait for an RCU grace period
 * (milliseconds on an idle machine). */
gboolean mgr_cgroup_enter (const MgrCgroup *cg, pid_t pid, bool skip_v1, bool skip_v2, GError **error);

/* For a process that moves itself into the v1 hierarchies (see above):
 * the tasks file of each, opened for writing (O_CLOEXEC) by the caller, so
 * that the kernel checks the caller's credentials (those at open), not those
 * of the process that writes "0". Fills at most max fds and paths (the
 * hierarchy's folder, for messages); returns how many, or -1 with error set
 * (nothing left open). */
int mgr_cgroup_v1_tasks_open (const MgrCgroup *cg, int *fds, const char **paths, int max, GError **error);
/* Their folders only (the same order), before they are made. */
int mgr_cgroup_v1_tasks_paths (const MgrCgroup *cg, const char **paths, int max);

/* Changes one key of a running container. */
gboolean mgr_cgroup_set (const MgrCgroup *cg, const struct mgr_key *k, const MgrPlan *plan, GError **error);

gboolean mgr_cgroup_freeze (const MgrCgroup *cg, bool frozen, GError **error);
bool mgr_cgroup_frozen (const MgrCgroup *cg);
/* For the monitor's core (mgr-init's mgr-monitor role), which removes the
 * cgroups with rmdir alone: "cg=INNER,PATH" for each hierarchy and
 * "freeze=VERSION,FILE" for the freezer, added to args, and "cgfull=1" when
 * rmdir is not enough (an ordinary user's delegated cgroups). FALSE for an
 * OCI path. */
gboolean mgr_cgroup_core_args (const MgrCgroup *cg, GPtrArray *args);
/* mgr-monitor-resume: takes back from the core's arguments what
 * mgr_cgroup_new cannot find again ("cgorigin=", the cgroup an ordinary
 * user's monitor came from: the process is in its own leaf by then). */
void mgr_cgroup_core_resume (MgrCgroup *cg, int argc, char *const *argv);

typedef struct {
  gint64 memory;   /* bytes, -1 unknown */
  gint64 cpu_usec; /* CPU time used, -1 unknown */
  gint64 pids;     /* tasks, -1 unknown */
} MgrCgroupStats;

void mgr_cgroup_stats (const MgrCgroup *cg, MgrCgroupStats *out);
/* The memory figure alone (bytes, -1 unknown): mgr-ls -f shows no more. */
gint64 mgr_cgroup_memory (const MgrCgroup *cg);

/* SIGKILLs every process left in the container's cgroups and in every
 * cgroup below them, then removes them all, deepest first. Safe to call when
 * they do not exist. */
gboolean mgr_cgroup_destroy (const MgrCgroup *cg, GError **error);

/* The pids in the container's cgroups and below, in every hierarchy (an
 * empty array when there is none: no process is left). */
GArray *mgr_cgroup_pids (const MgrCgroup *cg);

/* The container's cgroup in the v2 hierarchy, else in the first v1 one. */
const char *mgr_cgroup_path (const MgrCgroup *cg);

/* For the container's namespaced view of /sys/fs/cgroup: the v1 mount
 * options of each hierarchy ("memory", "name=systemd", ...; NULL-ended) and
 * whether there is a cgroup2 hierarchy, and where (relative name, "" for a
 * pure v2 host). */
const char *const *mgr_cgroup_v1_options (const MgrCgroup *cg);
const char *mgr_cgroup_v2_name (const MgrCgroup *cg);
/* The container's own cgroup folder in each v1 hierarchy (in the order of
 * mgr_cgroup_v1_options) and in the v2 one: what a container without a
 * cgroup namespace is shown, bound, in place of the whole hierarchy. */
char **mgr_cgroup_v1_dirs (const MgrCgroup *cg);
const char *mgr_cgroup_v2_dir (const MgrCgroup *cg);
