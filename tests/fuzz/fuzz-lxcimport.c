/* Fuzz target: import-lxc translates any LXC config, in both trust modes:
 * as the administrator's file (includes followed) and as an image's
 * untrusted meta/config (mgr-download). What it writes is a config the
 * loader takes or refuses with a message, since it is merged into a new
 * container's file. */
#include "config.h"

#include "fuzz.h"
#include "lib/loader.h"
#include "lib/lxcimport.h"

static void
load (const char *ini)
{
  MgrLoadOptions o = { .name = "fuzz" };
  g_autoptr (GError) e = NULL;
  MgrPlan *p = mgr_plan_load_data (ini, strlen (ini), "/fuzz/config", &o, &e);
  if (p)
    mgr_plan_free (p);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  {
    g_autoptr (GPtrArray) skipped = g_ptr_array_new_with_free_func (g_free);
    g_autofree char *ini = NULL;
    g_autoptr (GError) e = NULL;
    if (mgr_lxc_import (fuzz_file (data, size), &ini, skipped, &e))
      load (ini);
  }
  {
    /* An image's text as mgr-download reads it: up to its first NUL. */
    g_autofree char *text = g_strndup ((const char *) data, size);
    g_autoptr (GPtrArray) skipped = g_ptr_array_new_with_free_func (g_free);
    g_autofree char *ini = NULL;
    if (mgr_lxc_import_image ("fuzz", text, &ini, skipped))
      load (ini);
  }
  return 0;
}
