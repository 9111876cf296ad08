/* Fuzz target: mgr.conf (libconfig) must never crash the commands that read
 * it, whatever the administrator's or a user's file holds. */
#include "config.h"

#include "fuzz.h"
#include "lib/settings.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (MgrSettings) s = g_new0 (MgrSettings, 1);
  s->image_server = g_strdup ("https://images.linuxcontainers.org");
  s->default_bridge = g_strdup ("mgrbr0");
  s->log_level = g_strdup ("warning");
  s->idmap_pool_start = 1000000;
  s->idmap_pool_size = 1000000000;
  g_autoptr (GError) e = NULL;
  mgr_settings_load_file (s, fuzz_file (data, size), &e);
  return 0;
}
