/* mgr-create: a new container, built in a temporary folder beside its
 * final place and renamed into it only when complete. */
#pragma once
#include <glib.h>
#include <stdbool.h>

#include "settings.h"

typedef struct {
  const char *name;
  const char *template;      /* a name under the templates folder, or a path */
  const char *config_file;   /* -f, merged last, or NULL */
  bool privileged;           /* no user namespace */
  bool shared_ids;           /* the first block of the ranges, even if taken */
  char *const *template_args;
  const char *rootfs_dir;    /* --rootfs-in-place: this folder is the rootfs (no template runs), or NULL */
  const MgrPaths *paths;
  const MgrSettings *settings;
  GPtrArray *notes;          /* gets a line per key of the template's output left out, or NULL */
} MgrCreateOptions;

gboolean mgr_create (const MgrCreateOptions *o, GError **error);

/* The environment a template runs in: MGR (this binary), MGR_CACHE_DIR,
 * MGR_IMAGE_SERVER. */
char **mgr_template_env (const MgrPaths *paths, const MgrSettings *settings);

/* The executable of a template name ("busybox" → DATADIR/templates/mgr-busybox). */
char *mgr_template_path (const char *template, GError **error);
