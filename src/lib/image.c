/* What comes from an image is untrusted input, like a rootfs a container
 * has written to: the image server chooses every byte of it. Its config
 * may set only keys that stay inside the container (the key table says
 * which: MgrImageTrust, as systemd-nspawn masks settings from an untrusted
 * .nspawn file); its meta files are read only as regular files inside the
 * unpacked tree; the files it wants rewritten are opened beneath its
 * rootfs; its text is escaped before it reaches a terminal. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "image.h"
#include "keys.h"
#include "loader.h"
#include "mgr-error.h"
#include "util.h"

/* Why an image may not set a key: what the key would reach. */
static const char *
never_why (const struct mgr_key *k)
{
  static const struct
  {
    MgrSection s;
    const char *key, *why;
  } keys[] = {
    { MGR_SEC_CONTAINER, "rootfs",
      "the rootfs is the container's own folder; a path would name any folder of the host" },
    { MGR_SEC_CONTAINER, "console.log", "a log path names a host file that root writes" },
    { MGR_SEC_CONTAINER, "console.buffer", "the console buffer is memory of the host's monitor" },
    { MGR_SEC_CONTAINER, "autostart", "starting at boot is the administrator's choice" },
    { MGR_SEC_CONTAINER, "autostart.delay", "starting at boot is the administrator's choice" },
    { MGR_SEC_CGROUP, "devices.allow", "device access opens the host's devices" },
    { MGR_SEC_CGROUP, "cpu.weight", "a weight is a share against other containers, not a limit" },
    { MGR_SEC_CGROUP, "io.weight", "a weight is a share against other containers, not a limit" },
    { MGR_SEC_CGROUP, "optional", "skipping limits is the administrator's choice" },
    { MGR_SEC_CAPABILITIES, "keep", "kept capabilities widen what root in the container may do" },
  };
  static const char *const sections[MGR_SEC_COUNT] = {
    [MGR_SEC_ID_MAP] = "an id map decides which host users the container's users are",
    [MGR_SEC_NETWORK] = "a network reaches the host's networks and devices",
    [MGR_SEC_MOUNT] = "a mount can bring the host's files into the container",
    [MGR_SEC_HOOKS] = "a hook runs a program on the host, as root",
    [MGR_SEC_SECCOMP] = "the system call filter is the administrator's",
  };
  for (size_t i = 0; i < G_N_ELEMENTS (keys); i++)
    if (k->section == keys[i].s && strcmp (k->key, keys[i].key) == 0)
      return keys[i].why;
  return sections[k->section] ? sections[k->section] : "it is not among the keys an image may set";
}

gboolean
mgr_image_key_allowed (const char *group, const char *key, const char *value, char **why)
{
  MgrSection s;
  g_autofree char *name = NULL;
  if (!mgr_section_parse (group, &s, &name))
    return *why = g_strdup ("not a section of mgr's config"), FALSE;
  const struct mgr_key *k = mgr_key_find (s, key);
  if (!k)
    return *why = g_strdup ("not a key of mgr's config"), FALSE;
  if (k->image == MGR_IMAGE_NEVER || mgr_sections[s].named)
    return *why = g_strdup (never_why (k)), FALSE;
  if (k->image == MGR_IMAGE_LIMIT && s == MGR_SEC_LIMITS)
    {
      /* The container's init inherits the monitor's limits: an image may
       * lower them, never raise them. */
      struct mgr_limits l = { 0 };
      struct rlimit have;
      if (!k->type->parse (k, value ? value : "", mgr_key_field (k, &l), NULL))
        return TRUE; /* the loader says what is wrong with it */
      const struct mgr_rlimit *r = mgr_key_field (k, &l);
      if (getrlimit (k->arg, &have) == 0 && have.rlim_max != RLIM_INFINITY
          && (r->hard == MGR_UNLIMITED || r->hard > have.rlim_max))
        return *why = g_strdup_printf ("it would raise the limit above %llu, which mgr-create runs with",
                                       (unsigned long long)have.rlim_max),
               FALSE;
    }
  return TRUE;
}

static char *
caps_union (const char *a, const char *b)
{
  guint64 ma = 0, mb = 0;
  if (!mgr_caps_parse (a, &ma, NULL) || !mgr_caps_parse (b, &mb, NULL))
    return NULL;
  return mgr_caps_format (ma | mb);
}

struct layer_filter
{
  char **text;
  const char *path;
  GPtrArray *notes;
};

/* An image's config layer is untrusted: keys it may not set are left out
 * (and said), and limits only tighten what the administrator set. */
