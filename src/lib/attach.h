#pragma once
#include <glib.h>
#include <stdbool.h>
#include <sys/types.h>

#include "plan.h"
#include "runtime.h"
#include "seccomp.h"

typedef struct {
  const MgrPlan *plan;
  const MgrRuntimePaths *rt;
  char *const *argv;      /* NULL: the user's shell from the container's passwd, else /bin/sh */
  bool keep_env;          /* keep the caller's environment instead of a clean one */
  char *const *extra_env; /* NAME=VALUE set on top */
  bool uid_set, gid_set;
  uid_t uid;
  gid_t gid;
  const char *cwd;
  /* mgr-oci exec: the container is known by its init's pidfd and its
   * cgroup (there is no monitor), and the command is the plan's OCI
   * process exactly (argv, env, cwd, user, capabilities, seccomp). */
  bool oci;
  int pidfd;
  const struct MgrCgroup *cgroup;
  const MgrSeccomp *seccomp;      /* or NULL */
  const char *console_socket;     /* the plan's process.terminal: the pty's controller goes there */
  bool detach;                    /* return once the command runs; the caller's subreaper is its parent */
  int keep_fds;                   /* fds 3..3+N-1 reach the command */
  const char *pid_file;           /* gets the command's pid as soon as it is known */
  pid_t pid;                      /* out: the command's pid */
} MgrAttachOptions;

/* Runs the command in the container; returns its exit status (128+signal
 * when killed), or -1 with error when it could not be started. */
int mgr_attach (const MgrAttachOptions *o, GError **error);

/* A pidfd for the container's init; -1 with error when it is not running. */
int mgr_container_pidfd (const MgrRuntimePaths *rt, const char *name, pid_t *pid, GError **error);
