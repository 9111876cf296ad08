#pragma once
#include <glib.h>

/* Translates the administrator's LXC config into mgr's INI; every key left
 * out is added to skipped as "FILE:LINE: KEY: why". Includes are followed. */
gboolean mgr_lxc_import (const char *path, char **ini, GPtrArray *skipped, GError **error);

/* The same for an image's config (text, called name in messages), which is
 * untrusted: only keys an image may set (MgrImageTrust in keys.h) come
 * across, every other is in skipped with "dropped" and the reason; no
 * include is opened. The lines of skipped hold the image's own text: escape
 * them (mgr_escape_text) before printing. */
gboolean mgr_lxc_import_image (const char *name, const char *text, char **ini, GPtrArray *skipped);
