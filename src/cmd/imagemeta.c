/* mgr image-meta: the download template's hands for what it must not do in
 * shell: reading an image's meta files (regular files inside the unpacked
 * meta folder, opened without following links, with a size limit),
 * translating its LXC config as untrusted, rewriting the files its
 * templates list names beneath the rootfs, and printing its text with
 * control characters escaped. Internal: not listed by `mgr --help`.
 *
 *   mgr image-meta cat DIR FILE            a meta file's bytes, nothing when absent
 *   mgr image-meta escape                  stdin to stdout, control characters escaped
 *   mgr image-meta apply --meta DIR --rootfs DIR --name NAME --path DIR
 *                        [--final-path DIR] [--user]
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "lib/image.h"
#include "lib/lxcimport.h"
#include "lib/mgr-error.h"
#include "lib/util.h"

static int
usage (void)
{
  g_printerr ("Usage: mgr image-meta cat DIR FILE\n"
              "       mgr image-meta escape\n"
              "       mgr image-meta apply --meta DIR --rootfs DIR --name NAME --path DIR [--final-path DIR] "
              "[--user]\n"
              "The download template's helper for an image's meta files.\n");
  return MGR_EXIT_USAGE;
}

static int
open_dir (const char *path)
{
  int fd = open (path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    g_printerr ("%s: opening %s: %s\n", g_get_prgname (), path, g_strerror (errno));
  return fd;
}

static void
print_escaped (FILE *f, const char *prefix, const char *text, gssize len)
{
  g_autofree char *s = mgr_escape_text (text, len);
  size_t n = strlen (s);
  fprintf (f, "%s%s%s", prefix, s, n && s[n - 1] != '\n' ? "\n" : "");
}

static int
cmd_cat (char **args)
{
  if (!args[0] || !args[1] || args[2])
    return usage ();
  _cleanup_close_ int dfd = open_dir (args[0]);
  g_autofree char *what = g_strdup_printf ("the image's meta/%s", args[1]);
  g_autofree char *data = NULL;
  gsize len = 0;
  g_autoptr (GError) e = NULL;
  if (dfd < 0)
    return MGR_EXIT_FAIL;
  if (!mgr_image_read (dfd, args[1], MGR_IMAGE_META_MAX, what, &data, &len, &e))
    return mgr_report (e);
  if (data && fwrite (data, 1, len, stdout) != len)
    return MGR_EXIT_FAIL;
  return MGR_EXIT_OK;
}

/* Reads meta/NAME or fails with the reason printed. */
static gboolean
read_meta (int dfd, const char *name, char **data, gsize *len)
{
  g_autofree char *what = g_strdup_printf ("the image's meta/%s", name);
  g_autoptr (GError) e = NULL;
  if (mgr_image_read (dfd, name, MGR_IMAGE_META_MAX, what, data, len, &e))
    return TRUE;
  mgr_report (e);
  return FALSE;
}

static int
cmd_apply (int argc, char **argv)
{
  const char *meta = NULL, *rootfs = NULL, *name = NULL, *path = NULL, *final = NULL;
  bool user = false;
  for (int i = 0; i < argc; i++)
    {
      const char **opt = strcmp (argv[i], "--meta") == 0         ? &meta
                         : strcmp (argv[i], "--rootfs") == 0     ? &rootfs
                         : strcmp (argv[i], "--name") == 0       ? &name
                         : strcmp (argv[i], "--path") == 0       ? &path
                         : strcmp (argv[i], "--final-path") == 0 ? &final
                                                                 : NULL;
      if (opt && i + 1 < argc)
        *opt = argv[++i];
      else if (strcmp (argv[i], "--user") == 0)
        user = true;
      else
        return usage ();
    }
  if (!meta || !rootfs || !name || !path)
    return usage ();
  if (!final)
    final = path;
  _cleanup_close_ int mfd = open_dir (meta);
  _cleanup_close_ int rfd = mfd < 0 ? -1 : open_dir (rootfs);
  if (rfd < 0)
    return MGR_EXIT_FAIL;

  /* The config: config-user for a container with a user namespace, when
   * the image has one. */
  g_autofree char *cfg = NULL, *list = NULL, *msg = NULL;
  gsize cfglen = 0, listlen = 0, msglen = 0;
  const char *cfgname = "config-user";
  if (user && !read_meta (mfd, cfgname, &cfg, &cfglen))
    return MGR_EXIT_FAIL;
  if (!cfg)
    {
      cfgname = "config";
      if (!read_meta (mfd, cfgname, &cfg, &cfglen))
        return MGR_EXIT_FAIL;
    }
  if (!read_meta (mfd, "templates", &list, &listlen) || !read_meta (mfd, "create-message", &msg, &msglen))
    return MGR_EXIT_FAIL;
  if (cfg)
    {
      g_autofree char *where = g_strdup_printf ("meta/%s", cfgname);
      g_autofree char *ini = NULL, *out = g_build_filename (path, "template.conf", NULL);
      g_autoptr (GPtrArray) skipped = g_ptr_array_new_with_free_func (g_free);
      g_autoptr (GError) e = NULL;
      mgr_lxc_import_image (where, cfg, &ini, skipped);
      for (guint i = 0; i < skipped->len; i++)
        print_escaped (stderr, "  the image's ", skipped->pdata[i], -1);
      if (!mgr_write_file_atomic (out, ini, -1, 0644, &e))
        return mgr_report (e);
    }

  /* The files in which the image wants the container's name and paths:
   * opened beneath the rootfs, through no symbolic link; the final paths,
   * not the temporary folder's. */
  if (list)
    {
      g_autofree char *final_rootfs = g_build_filename (final, "rootfs", NULL);
      g_auto (GStrv) lines = g_strsplit (list, "\n", -1);
      for (char **l = lines; *l; l++)
        {
          char *f = g_strstrip (*l);
          g_autoptr (GError) e = NULL;
          if (!*f || *f == '#')
            continue;
          if (!mgr_image_substitute (rfd, f, name, final, final_rootfs, &e))
            {
              g_autofree char *line
                  = g_strdup_printf ("the image's meta/templates: %s: not substituted: %s\n", f, e->message);
              print_escaped (stderr, "  ", line, -1);
            }
        }
    }
  struct stat st;
  if (fstatat (mfd, "fstab", &st, AT_SYMLINK_NOFOLLOW) == 0)
    g_printerr ("  the image's fstab was not applied: add [mount NAME] sections for what you need\n");
  if (msg)
    print_escaped (stdout, "", msg, msglen);
  return MGR_EXIT_OK;
}

int
mgr_cmd_image_meta (int argc, char **argv)
{
  if (argc < 2)
    return usage ();
  if (strcmp (argv[1], "cat") == 0)
    return cmd_cat (argv + 2);
  if (strcmp (argv[1], "escape") == 0 && argc == 2)
    {
      /* Server text (the image index) on its way to a terminal. */
      g_autoptr (GString) in = g_string_new (NULL);
      char buf[4096];
      size_t n;
      while ((n = fread (buf, 1, sizeof buf, stdin)) > 0 && in->len < MGR_IMAGE_META_MAX * 16)
        g_string_append_len (in, buf, n);
      g_autofree char *out = mgr_escape_text (in->str, in->len);
      fputs (out, stdout);
      return MGR_EXIT_OK;
    }
  if (strcmp (argv[1], "apply") == 0)
    return cmd_apply (argc - 2, argv + 2);
  return usage ();
}
