/* A container's identity and the reads the id scan makes: the identity is
 * the folder's, a symlinked folder of containers is the same folder, and
 * what is read where a config should be never blocks or follows a link. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/idblock.h"
#include "lib/runtime.h"
#include "lib/util.h"
#include "testutil.h"

START_TEST (test_identity_is_the_folder)
{
  char *dir = tmpdir_new ();
  g_autofree char *a = g_build_filename (dir, "A", NULL), *b = g_build_filename (dir, "B", NULL);
  g_autofree char *alink = g_build_filename (dir, "A-link", NULL);
  ck_assert_int_eq (g_mkdir (a, 0755), 0);
  ck_assert_int_eq (g_mkdir (b, 0755), 0);
  ck_assert_int_eq (symlink (a, alink), 0);
  g_autofree char *wa = g_build_filename (a, "web", NULL), *wb = g_build_filename (b, "web", NULL);
  g_autofree char *wl = g_build_filename (alink, "web", NULL);
  g_autofree char *ida = mgr_container_id (wa), *idb = mgr_container_id (wb), *idl = mgr_container_id (wl);
  g_autofree char *again = mgr_container_id (wa);
  ck_assert (g_str_has_prefix (ida, "web-") && strlen (ida) == strlen ("web-") + 8);
  ck_assert_str_eq (ida, again);
  ck_assert_str_ne (ida, idb);
  ck_assert_str_eq (ida, idl);
  /* A container folder that is itself a symlink does not take the
   * identity of what it points to. */
  g_autofree char *other = g_build_filename (b, "other", NULL);
  ck_assert_int_eq (symlink (wa, other), 0);
  g_autofree char *ido = mgr_container_id (other);
  ck_assert (g_str_has_prefix (ido, "other-"));
  MgrRuntimePaths rt;
  mgr_runtime_paths_init (&rt, "/run/mgr", wa);
  g_autofree char *want = g_build_filename ("/run/mgr", ida, NULL);
  ck_assert_str_eq (rt.dir, want);
  ck_assert_str_eq (rt.id, ida);
  mgr_runtime_paths_clear (&rt);
  tmpdir_free (dir);
}
END_TEST

START_TEST (test_read_regular_never_blocks)
{
  char *dir = tmpdir_new ();
  g_free (write_tmp (dir, "config", "[container]\n"));
  g_autofree char *fifo = g_build_filename (dir, "fifo", NULL), *link = g_build_filename (dir, "link", NULL);
  ck_assert_int_eq (mkfifo (fifo, 0600), 0);
  ck_assert_int_eq (symlink (fifo, link), 0);
  int dfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  gsize len = 0;
  g_autofree char *ok = mgr_read_regular_at (dfd, "config", 1024, &len);
  ck_assert_ptr_nonnull (ok);
  ck_assert_uint_eq (len, strlen ("[container]\n"));
  errno = 0;
  ck_assert_ptr_null (mgr_read_regular_at (dfd, "fifo", 1024, NULL));
  ck_assert_int_eq (errno, EINVAL);
  ck_assert_ptr_null (mgr_read_regular_at (dfd, "link", 1024, NULL));
  ck_assert_int_eq (errno, ELOOP);
  ck_assert_ptr_null (mgr_read_regular_at (dfd, "config", 4, NULL));
  ck_assert_int_eq (errno, EFBIG);
  close (dfd);
  tmpdir_free (dir);
}
END_TEST

START_TEST (test_block_find_skips_taken)
{
  g_autoptr (GArray) ranges = g_array_new (FALSE, FALSE, sizeof (struct mgr_idmap_range));
  g_autoptr (GArray) taken = g_array_new (FALSE, FALSE, sizeof (struct mgr_idmap_range));
  g_array_append_val (ranges, ((struct mgr_idmap_range){ 0, 1000000, 4 * MGR_ID_BLOCK }));
  guint32 start = 0;
  ck_assert (mgr_id_block_find (ranges, taken, &start));
  ck_assert_uint_eq (start, 1000000);
  /* A block held in another folder, and one partly overlapping the next. */
  g_array_append_val (taken, ((struct mgr_idmap_range){ 0, 1000000, MGR_ID_BLOCK }));
  g_array_append_val (taken, ((struct mgr_idmap_range){ 0, 1000000 + MGR_ID_BLOCK + 10, 1 }));
  ck_assert (mgr_id_block_find (ranges, taken, &start));
  ck_assert_uint_eq (start, 1000000 + 2 * MGR_ID_BLOCK);
  g_array_append_val (taken, ((struct mgr_idmap_range){ 0, 1000000 + 2 * MGR_ID_BLOCK, 2 * MGR_ID_BLOCK }));
  ck_assert (!mgr_id_block_find (ranges, taken, &start));
}
END_TEST

static Suite *
identity_suite (void)
{
  Suite *s = suite_create ("identity");
  TCase *tc = tcase_create ("identity");
  tcase_add_test (tc, test_identity_is_the_folder);
  tcase_add_test (tc, test_read_regular_never_blocks);
  tcase_add_test (tc, test_block_find_skips_taken);
  suite_add_tcase (s, tc);
  return s;
}

RUN_SUITE (identity_suite)
