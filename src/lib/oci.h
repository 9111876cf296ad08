/* The OCI front end's library side: a bundle's config.json becomes the same
 * plan an INI config becomes (plan.h, with its oci settings filled), and the
 * container's record under mgr-oci's --root folder.
 *
 * config.json is written by an engine (podman, containerd) for its user:
 * trusted like the administrator's INI file. Every field is read or refused:
 * a field mgr cannot honour is an error naming its JSON path, never skipped. */
#pragma once
#include <glib.h>
#include <stdbool.h>
#include <sys/types.h>

#include "plan.h"
#include "seccomp.h"

#define MGR_OCI_VERSION "1.1.0"

/* Parses config.json (its text; bundle is the folder it came from, which
 * relative root and mount paths are resolved against) into a plan for the
 * container id; seccomp gets linux.seccomp compiled (len 0 without one). */
MgrPlan *mgr_oci_plan (const char *json, gsize len, const char *bundle, const char *id, MgrSeccomp *seccomp,
                       GError **error);

/* mgr-oci exec --process FILE: the process object replaces the plan's. */
gboolean mgr_oci_process (MgrPlan *plan, const char *json, gsize len, GError **error);

/* mgr-oci update --resources FILE: linux.resources into a plan's [cgroup]. */
gboolean mgr_oci_resources (MgrPlan *plan, const char *json, gsize len, GError **error);

/* The hooks of one kind (createRuntime, poststart, ...), each an argv with
 * its environment and timeout, in order. */
typedef struct {
  char *path;
  char **args;
  char **env;
  int timeout; /* seconds, 0: none */
} MgrOciHook;

GPtrArray *mgr_oci_hooks (const char *json, gsize len, const char *kind, GError **error);

/* Runs hooks with the container's state (JSON) on stdin; the first that
 * fails (or outlives its timeout) stops the rest with an error. */
gboolean mgr_oci_hooks_run (GPtrArray *hooks, const char *kind, const char *state_json, GError **error);

/* The container's record in the --root folder. */
typedef struct {
  char *id;
  char *dir;       /* ROOT/ID */
  pid_t pid;       /* 0 while creating */
  guint64 start;   /* of pid, against reuse */
  char *bundle;
  char *created;   /* RFC 3339 */
  char *config;    /* ROOT/ID/config.json, the copy taken at create */
  char *cgroup;    /* its cgroup below each hierarchy's root */
  char **annotations; /* key, value, key, value, ..., NULL */
} MgrOciRecord;

typedef enum { MGR_OCI_CREATING, MGR_OCI_CREATED, MGR_OCI_RUNNING, MGR_OCI_PAUSED, MGR_OCI_STOPPED } MgrOciStatus;

const char *mgr_oci_status_name (MgrOciStatus s);

/* Whether an id is one mgr-oci accepts: a file name, no '/' nor '..'. */
gboolean mgr_oci_id_valid (const char *id, GError **error);
/* The state folder (--root) and every folder above it are root's or the
 * caller's, and nobody else can replace what is in them. */
gboolean mgr_oci_root_check (const char *root, GError **error);

/* Reads ROOT/ID; NOT_FOUND when there is no such container. */
gboolean mgr_oci_record_load (const char *root, const char *id, MgrOciRecord *r, GError **error);
gboolean mgr_oci_record_save (const MgrOciRecord *r, GError **error);
void mgr_oci_record_clear (MgrOciRecord *r);

/* The status from the processes: its init alive (created while the exec
 * fifo is there, paused when its cgroup is frozen), else stopped. */
MgrOciStatus mgr_oci_status (const MgrOciRecord *r);

/* The state document of the runtime spec; compact (one line) for hooks and lists. */
char *mgr_oci_state_json (const MgrOciRecord *r, MgrOciStatus s, bool pretty);

/* The cgroup of a plan: linux.cgroupsPath, or mgr.oci/ID. */
char *mgr_oci_cgroup_path (const MgrPlan *plan);