static gboolean
image_key_filter (const char *group, const char *key, char **value, gpointer data)
{
  struct layer_filter *lf = data;
  g_autofree char *why = NULL;
  if (!mgr_image_key_allowed (group, key, *value, &why))
    {
      g_autofree char *shown = mgr_escape_text (*value ? *value : "", -1);
      if (lf->notes)
        g_ptr_array_add (lf->notes, g_strdup_printf ("%s: [%s] %s = %s: left out: %s (the administrator can set "
                                                     "it by hand with mgr-config)",
                                                     lf->path, group, key, shown, why));
      return FALSE;
    }
  MgrSection s;
  g_autofree char *sname = NULL;
  mgr_section_parse (group, &s, &sname);
  const struct mgr_key *row = mgr_key_find (s, key);
  if (row->image != MGR_IMAGE_LIMIT)
    return TRUE;
  g_autofree char *admin = mgr_config_text_get (*lf->text, group, key);
  if (s != MGR_SEC_CAPABILITIES)
    return admin == NULL; /* the administrator's limit stands */
  /* Drops only add to the administrator's (or the default) drops. */
  g_autofree char *keep = mgr_config_text_get (*lf->text, "capabilities", "keep");
  if (keep)
    return FALSE;
  char *u = caps_union (admin ? admin : row->def, *value);
  if (!u)
    return FALSE; /* not capability names: the administrator's drops stand */
  g_free (*value);
  *value = u;
  return TRUE;
}

gboolean
mgr_image_merge_layer (char **text, const char *path, GPtrArray *notes, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path), *base = g_path_get_basename (path);
  _cleanup_close_ int dfd = open (dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  g_autofree char *data = NULL;
  gsize len = 0;
  if (dfd < 0)
    return g_set_error (error, MGR_ERROR, MGR_ERROR_IO, "opening %s: %s", dir, g_strerror (errno)), FALSE;
  if (!mgr_image_read (dfd, base, MGR_IMAGE_META_MAX, path, &data, &len, error))
    return FALSE;
  if (!data)
    return TRUE;
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autoptr (GError) e = NULL;
  if (!g_key_file_load_from_data (kf, data, len, G_KEY_FILE_NONE, &e))
    return g_set_error (error, MGR_ERROR, MGR_ERROR_SYNTAX, "%s: %s", path, e->message), FALSE;
  struct layer_filter lf = { text, path, notes };
  return mgr_config_text_merge (text, kf, path, image_key_filter, &lf, error);
}

static const char *
open_why (int err)
{
  switch (err)
    {
    case ELOOP:
      return "is a symbolic link or is reached through one, not a regular file";
    case EXDEV:
      return "leads out of its folder";
    default:
      return g_strerror (err);
    }
}

/* Reads a regular file from fd, at most max bytes. */
static gboolean
read_regular (int fd, gsize max, const char *what, struct stat *st, char **contents, gsize *len,
              GError **error)
{
  if (fstat (fd, st) < 0)
    return g_set_error (error, MGR_ERROR, MGR_ERROR_IO, "%s: %s", what, g_strerror (errno)), FALSE;
  if (!S_ISREG (st->st_mode))
    return g_set_error (error, MGR_ERROR, MGR_ERROR_INVALID,
                        "%s is not a regular file: the image is broken or hostile", what),
           FALSE;
  if ((guint64)st->st_size > max)
    return g_set_error (error, MGR_ERROR, MGR_ERROR_INVALID, "%s is larger than %" G_GSIZE_FORMAT " bytes",
                        what, max),
           FALSE;
  g_autofree char *buf = g_malloc (max + 1);
  gsize n = 0;
  for (;;)
    {
      ssize_t r = read (fd, buf + n, max + 1 - n);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        return g_set_error (error, MGR_ERROR, MGR_ERROR_IO, "reading %s: %s", what, g_strerror (errno)),
               FALSE;
      if (r == 0)
        break;
      n += r;
      if (n > max)
        return g_set_error (error, MGR_ERROR, MGR_ERROR_INVALID,
                            "%s is larger than %" G_GSIZE_FORMAT " bytes", what, max),
               FALSE;
    }
  buf[n] = '\0';
  *len = n;
  *contents = g_steal_pointer (&buf);
  return TRUE;
}

gboolean
mgr_image_read (int dirfd, const char *name, gsize max, const char *what, char **contents, gsize *len,
                GError **error)
{
  *contents = NULL;
  *len = 0;
  /* O_NONBLOCK: a FIFO must not stop us at open; fstat then refuses it. */
  _cleanup_close_ int fd = mgr_openat2_beneath (dirfd, name, O_RDONLY | O_NONBLOCK);
  if (fd < 0 && errno == ENOENT)
    return TRUE;
  if (fd < 0)
    return g_set_error (error, MGR_ERROR, MGR_ERROR_INVALID, "%s %s: the image is broken or hostile", what,
                        open_why (errno)),
           FALSE;
  struct stat st;
  return read_regular (fd, max, what, &st, contents, len, error);
}

