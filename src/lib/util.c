#include "config.h"

#include <linux/sched.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "mgr-error.h"
#include "util.h"

char *
mgr_strip_inline_comment (char *s)
{
  for (char *p = s; *p; p++)
    if (*p == '#' && (p == s || g_ascii_isspace (p[-1])))
      {
        *p = '\0';
        break;
      }
  return g_strstrip (s);
}

guint
mgr_edit_distance (const char *a, const char *b)
{
  size_t la = strlen (a), lb = strlen (b);
  g_autofree guint *row = g_new (guint, lb + 1);

  for (size_t j = 0; j <= lb; j++)
    row[j] = j;
  for (size_t i = 1; i <= la; i++)
    {
      guint diag = row[0];
      row[0] = i;
      for (size_t j = 1; j <= lb; j++)
        {
          guint up = row[j];
          guint cost = g_ascii_tolower (a[i - 1]) == g_ascii_tolower (b[j - 1]) ? 0 : 1;
          row[j] = MIN (MIN (row[j] + 1, row[j - 1] + 1), diag + cost);
          diag = up;
        }
    }
  return row[lb];
}

gboolean
mgr_write_file_atomic (const char *path, const char *data, gssize len, int mode, GError **error)
{
  struct stat st;
  g_autoptr (GError) local = NULL;

  if (stat (path, &st) == 0)
    mode = st.st_mode & 07777;
  if (!g_file_set_contents_full (path, data, len,
                                 G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                 mode, &local))
    {
      g_set_error (error, MGR_ERROR, MGR_ERROR_IO, "%s", local->message);
      return FALSE;
    }
  return TRUE;
}

