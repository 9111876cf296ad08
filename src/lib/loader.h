/* Config file → plan, and edits of config files that keep the user's text. */
#pragma once
#include <glib.h>
#include <stdbool.h>
#include <sys/types.h>

#include "keys.h"
#include "plan.h"

typedef struct {
  const char *name;          /* the container's name, or NULL */
  const char *defaults_path; /* default.conf, or NULL; a missing file is fine */
  const char *const *overrides; /* "section.key=value" items, or NULL */
  /* Ordinary users need an [id_map] inside their subordinate ranges. */
  bool unprivileged;
  const char *user; /* login name, for the subuid lookup */
  uid_t uid;
  gid_t gid;
  const char *subuid, *subgid;
} MgrLoadOptions;

/* Parses and validates; all problems come back at once, one per line, each
 * naming the file, the line, the section and key, the bad value and what
 * would be accepted. */
MgrPlan *mgr_plan_load (const char *path, const MgrLoadOptions *o, GError **error);
MgrPlan *mgr_plan_load_data (const char *data, gssize len, const char *path,
                             const MgrLoadOptions *o, GError **error);

/* A key as written on the command line: "cgroup.memory.max",
 * "network.eth0.ipv4.gateway". key is NULL for a whole named section
 * ("network.eth0"), which only unset accepts. */
typedef struct {
  MgrSection section;
  char *group; /* "cgroup", "network eth0" */
  char *name;  /* "eth0" or NULL */
  const struct mgr_key *key;
} MgrKeyPath;

gboolean mgr_key_path_parse (const char *text, MgrKeyPath *out, GError **error);
void mgr_key_path_clear (MgrKeyPath *p);

/* The raw value of group/key in the text, comment stripped, or NULL. */
char *mgr_config_text_get (const char *text, const char *group, const char *key);

/* Returns text with key set to value (or removed when value is NULL; a whole
 * section when key is also NULL). Every other byte of the file stays as it
 * was: comments, order, spacing. Fails on values that cannot be written. */
char *mgr_config_text_set (const char *text, const char *group, const char *key,
                           const char *value, GError **error);

/* Decides, for mgr_config_text_merge, whether group/key = *value goes into
 * the text: FALSE leaves it out; the filter may replace *value (freeing the
 * old one). */
typedef gboolean (*MgrMergeFilter) (const char *group, const char *key, char **value, gpointer data);

/* Sets every key of kf (read from path, named in errors) in *text, in the
 * file's order, later keys winning; filter (may be NULL) chooses which. */
gboolean mgr_config_text_merge (char **text, GKeyFile *kf, const char *path, MgrMergeFilter filter,
                                gpointer data, GError **error);

/* Fills options for the calling user. */
void mgr_load_options_init (MgrLoadOptions *o, const char *name, const char *defaults_path,
                            const char *subuid, const char *subgid);
