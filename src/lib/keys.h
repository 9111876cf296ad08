/* The key table: one row per key of the container config.
 *
 * Parsing, printing, `mgr-config list/help`, the man page mgr.container.conf(5)
 * and the round-trip test all read this table, so they cannot drift apart.
 * A row names its section, key, type, where the value lands in the plan,
 * its default, a canonical example and one line of help. */
#pragma once
#include <glib.h>
#include <stddef.h>

#include "plan.h"

typedef enum {
  MGR_SEC_CONTAINER,
  MGR_SEC_ID_MAP,
  MGR_SEC_NETWORK, /* named: [network NAME] */
  MGR_SEC_CGROUP,
  MGR_SEC_CAPABILITIES,
  MGR_SEC_SECCOMP,
  MGR_SEC_MOUNT, /* named: [mount NAME] */
  MGR_SEC_HOOKS,
  MGR_SEC_LIMITS,
  MGR_SEC_COUNT
} MgrSection;

struct mgr_section_info {
  const char *name;
  bool named;
  const char *help;
};

extern const struct mgr_section_info mgr_sections[MGR_SEC_COUNT];

struct mgr_key;

/* A value type: how to read a string into a plan field and print it back. */
struct mgr_type {
  const char *name;     /* as shown in `mgr-config list` and the man page */
  const char *accepted; /* what a valid value looks like, for errors and docs */
  gboolean (*parse) (const struct mgr_key *key, const char *text, void *field, GError **error);
  /* Canonical text of a set field, or NULL when the field is unset. */
  char *(*format) (const struct mgr_key *key, const void *field);
  /* The field as a JSON value, or NULL when unset (then omitted). */
  char *(*json) (const struct mgr_key *key, const void *field);
  void (*clear) (void *field);
};

/* What an untrusted layer (an image's config, a template's output) may do
 * with a key. The zero value is "nothing", so that a key added to the
 * table without thought stays the administrator's. */
typedef enum {
  MGR_IMAGE_NEVER = 0, /* reaches outside the container: hooks, mounts, id maps, paths, networks... */
  MGR_IMAGE_TAKEN,     /* stays inside the container: hostname, init, environment... */
  MGR_IMAGE_LIMIT,     /* a limit: taken when it only restricts what the administrator's layers allow */
} MgrImageTrust;

struct mgr_key {
  MgrSection section;
  const char *key;
  const struct mgr_type *type;
  size_t offset;          /* of the field in the section's struct */
  const char *def;        /* the default, in the key's own syntax, or NULL */
  const char *example;    /* a valid, canonical value */
  const char *help;
  const char *const *choices; /* enum values, in the order of the C enum */
  guint64 min, max;           /* for numbers */
  int arg;                    /* per-type extra: the rlimit resource */
  MgrImageTrust image;        /* what an image may set (see above) */
};

extern const struct mgr_key mgr_keys[];
extern const size_t mgr_n_keys;

/* What an image may do with a key, in words for help and the man page. */
const char *mgr_key_image_text (const struct mgr_key *k);

/* Looks up a key of a section; NULL if there is none. */
const struct mgr_key *mgr_key_find (MgrSection section, const char *key);

/* Splits "[network eth0]" style group names. Returns FALSE for an unknown
 * section; *name gets the section's name for named sections. */
gboolean mgr_section_parse (const char *group, MgrSection *section, char **name);

/* The best "did you mean" for an unknown key of a section, or NULL. */
const char *mgr_key_suggest (MgrSection section, const char *key);
const char *mgr_section_suggest (const char *group);

/* The field of a row inside a section struct. */
static inline void *
mgr_key_field (const struct mgr_key *k, void *section_struct)
{
  return (char *) section_struct + k->offset;
}

/* Parses text into a field, prefixing nothing: the caller adds the location. */
gboolean mgr_key_parse (const struct mgr_key *k, const char *text, void *section_struct,
                        GError **error);

/* The struct of a singleton section inside a plan. */
void *mgr_plan_section (MgrPlan *plan, MgrSection section);

/* Parses capability names ("chown", "CAP_CHOWN", "cap_chown") into a mask. */
gboolean mgr_caps_parse (const char *text, guint64 *mask, GError **error);
char *mgr_caps_format (guint64 mask);

gboolean mgr_parse_signal (const char *text, int *sig, GError **error);
const char *mgr_signal_name (int sig);
gboolean mgr_parse_size (const char *text, guint64 *bytes, GError **error);
