/* What this kernel, host and user can do for mgr, each missing piece with
 * the command that provides it (mgr-checkconfig). */
#pragma once
#include <glib.h>
#include <stdbool.h>

typedef enum { MGR_CHECK_OK, MGR_CHECK_WARN, MGR_CHECK_MISSING } MgrCheckStatus;

typedef struct {
  char *name;     /* "user namespaces", "newuidmap", ... */
  MgrCheckStatus status;
  bool required;  /* a MISSING required check makes the host not ready */
  char *detail;   /* what was found */
  char *fix;      /* the command that fixes it, or NULL */
} MgrCheck;

typedef struct {
  bool for_user;         /* an ordinary user's needs (--user) */
  const char *user;      /* the user's name */
  guint32 uid, gid;
  const char *subuid, *subgid;
  const char *usernet;   /* /etc/mgr/usernet */
} MgrCheckOptions;

/* Every check, in a fixed order (GPtrArray of MgrCheck *). */
GPtrArray *mgr_host_checks (const MgrCheckOptions *o);

/* Whether no required check is missing. */
bool mgr_host_ready (const GPtrArray *checks);
