#pragma once
#include <glib.h>

/* Translates an LXC config into mgr's INI; every key left out is added to
 * skipped as "FILE:LINE: KEY: why". */
gboolean mgr_lxc_import (const char *path, char **ini, GPtrArray *skipped, GError **error);
