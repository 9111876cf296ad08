/* System settings in libconfig syntax, and paths. */
#include "config.h"

#include "lib/settings.h"
#include "testutil.h"

static MgrSettings *
defaults (void)
{
  MgrSettings *s = g_new0 (MgrSettings, 1);
  s->log_level = g_strdup ("warning");
  s->idmap_pool_start = 1000000;
  s->idmap_pool_size = 1000000000;
  return s;
}

START_TEST (test_reads_settings)
{
  char *dir = tmpdir_new ();
  g_autofree char *f = write_tmp (dir, "mgr.conf",
                                  "# comment\ncontainer_path = \"/srv/mgr\";\nimage_server = \"http://127.0.0.1:8080\";\n"
                                  "idmap_pool_start = 2000000;\nlog_level = \"debug\";\n");
  g_autoptr (MgrSettings) s = defaults ();
  g_autoptr (GError) e = NULL;
  ck_assert_msg (mgr_settings_load_file (s, f, &e), "%s", e ? e->message : "");
  ck_assert_str_eq (s->container_path, "/srv/mgr");
  ck_assert_str_eq (s->image_server, "http://127.0.0.1:8080");
  ck_assert_int_eq (s->idmap_pool_start, 2000000);
  ck_assert_str_eq (s->log_level, "debug");
  tmpdir_free (dir);
}
END_TEST

static void
assert_settings_fail (const char *text, const char *needle)
{
  char *dir = tmpdir_new ();
  g_autofree char *f = write_tmp (dir, "mgr.conf", text);
  g_autoptr (MgrSettings) s = defaults ();
  g_autoptr (GError) e = NULL;
  ck_assert (!mgr_settings_load_file (s, f, &e));
  ck_assert_msg (strstr (e->message, needle), "'%s' lacks '%s'", e->message, needle);
  ck_assert (strstr (e->message, f));
  tmpdir_free (dir);
}

START_TEST (test_bad_settings)
{
  assert_settings_fail ("\ncontainer_pth = \"/x\";\n", ":2: container_pth: unknown setting; did you mean container_path?");
  assert_settings_fail ("image_server = 5;\n", "expected a string");
  assert_settings_fail ("idmap_pool_start = \"x\";\n", "expected a whole number");
  assert_settings_fail ("log_level = \"loud\";\n", "expected error, warning, info or debug");
  assert_settings_fail ("idmap_pool_size = 10;\n", "at least 65536");
  assert_settings_fail ("image_server = \"x\"\nfoo = ;\n", ":2:");
}
END_TEST

START_TEST (test_missing_file_is_fine)
{
  g_autoptr (MgrSettings) s = defaults ();
  ck_assert (mgr_settings_load_file (s, "/nonexistent/mgr.conf", NULL));
}
END_TEST

START_TEST (test_names)
{
  ck_assert (mgr_name_check ("web-1.example_x", NULL));
  const char *bad[] = { "", "..", ".hidden", "a/b", "-x", "a b", NULL };
  for (const char **b = bad; *b; b++)
    ck_assert_msg (!mgr_name_check (*b, NULL), "'%s' accepted", *b);
  g_autofree char *longname = g_strnfill (65, 'a');
  ck_assert (!mgr_name_check (longname, NULL));
}
END_TEST

START_TEST (test_paths)
{
  g_setenv ("MGR_SYSCONFDIR", "/tmp/etc-test", TRUE);
  g_autoptr (MgrPaths) p = mgr_paths_new ();
  ck_assert_str_eq (p->system_conf, "/tmp/etc-test/mgr/mgr.conf");
  if (geteuid () == 0)
    {
      ck_assert_str_eq (p->containers, MGR_LOCALSTATEDIR "/lib/mgr");
      ck_assert_str_eq (p->runtime, MGR_RUNSTATEDIR "/mgr");
    }
  else
    ck_assert (g_str_has_suffix (p->containers, "/mgr"));
  g_unsetenv ("MGR_SYSCONFDIR");
}
END_TEST

static Suite *
settings_suite (void)
{
  Suite *s = suite_create ("settings");
  TCase *tc = tcase_create ("settings");
  tcase_add_test (tc, test_reads_settings);
  tcase_add_test (tc, test_bad_settings);
  tcase_add_test (tc, test_missing_file_is_fine);
  tcase_add_test (tc, test_names);
  tcase_add_test (tc, test_paths);
  suite_add_tcase (s, tc);
  return s;
}

RUN_SUITE (settings_suite)
