/* Editing config text: every byte the user wrote stays, except the key set. */
#include "config.h"

#include <sys/stat.h>

#include "lib/util.h"
#include "testutil.h"

static const char *orig =
  "# Web server container\n"
  "[container]\n"
  "rootfs    =   rootfs    # where the files are\n"
  "\n"
  "# limits below\n"
  "[cgroup]\n"
  "memory.max = 256M\n"
  "# pids too\n"
  "pids.max = 512\n"
  "\n"
  "[network eth0]\n"
  "type = veth\n"
  "link = mgrbr0\n";

static char *
set (const char *text, const char *group, const char *key, const char *value)
{
  g_autoptr (GError) e = NULL;
  char *out = mgr_config_text_set (text, group, key, value, &e);
  ck_assert_msg (out != NULL, "%s", e ? e->message : "");
  return out;
}

START_TEST (test_set_existing_keeps_everything_else)
{
  g_autofree char *out = set (orig, "cgroup", "memory.max", "1G");
  g_autofree char *want = g_strdup (orig);
  char *p = strstr (want, "256M");
  memcpy (p, "1G\n", 3);
  memmove (p + 2, p + 4, strlen (p + 4) + 1);
  ck_assert_str_eq (out, want);
}
END_TEST

START_TEST (test_set_keeps_spacing_and_inline_comment)
{
  g_autofree char *out = set (orig, "container", "rootfs", "/srv/web");
  ck_assert (strstr (out, "rootfs    =   /srv/web    # where the files are\n"));
}
END_TEST

START_TEST (test_set_new_key_goes_after_section)
{
  g_autofree char *out = set (orig, "cgroup", "cpu.weight", "200");
  ck_assert (strstr (out, "pids.max = 512\ncpu.weight = 200\n\n[network eth0]"));
  ck_assert (strstr (out, "# pids too\n"));
}
END_TEST

START_TEST (test_set_new_section_appends)
{
  g_autofree char *out = set (orig, "mount data", "target", "/data");
  ck_assert (g_str_has_suffix (out, "link = mgrbr0\n\n[mount data]\ntarget = /data\n"));
  ck_assert (g_str_has_prefix (out, orig));
  g_autofree char *empty = set ("", "cgroup", "pids.max", "5");
  ck_assert_str_eq (empty, "[cgroup]\npids.max = 5\n");
}
END_TEST

START_TEST (test_unset)
{
  g_autofree char *out = set (orig, "cgroup", "memory.max", NULL);
  ck_assert (!strstr (out, "memory.max"));
  ck_assert (strstr (out, "# limits below\n[cgroup]\n# pids too\npids.max = 512\n"));
  g_autofree char *same = set (orig, "cgroup", "cpu.weight", NULL);
  ck_assert_str_eq (same, orig);
  g_autofree char *nosec = set (orig, "network eth0", NULL, NULL);
  ck_assert (!strstr (nosec, "eth0") && !strstr (nosec, "veth"));
  ck_assert (strstr (nosec, "pids.max = 512\n"));
}
END_TEST

START_TEST (test_unwritable_values)
{
  g_autoptr (GError) e = NULL;
  ck_assert_ptr_null (mgr_config_text_set (orig, "container", "hostname", "a\nb", &e));
  g_clear_error (&e);
  ck_assert_ptr_null (mgr_config_text_set (orig, "container", "environment", "A=1 #2", &e));
  ck_assert (strstr (e->message, "comment"));
}
END_TEST

START_TEST (test_get)
{
  g_autofree char *v = mgr_config_text_get (orig, "container", "rootfs");
  ck_assert_str_eq (v, "rootfs");
  ck_assert_ptr_null (mgr_config_text_get (orig, "container", "init"));
}
END_TEST

START_TEST (test_atomic_write_keeps_mode)
{
  char *dir = tmpdir_new ();
  g_autofree char *p = write_tmp (dir, "config", "old\n");
  ck_assert_int_eq (chmod (p, 0600), 0);
  g_autoptr (GError) e = NULL;
  ck_assert (mgr_write_file_atomic (p, "new\n", -1, 0644, &e));
  struct stat st;
  ck_assert_int_eq (stat (p, &st), 0);
  ck_assert_int_eq (st.st_mode & 0777, 0600);
  g_autofree char *text = NULL;
  ck_assert (g_file_get_contents (p, &text, NULL, NULL));
  ck_assert_str_eq (text, "new\n");
  /* No temporary file is left beside it. */
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  int n = 0;
  while (g_dir_read_name (d))
    n++;
  ck_assert_int_eq (n, 1);
  tmpdir_free (dir);
}
END_TEST

static Suite *
edit_suite (void)
{
  Suite *s = suite_create ("edit");
  TCase *tc = tcase_create ("text");
  tcase_add_test (tc, test_set_existing_keeps_everything_else);
  tcase_add_test (tc, test_set_keeps_spacing_and_inline_comment);
  tcase_add_test (tc, test_set_new_key_goes_after_section);
  tcase_add_test (tc, test_set_new_section_appends);
  tcase_add_test (tc, test_unset);
  tcase_add_test (tc, test_unwritable_values);
  tcase_add_test (tc, test_get);
  tcase_add_test (tc, test_atomic_write_keeps_mode);
  suite_add_tcase (s, tc);
  return s;
}

RUN_SUITE (edit_suite)