gboolean
mgr_write_file_replace (const char *path, const char *data, int mode, GError **error)
{
  g_autofree char *tmp = g_strdup_printf ("%s.XXXXXX", path);
  /* O_EXCL: a name planted in the folder (a symlink) is never followed. */
  int fd = g_mkstemp_full (tmp, O_WRONLY | O_CLOEXEC, mode);
  if (fd < 0)
    return g_set_error (error, MGR_ERROR, MGR_ERROR_IO, "%s: creating a temporary file beside it: %s", path,
                        g_strerror (errno)), FALSE;
  size_t len = strlen (data), done = 0;
  while (done < len)
    {
      ssize_t n = write (fd, data + done, len - done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      done += n;
    }
  int err = done < len ? (errno ? errno : EIO) : 0;
  if (close (fd) < 0 && !err)
    err = errno;
  if (!err && rename (tmp, path) < 0)
    err = errno;
  if (err)
    {
      unlink (tmp);
      return g_set_error (error, MGR_ERROR, MGR_ERROR_IO, "writing %s: %s", path, g_strerror (err)), FALSE;
    }
  return TRUE;
}

void
mgr_json_string (GString *out, const char *s)
{
  g_string_append_c (out, '"');
  for (const unsigned char *p = (const unsigned char *) s; p && *p; p++)
    {
      switch (*p)
        {
        case '"': g_string_append (out, "\\\""); break;
        case '\\': g_string_append (out, "\\\\"); break;
        case '\n': g_string_append (out, "\\n"); break;
        case '\t': g_string_append (out, "\\t"); break;
        case '\r': g_string_append (out, "\\r"); break;
        default:
          if (*p < 0x20)
            g_string_append_printf (out, "\\u%04x", *p);
          else
            g_string_append_c (out, *p);
        }
    }
  g_string_append_c (out, '"');
}

#include <dirent.h>
#include <fcntl.h>

static int
rm_at (int parent, const char *name, dev_t dev, char *failed, size_t flen)
{
  struct stat st;
  if (fstatat (parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return errno == ENOENT ? 0 : -errno;
  if (!S_ISDIR (st.st_mode))
    return unlinkat (parent, name, 0) < 0 ? (g_strlcpy (failed, name, flen), -errno) : 0;
  if (st.st_dev != dev)
    {
      g_strlcpy (failed, name, flen);
      return -EXDEV;
    }
  int fd = openat (parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return -errno;
  DIR *d = fdopendir (fd);
  if (!d)
    {
      close (fd);
      return -errno;
    }
  int r = 0;
  for (struct dirent *e; r == 0 && (e = readdir (d));)
    if (strcmp (e->d_name, ".") != 0 && strcmp (e->d_name, "..") != 0)
      r = rm_at (dirfd (d), e->d_name, dev, failed, flen);
  closedir (d);
  if (r == 0 && unlinkat (parent, name, AT_REMOVEDIR) < 0)
    {
      g_strlcpy (failed, name, flen);
      r = -errno;
    }
  return r;
}

gboolean
mgr_rm_tree (const char *path, GError **error)
{
  struct stat st;
  char failed[256] = "";
  if (lstat (path, &st) < 0)
    return errno == ENOENT ? TRUE : (g_set_error (error, MGR_ERROR, MGR_ERROR_IO, "%s: %s", path, g_strerror (errno)), FALSE);
  g_autofree char *parent = g_path_get_dirname (path), *base = g_path_get_basename (path);
  int pfd = open (parent, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (pfd < 0)
    return g_set_error (error, MGR_ERROR, MGR_ERROR_IO, "%s: %s", parent, g_strerror (errno)), FALSE;
  int r = rm_at (pfd, base, st.st_dev, failed, sizeof failed);
  close (pfd);
  if (r < 0)
    {
      g_set_error (error, MGR_ERROR, MGR_ERROR_IO, "removing %s: %s%s%s%s", path, failed[0] ? failed : "",
                   failed[0] ? ": " : "", g_strerror (-r),
                   r == -EXDEV ? " (something is mounted there; unmount it first)" : "");
      return FALSE;
    }
  return TRUE;
}

#include <sys/socket.h>

void
mgr_send_fd (int sock, int fd, const char *text)
{
  char cbuf[CMSG_SPACE (sizeof (int))] = { 0 };
  struct iovec iov = { (void *) text, strlen (text) };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
  struct cmsghdr *cm = CMSG_FIRSTHDR (&msg);
  cm->cmsg_level = SOL_SOCKET;
  cm->cmsg_type = SCM_RIGHTS;
  cm->cmsg_len = CMSG_LEN (sizeof (int));
  memcpy (CMSG_DATA (cm), &fd, sizeof fd);
  sendmsg (sock, &msg, MSG_NOSIGNAL);
}

char *
mgr_read_regular_at (int dirfd, const char *path, gsize max, gsize *len)
{
  _cleanup_close_ int fd = openat (dirfd, path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || fstat (fd, &st) < 0)
    return NULL;
  if (!S_ISREG (st.st_mode) || (guint64) st.st_size > max)
    {
      errno = S_ISREG (st.st_mode) ? EFBIG : EINVAL;
      return NULL;
    }
  GString *out = g_string_sized_new (st.st_size + 1);
  char buf[8192];
  for (;;)
    {
      ssize_t n = read (fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 || out->len + n > max)
        {
          int e = n < 0 ? errno : EFBIG;
          g_string_free (out, TRUE);
          errno = e;
          return NULL;
        }
      if (n == 0)
        break;
      g_string_append_len (out, buf, n);
    }
  if (len)
    *len = out->len;
  return g_string_free (out, FALSE);
}

#if defined(__x86_64__) && !defined(__ILP32__)
/* The parent's registers and stack are not the child's to touch: the
 * child starts on its own stack, finds fn and arg in callee-saved
 * registers the kernel copies, and never returns here. */
long
mgr_clone3_run (struct clone_args *ca, int (*fn) (void *), void *arg)
{
  long ret;
  register long r12 __asm__ ("r12") = (long) fn;
  register long r13 __asm__ ("r13") = (long) arg;
  __asm__ volatile ("syscall\n\t"
                    "test %%rax, %%rax\n\t"
                    "jnz 1f\n\t"
                    "xor %%ebp, %%ebp\n\t"
                    "mov %%r13, %%rdi\n\t"
                    "call *%%r12\n\t"
                    "mov %%eax, %%edi\n\t"
                    "mov $231, %%eax\n\t" /* exit_group */
                    "syscall\n\t"
                    "hlt\n"
                    "1:"
                    : "=a"(ret)
                    : "a"((long) SYS_clone3), "D"(ca), "S"(sizeof *ca), "r"(r12), "r"(r13)
                    : "rcx", "r11", "rdx", "r8", "r9", "r10", "memory", "cc");
  return ret;
}
#endif