gboolean
mgr_image_substitute (int rootfd, const char *rel, const char *name, const char *path, const char *rootfs,
                      GError **error)
{
  while (*rel == '/')
    rel++;
  g_autofree char *dirpart = g_path_get_dirname (rel), *base = g_path_get_basename (rel);
  if (!*rel || strcmp (base, ".") == 0 || strcmp (base, "..") == 0 || strcmp (base, "/") == 0)
    return g_set_error (error, MGR_ERROR, MGR_ERROR_INVALID, "'%s' does not name a file", rel), FALSE;
  _cleanup_close_ int dfd
      = strcmp (dirpart, ".") == 0 ? dup (rootfd) : mgr_openat2_beneath (rootfd, dirpart, O_PATH | O_DIRECTORY);
  if (dfd < 0 && errno == ENOENT)
    return TRUE;
  if (dfd < 0)
    return g_set_error (error, MGR_ERROR, MGR_ERROR_INVALID, "%s %s", dirpart, open_why (errno)), FALSE;
  _cleanup_close_ int fd = mgr_openat2_beneath (dfd, base, O_RDONLY | O_NONBLOCK);
  if (fd < 0 && errno == ENOENT)
    return TRUE;
  if (fd < 0)
    return g_set_error (error, MGR_ERROR, MGR_ERROR_INVALID, "%s %s", rel, open_why (errno)), FALSE;
  struct stat st;
  g_autofree char *data = NULL;
  gsize len = 0;
  if (!read_regular (fd, MGR_IMAGE_META_MAX, rel, &st, &data, &len, error))
    return FALSE;
  static const char *const tokens[] = { "LXC_NAME", "LXC_PATH", "LXC_ROOTFS_PATH" };
  const char *values[] = { name, path, rootfs };
  g_autoptr (GString) out = g_string_sized_new (len);
  bool changed = false;
  for (gsize i = 0; i < len;)
    {
      size_t t = 0;
      while (t < G_N_ELEMENTS (tokens) && strncmp (data + i, tokens[t], strlen (tokens[t])) != 0)
        t++;
      if (t < G_N_ELEMENTS (tokens))
        {
          g_string_append (out, values[t]);
          i += strlen (tokens[t]);
          changed = true;
        }
      else
        g_string_append_c (out, data[i++]);
    }
  if (!changed)
    return TRUE;
  /* A new file renamed over the old one: the write goes to no other inode
   * (a hard link to the old one is left as it was). */
  g_autofree char *tmp = g_strdup_printf (".%s.mgr-%08x", base, g_random_int ());
  _cleanup_close_ int nfd = openat (dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (nfd < 0)
    return g_set_error (error, MGR_ERROR, MGR_ERROR_IO, "creating %s beside %s: %s", tmp, rel,
                        g_strerror (errno)),
           FALSE;
  gsize done = 0;
  while (done < out->len)
    {
      ssize_t w = write (nfd, out->str + done, out->len - done);
      if (w < 0 && errno == EINTR)
        continue;
      if (w < 0)
        break;
      done += w;
    }
  if (done < out->len || fchown (nfd, st.st_uid, st.st_gid) < 0 || fchmod (nfd, st.st_mode & 07777) < 0
      || renameat (dfd, tmp, dfd, base) < 0)
    {
      int e = errno;
      unlinkat (dfd, tmp, 0);
      return g_set_error (error, MGR_ERROR, MGR_ERROR_IO, "rewriting %s: %s", rel, g_strerror (e)), FALSE;
    }
  return TRUE;
}

char *
mgr_escape_text (const char *text, gssize len)
{
  if (len < 0)
    len = strlen (text);
  GString *out = g_string_sized_new (len);
  const char *p = text, *end = text + len;
  while (p < end)
    {
      unsigned char c = *p;
      if (c == '\n' || c == '\t')
        g_string_append_c (out, c), p++;
      else if (c == '\\')
        g_string_append (out, "\\\\"), p++;
      else if (c < 0x20 || c == 0x7f)
        g_string_append_printf (out, "\\x%02x", c), p++;
      else if (c < 0x80)
        g_string_append_c (out, c), p++;
      else
        {
          gunichar u = g_utf8_get_char_validated (p, end - p);
          if (u == (gunichar)-1 || u == (gunichar)-2)
            {
              g_string_append_printf (out, "\\x%02x", c);
              p++;
              continue;
            }
          const char *next = g_utf8_next_char (p);
          /* C1 controls (U+009B is CSI on some terminals) and the bidi
           * overrides that make text read otherwise than it is. */
          if (u < 0xa0 || (u >= 0x202a && u <= 0x202e) || (u >= 0x2066 && u <= 0x2069))
            g_string_append_printf (out, "\\u%04x", u);
          else
            g_string_append_len (out, p, next - p);
          p = next;
        }
    }
  return g_string_free (out, FALSE);
}
