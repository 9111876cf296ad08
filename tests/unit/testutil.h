/* Helpers shared by the unit tests. */
#pragma once
#include <check.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "lib/loader.h"
#include "lib/mgr-error.h"

/* A fresh temporary folder for one test, removed by tmpdir_free. */
static inline char *
tmpdir_new (void)
{
  char *d = g_dir_make_tmp ("mgr-test-XXXXXX", NULL);
  ck_assert_ptr_nonnull (d);
  return d;
}

static inline void
tmpdir_free (char *d)
{
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", d);
  ck_assert_int_eq (system (cmd), 0);
  g_free (d);
}

static inline char *
write_tmp (const char *dir, const char *name, const char *text)
{
  char *p = g_build_filename (dir, name, NULL);
  ck_assert (g_file_set_contents (p, text, -1, NULL));
  return p;
}

/* Loads text as root would, with no default.conf. */
static inline MgrPlan *
load_text (const char *text, GError **error)
{
  MgrLoadOptions o = { .name = "web" };
  return mgr_plan_load_data (text, -1, "/tmp/mgr-test/web/config", &o, error);
}

/* Asserts that loading fails and that the message holds every needle. */
#define assert_load_fails(text, ...)                                                   \
  do                                                                                   \
    {                                                                                  \
      g_autoptr (GError) _e = NULL;                                                    \
      g_autoptr (MgrPlan) _p = load_text (text, &_e);                                  \
      ck_assert_msg (_p == NULL, "loaded, but should fail: %s", text);                 \
      const char *_needles[] = { __VA_ARGS__, NULL };                                  \
      for (const char **_n = _needles; *_n; _n++)                                      \
        ck_assert_msg (strstr (_e->message, *_n), "message '%s' lacks '%s'", _e->message, *_n); \
    }                                                                                  \
  while (0)

#define RUN_SUITE(make_suite)                                                          \
  int main (void)                                                                      \
  {                                                                                    \
    SRunner *sr = srunner_create (make_suite ());                                      \
    srunner_run_all (sr, CK_ENV);                                                      \
    int failed = srunner_ntests_failed (sr);                                           \
    srunner_free (sr);                                                                 \
    return failed ? 1 : 0;                                                             \
  }
