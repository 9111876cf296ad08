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

/* The state is saved by swapping state.next in (RENAME_EXCHANGE): each
 * save is read back whole, the two files take turns and no third is made,
 * and a state.next planted as a symlink or a FIFO is neither followed nor
 * waited on. A state file that is a FIFO reads as no state. */
START_TEST (test_state_saves_swap)
{
  char *dir = tmpdir_new ();
  g_autofree char *cdir = g_build_filename (dir, "web", NULL);
  MgrRuntimePaths rt;
  mgr_runtime_paths_init (&rt, dir, cdir);
  ck_assert_int_eq (g_mkdir (rt.dir, 0700), 0);
  g_autofree char *next = g_strconcat (rt.state, ".next", NULL);
  ino_t inos[4];
  for (int i = 0; i < 4; i++)
    {
      MgrStatus s = { .state = MGR_STATE_STOPPED, .exit_status = 10 + i, .monitor_pid = 1000 * (i + 1) }, r;
      ck_assert (mgr_runtime_write_status (&rt, &s, NULL));
      mgr_runtime_status (&rt, &r);
      ck_assert_int_eq (r.state, MGR_STATE_STOPPED);
      ck_assert_int_eq (r.exit_status, 10 + i);
      struct stat st;
      ck_assert_int_eq (lstat (rt.state, &st), 0);
      ck_assert (S_ISREG (st.st_mode));
      inos[i] = st.st_ino;
      /* The first save has nothing to swap with: it renames. */
      ck_assert (i == 0 || (lstat (next, &st) == 0 && st.st_ino == inos[i - 1]));
    }
  ck_assert (inos[1] != inos[2]);
  ck_assert (inos[1] == inos[3]);
  ck_assert (inos[0] == inos[2]);
  g_autofree char *victim = write_tmp (dir, "victim", "host file\n");
  ck_assert_int_eq (unlink (next), 0);
  ck_assert_int_eq (symlink (victim, next), 0);
  MgrStatus s = { .state = MGR_STATE_STOPPED, .exit_status = 42 }, r;
  ck_assert (mgr_runtime_write_status (&rt, &s, NULL));
  g_autofree char *v = NULL;
  ck_assert (g_file_get_contents (victim, &v, NULL, NULL));
  ck_assert_str_eq (v, "host file\n");
  mgr_runtime_status (&rt, &r);
  ck_assert_int_eq (r.exit_status, 42);
  unlink (next);
  ck_assert_int_eq (mkfifo (next, 0600), 0);
  s.exit_status = 43;
  ck_assert (mgr_runtime_write_status (&rt, &s, NULL));
  mgr_runtime_status (&rt, &r);
  ck_assert_int_eq (r.exit_status, 43);
  ck_assert_int_eq (unlink (rt.state), 0);
  ck_assert_int_eq (mkfifo (rt.state, 0600), 0);
  mgr_runtime_status (&rt, &r);
  ck_assert_int_eq (r.state, MGR_STATE_STOPPED);
  ck_assert_int_eq (r.exit_status, -1);
  mgr_runtime_paths_clear (&rt);
  tmpdir_free (dir);
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
  tcase_add_test (tc, test_state_saves_swap);
  suite_add_tcase (s, tc);
  return s;
}

RUN_SUITE (identity_suite)
