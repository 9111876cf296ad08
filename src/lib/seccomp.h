/* Seccomp profiles: libconfig files compiled with libseccomp into a BPF
 * program before clone, for every ABI of the host (x86_64 with x32 and
 * i386), so that the child loads it with one system call. */
#pragma once
#include <glib.h>
#include <linux/filter.h>
#include <stdbool.h>

#include "plan.h"

typedef struct {
  struct sock_fprog prog; /* len 0: no filter (unconfined) */
  /* The profile's personality_allow as a second program: libseccomp can
   * compare an argument only once per rule, so "personality only with one
   * of these values" cannot be said in the deny-list filter (len 0: none). */
  struct sock_fprog personality;
  bool notify; /* some calls go to the monitor (action "notify") */
} MgrSeccomp;

/* The file of a named profile: "default" → DATADIR/seccomp/default.profile
 * (MGR_SECCOMP_DIR overrides the folder, for tests). */
char *mgr_seccomp_profile_path (const struct mgr_seccomp *s);

/* Compiles a profile; privileged adds its privileged_rules. */
gboolean mgr_seccomp_compile (const char *path, bool privileged, MgrSeccomp *out, GError **error);
/* Exports a libseccomp filter context (scmp_filter_ctx) into out->prog;
 * what names the profile in errors. */
gboolean mgr_seccomp_export (void *ctx, const char *what, MgrSeccomp *out, GError **error);
gboolean mgr_seccomp_for_plan (const MgrPlan *plan, MgrSeccomp *out, GError **error);
void mgr_seccomp_clear (MgrSeccomp *s);

/* Loads the program into the calling thread; -errno on failure. Used
 * between clone and exec: no allocation. With listener non-NULL and a
 * filter that notifies, *listener gets the notification fd (else -1);
 * without, notified calls fail with ENOSYS (no one listens). */
int mgr_seccomp_load (const MgrSeccomp *s, int *listener);
