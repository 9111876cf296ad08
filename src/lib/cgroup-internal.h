/* Between cgroup.c and its two backends. */
#pragma once
#include <glib.h>
#include <stdbool.h>

#include "cgroup.h"

typedef struct {
  int version;       /* 1 or 2 */
  char *mount;       /* /sys/fs/cgroup/memory */
  char *opts;        /* v1: the mount's controller options ("memory", "name=systemd") */
  char **controllers;
  char *parent;      /* MOUNT/mgr.payload */
  char *path;        /* MOUNT/mgr.payload/NAME: where the limits are */
  char *inner;       /* where the container's processes live and its cgroup
                        namespace is rooted: PATH/ns on v2 and name=systemd
                        (the hierarchies the container manages), else PATH */
} Hier;

struct MgrCgroup {
  char *name;
  char *rel; /* OCI: the cgroup's path below each hierarchy's root, or NULL for mgr.payload/NAME */
  GPtrArray *hiers; /* Hier *, v1 ones and at most one v2 */
  Hier *v2;
  char **v1_opts;
  char *v2_name;
  /* An ordinary user's container: the delegated v2 subtree it lives in, or
   * why there is none (then it runs without cgroups of its own). */
  bool user;
  char *delegation;   /* MOUNT/user.slice/.../user@UID.service */
  char *unavailable;  /* the reason, or NULL */
  char *monitor_leaf; /* DELEGATION/mgr.monitor/NAME */
  char *origin;       /* the caller's own cgroup, where the monitor goes back */
};

struct mgr_cgroup_key {
  const char *key; /* v2 name, as in [cgroup] */
  const char *v1;  /* v1 controller, or NULL */
  const char *v2;  /* v2 controller, or NULL when v2 needs none */
};

/* One backend. Every function gets the hierarchy the key lives in. */
struct mgr_cgroup_driver {
  gboolean (*check) (const MgrCgroup *cg, const Hier *h, const struct mgr_cgroup_key *k, const MgrPlan *plan, GError **error);
  gboolean (*prepare_parent) (const MgrCgroup *cg, const Hier *h, const MgrPlan *plan, GError **error);
  gboolean (*prepare) (const MgrCgroup *cg, const Hier *h, const MgrPlan *plan, GError **error);
  gboolean (*apply) (const MgrCgroup *cg, const Hier *h, const struct mgr_cgroup_key *k, const MgrPlan *plan, GError **error);
  gboolean (*freeze) (const Hier *h, bool frozen, GError **error);
  bool (*is_frozen) (const Hier *h);
  gint64 (*memory) (const Hier *h);
  gint64 (*cpu_usec) (const Hier *h);
};

extern const struct mgr_cgroup_driver mgr_cgroup_v1_driver;
extern const struct mgr_cgroup_driver mgr_cgroup_v2_driver;

Hier *mgr_cgroup_hier_for (const MgrCgroup *cg, const char *v1, const char *v2);
gboolean mgr_cgroup_write (const Hier *h, const char *file, const char *value, GError **error);
char *mgr_cgroup_read (const Hier *h, const char *file);

/* Waits until file of h holds want (a substring), up to timeout_ms. */
gboolean mgr_cgroup_wait_for (const Hier *h, const char *file, const char *want, int timeout_ms);

/* The eBPF device program for v2 (cgroup-bpf.c). */
gboolean mgr_cgroup_bpf_devices (const Hier *h, const MgrPlan *plan, GError **error);
