/* The key table and its typed value parsers.
 *
 * Each type keeps its parse and its print side by side, so that a key's
 * syntax is defined once; the round-trip test checks that for every row
 * format(parse(example)) == example. */
#include "config.h"

#include <netinet/in.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/mount.h>

#include "keys.h"
#include "mgr-error.h"
#include "util.h"

const struct mgr_section_info mgr_sections[MGR_SEC_COUNT] = {
  [MGR_SEC_CONTAINER] = { "container", false, "what runs and how it is named, started and stopped" },
  [MGR_SEC_ID_MAP] = { "id_map", false,
                       "user namespace id ranges; absent means no user namespace (root only)" },
  [MGR_SEC_NETWORK] = { "network", true,
                        "one section per interface, named for the interface inside; none means an isolated network namespace with lo only" },
  [MGR_SEC_CGROUP] = { "cgroup", false, "resource limits, with cgroup v2 names on every host" },
  [MGR_SEC_CAPABILITIES] = { "capabilities", false, "the capabilities the container's root keeps" },
  [MGR_SEC_SECCOMP] = { "seccomp", false, "the system call filter" },
  [MGR_SEC_MOUNT] = { "mount", true, "one section per extra mount, in the order of the file" },
  [MGR_SEC_HOOKS] = { "hooks", false, "programs run at points of the container's life" },
  [MGR_SEC_LIMITS] = { "limits", false, "resource limits (setrlimit) of the container's init" },
};

#define fail(error, ...) mgr_fail (error, MGR_ERROR_INVALID, __VA_ARGS__)

/* Splits on any of seps, trims, drops empty items. */
static char **
split_list (const char *text, const char *seps)
{
  g_auto (GStrv) parts = g_strsplit_set (text, seps, -1);
  g_autoptr (GPtrArray) out = g_ptr_array_new ();
  for (char **p = parts; *p; p++)
    {
      g_strstrip (*p);
      if (**p)
        g_ptr_array_add (out, g_strdup (*p));
    }
  g_ptr_array_add (out, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&out), FALSE);
}

static gboolean
parse_u64 (const char *text, guint64 *v)
{
  char *end;
  if (!g_ascii_isdigit (*text))
    return FALSE;
  errno = 0;
  guint64 r = g_ascii_strtoull (text, &end, 10);
  if (errno || *end)
    return FALSE;
  *v = r;
  return TRUE;
}

/* ---- string, path, hostname ---------------------------------------------------- */

static void
clear_str (void *field)
{
  g_clear_pointer ((char **) field, g_free);
}

static char *
format_str (const struct mgr_key *k, const void *field)
{
  return g_strdup (*(char *const *) field);
}

static char *
json_str (const struct mgr_key *k, const void *field)
{
  const char *s = *(char *const *) field;
  if (!s)
    return NULL;
  GString *out = g_string_new (NULL);
  mgr_json_string (out, s);
  return g_string_free (out, FALSE);
}

static gboolean
parse_string (const struct mgr_key *k, const char *text, void *field, GError **error)
{
  if (!*text)
    return fail (error, "empty value");
  clear_str (field);
  *(char **) field = g_strdup (text);
  return TRUE;
}

static const struct mgr_type type_string = {
  "string", "any non-empty text", parse_string, format_str, json_str, clear_str,
};

static gboolean
parse_path (const struct mgr_key *k, const char *text, void *field, GError **error)
{
  if (!*text)
    return fail (error, "empty path");
  return parse_string (k, text, field, error);
}

static const struct mgr_type type_path = {
  "path", "a path, absolute or relative to the container's folder", parse_path, format_str,
  json_str, clear_str,
};

static gboolean
parse_abspath (const struct mgr_key *k, const char *text, void *field, GError **error)
{
  if (text[0] != '/')
    return fail (error, "not an absolute path");
  g_auto (GStrv) parts = g_strsplit (text, "/", -1);
  for (char **p = parts; *p; p++)
    if (strcmp (*p, "..") == 0)
      return fail (error, "'..' is not allowed in this path");
  return parse_string (k, text, field, error);
}

static const struct mgr_type type_abspath = {
  "absolute path", "an absolute path without '..', such as /srv/data", parse_abspath, format_str,
  json_str, clear_str,
};

static gboolean
parse_hostname (const struct mgr_key *k, const char *text, void *field, GError **error)
{
  size_t len = strlen (text);
  if (len == 0 || len > 64)
    return fail (error, "a hostname has 1 to 64 characters");
  g_auto (GStrv) labels = g_strsplit (text, ".", -1);
  for (char **l = labels; *l; l++)
    {
      size_t n = strlen (*l);
      if (n == 0 || n > 63 || (*l)[0] == '-' || (*l)[n - 1] == '-')
        return fail (error, "'%s' is not a valid hostname label", *l);
      for (const char *c = *l; *c; c++)
        if (!g_ascii_isalnum (*c) && *c != '-')
          return fail (error, "'%c' is not allowed in a hostname", *c);
    }
  return parse_string (k, text, field, error);
}

static const struct mgr_type type_hostname = {
  "hostname", "letters, digits, '-' and '.', at most 64 characters", parse_hostname, format_str,
  json_str, clear_str,
};

/* ---- bool --------------------------------------------------------------------- */

static gboolean
parse_bool (const struct mgr_key *k, const char *text, void *field, GError **error)
{
  static const char *yes[] = { "true", "yes", "on", "1" }, *no[] = { "false", "no", "off", "0" };
  for (size_t i = 0; i < G_N_ELEMENTS (yes); i++)
    {
      if (g_ascii_strcasecmp (text, yes[i]) == 0)
        return *(bool *) field = true, TRUE;
      if (g_ascii_strcasecmp (text, no[i]) == 0)
        return *(bool *) field = false, TRUE;
    }
  return fail (error, "not a boolean");
}

static char *
format_bool (const struct mgr_key *k, const void *field)
{
  return g_strdup (*(const bool *) field ? "true" : "false");
}

static void
clear_nothing (void *field)
{
}

static const struct mgr_type type_bool = {
  "bool", "true or false (also yes/no, on/off, 1/0)", parse_bool, format_bool, format_bool,
  clear_nothing,
};

/* ---- numbers: uint, size, duration ---------------------------------------------- */

static void
clear_u64 (void *field)
{
  *(struct mgr_u64 *) field = (struct mgr_u64){ 0 };
}

static gboolean
check_range (const struct mgr_key *k, guint64 v, GError **error)
{
  if (k->max && (v < k->min || v > k->max))
    return fail (error, "%" G_GUINT64_FORMAT " is out of range", v);
  return TRUE;
}

static gboolean
parse_uint (const struct mgr_key *k, const char *text, void *field, GError **error)
{
  struct mgr_u64 *f = field;
  guint64 v;
  if (!parse_u64 (text, &v))
    return fail (error, "not a whole number");
  if (!check_range (k, v, error))
    return FALSE;
  *f = (struct mgr_u64){ true, v };
  return TRUE;
}

static char *
format_uint (const struct mgr_key *k, const void *field)
{
  const struct mgr_u64 *f = field;
  if (!f->set)
    return NULL;
  if (f->v == MGR_UNLIMITED)
    return g_strdup ("max");
  return g_strdup_printf ("%" G_GUINT64_FORMAT, f->v);
}

static char *
json_uint (const struct mgr_key *k, const void *field)
{
  const struct mgr_u64 *f = field;
  if (!f->set)
    return NULL;
  if (f->v == MGR_UNLIMITED)
    return g_strdup ("\"max\"");
  return g_strdup_printf ("%" G_GUINT64_FORMAT, f->v);
}

static const struct mgr_type type_uint = {
  "integer", "a whole number in the key's range", parse_uint, format_uint, json_uint, clear_u64,
};

static gboolean
parse_uint_or_max (const struct mgr_key *k, const char *text, void *field, GError **error)
{
  if (strcmp (text, "max") == 0)
    return *(struct mgr_u64 *) field = (struct mgr_u64){ true, MGR_UNLIMITED }, TRUE;
  return parse_uint (k, text, field, error);
}

static const struct mgr_type type_uint_or_max = {
  "integer or max", "a whole number in the key's range, or max for no limit", parse_uint_or_max,
  format_uint, json_uint, clear_u64,
};

static const char size_units[] = "KMGTPE";

gboolean
mgr_parse_size (const char *text, guint64 *bytes, GError **error)
{
  char *end;
  if (!g_ascii_isdigit (*text))
    return fail (error, "not a size");
  errno = 0;
  guint64 v = g_ascii_strtoull (text, &end, 10);
  if (errno)
    return fail (error, "size too large");
  if (*end)
    {
      const char *u = strchr (size_units, g_ascii_toupper (*end));
      if (!u)
        return fail (error, "unknown unit '%s'", end);
      const char *rest = end + 1;
      if (g_ascii_strcasecmp (rest, "") != 0 && g_ascii_strcasecmp (rest, "B") != 0
          && g_ascii_strcasecmp (rest, "iB") != 0)
        return fail (error, "unknown unit '%s'", end);
      for (int shift = (int) (u - size_units) + 1; shift > 0; shift--)
        {
          if (v > G_MAXUINT64 / 1024)
            return fail (error, "size too large");
          v *= 1024;
        }
    }
  *bytes = v;
  return TRUE;
}

static gboolean
parse_size (const struct mgr_key *k, const char *text, void *field, GError **error)
{
  guint64 v;
  if (!mgr_parse_size (text, &v, error))
    return FALSE;
  if (!check_range (k, v, error))
    return FALSE;
  *(struct mgr_u64 *) field = (struct mgr_u64){ true, v };
  return TRUE;
}

static char *
format_size (const struct mgr_key *k, const void *field)
{
  const struct mgr_u64 *f = field;
  if (!f->set)
    return NULL;
  if (f->v == MGR_UNLIMITED)
    return g_strdup ("max");
  guint64 v = f->v;
  int unit = -1;
  while (v && v % 1024 == 0 && unit < (int) strlen (size_units) - 1)
    v /= 1024, unit++;
  if (unit < 0)
    return g_strdup_printf ("%" G_GUINT64_FORMAT, v);
  return g_strdup_printf ("%" G_GUINT64_FORMAT "%c", v, size_units[unit]);
}

static const struct mgr_type type_size = {
  "size", "bytes with an optional K, M, G or T suffix (powers of 1024), such as 256M", parse_size,
  format_size, json_uint, clear_u64,
};

static gboolean
parse_size_or_max (const struct mgr_key *k, const char *text, void *field, GError **error)
{
  if (strcmp (text, "max") == 0)
    return *(struct mgr_u64 *) field = (struct mgr_u64){ true, MGR_UNLIMITED }, TRUE;
  return parse_size (k, text, field, error);
}

static const struct mgr_type type_size_or_max = {
  "size or max", "bytes with an optional K, M, G or T suffix, such as 256M, or max for no limit",
  parse_size_or_max, format_size, json_uint, clear_u64,
};

static gboolean
parse_duration (const struct mgr_key *k, const char *text, void *field, GError **error)
{
  static const struct { const char *unit; guint64 ms; } units[] = {
    { "", 1000 }, { "s", 1000 }, { "ms", 1 }, { "m", 60000 }, { "min", 60000 }, { "h", 3600000 },
  };
  char *end;
  if (!g_ascii_isdigit (*text))
    return fail (error, "not a duration");
  errno = 0;
  guint64 v = g_ascii_strtoull (text, &end, 10);
  for (size_t i = 0; !errno && i < G_N_ELEMENTS (units); i++)
    if (strcmp (end, units[i].unit) == 0)
      {
        if (v > G_MAXUINT64 / units[i].ms)
          break;
        *(struct mgr_u64 *) field = (struct mgr_u64){ true, v * units[i].ms };
        return TRUE;
      }
  return fail (error, "not a duration");
}

static char *
format_duration (const struct mgr_key *k, const void *field)
{
  const struct mgr_u64 *f = field;
  if (!f->set)
    return NULL;
  if (f->v % 1000)
    return g_strdup_printf ("%" G_GUINT64_FORMAT "ms", f->v);
  return g_strdup_printf ("%" G_GUINT64_FORMAT "s", f->v / 1000);
}

static char *
json_duration (const struct mgr_key *k, const void *field)
{
  const struct mgr_u64 *f = field;
  return f->set ? g_strdup_printf ("%g", f->v / 1000.0) : NULL;
}

static const struct mgr_type type_duration = {
  "duration", "a number with an optional unit ms, s, m or h (seconds without one), such as 30s",
  parse_duration, format_duration, json_duration, clear_u64,
};

/* ---- signal ------------------------------------------------------------------- */

static const struct { const char *name; int sig; } signals[] = {
  { "HUP", SIGHUP },   { "INT", SIGINT },     { "QUIT", SIGQUIT },   { "ILL", SIGILL },
  { "TRAP", SIGTRAP }, { "ABRT", SIGABRT },   { "BUS", SIGBUS },     { "FPE", SIGFPE },
  { "KILL", SIGKILL }, { "USR1", SIGUSR1 },   { "SEGV", SIGSEGV },   { "USR2", SIGUSR2 },
  { "PIPE", SIGPIPE }, { "ALRM", SIGALRM },   { "TERM", SIGTERM },   { "STKFLT", SIGSTKFLT },
  { "CHLD", SIGCHLD }, { "CONT", SIGCONT },   { "STOP", SIGSTOP },   { "TSTP", SIGTSTP },
  { "TTIN", SIGTTIN }, { "TTOU", SIGTTOU },   { "URG", SIGURG },     { "XCPU", SIGXCPU },
  { "XFSZ", SIGXFSZ }, { "VTALRM", SIGVTALRM }, { "PROF", SIGPROF }, { "WINCH", SIGWINCH },
  { "IO", SIGIO },     { "PWR", SIGPWR },     { "SYS", SIGSYS },
};

gboolean
mgr_parse_signal (const char *text, int *sig, GError **error)
{
  const char *name = text;
  guint64 n;
  if (g_ascii_strncasecmp (name, "SIG", 3) == 0)
    name += 3;
  if (parse_u64 (name, &n))
    {
      if (n < 1 || n > (guint64) SIGRTMAX)
        return fail (error, "signal number %s is out of range 1..%d", name, SIGRTMAX);
      *sig = (int) n;
      return TRUE;
    }
  for (size_t i = 0; i < G_N_ELEMENTS (signals); i++)
    if (g_ascii_strcasecmp (name, signals[i].name) == 0)
      return *sig = signals[i].sig, TRUE;
  if (g_ascii_strncasecmp (name, "RTMIN", 5) == 0 || g_ascii_strncasecmp (name, "RTMAX", 5) == 0)
    {
      bool min = g_ascii_strncasecmp (name, "RTMIN", 5) == 0;
      const char *off = name + 5;
      guint64 d = 0;
      if (*off && !((*off == (min ? '+' : '-')) && parse_u64 (off + 1, &d)))
        return fail (error, "unknown signal");
      if (d > (guint64) (SIGRTMAX - SIGRTMIN))
        return fail (error, "real-time signal out of range");
      return *sig = min ? SIGRTMIN + (int) d : SIGRTMAX - (int) d, TRUE;
    }
  return fail (error, "unknown signal");
}

const char *
mgr_signal_name (int sig)
{
  static char buf[16];
  for (size_t i = 0; i < G_N_ELEMENTS (signals); i++)
    if (signals[i].sig == sig)
      {
        g_snprintf (buf, sizeof buf, "SIG%s", signals[i].name);
        return buf;
      }
  if (sig >= SIGRTMIN && sig <= SIGRTMAX)
    g_snprintf (buf, sizeof buf, "SIGRTMIN+%d", sig - SIGRTMIN);
  else
    g_snprintf (buf, sizeof buf, "%d", sig);
  return buf;
}

static gboolean
parse_signal_field (const struct mgr_key *k, const char *text, void *field, GError **error)
{
  return mgr_parse_signal (text, field, error);
}

static char *
format_signal (const struct mgr_key *k, const void *field)
{
  int sig = *(const int *) field;
  return sig ? g_strdup (mgr_signal_name (sig)) : NULL;
}

static char *
json_signal (const struct mgr_key *k, const void *field)
{
  int sig = *(const int *) field;
  return sig ? g_strdup_printf ("\"%s\"", mgr_signal_name (sig)) : NULL;
}

static void
clear_int (void *field)
{
  *(int *) field = 0;
}


/* stop.signal: a signal, or "auto" (MGR_SIGNAL_AUTO), resolved at use by
 * initsig.c from what the container's init is. */
static gboolean
parse_stop_signal (const struct mgr_key *k, const char *text, void *field, GError **error)
{
  if (g_ascii_strcasecmp (text, "auto") == 0)
    return *(int *) field = MGR_SIGNAL_AUTO, TRUE;
  return parse_signal_field (k, text, field, error);
}

static char *
format_stop_signal (const struct mgr_key *k, const void *field)
{
  return *(const int *) field == MGR_SIGNAL_AUTO ? g_strdup ("auto") : format_signal (k, field);
}

static char *
json_stop_signal (const struct mgr_key *k, const void *field)
{
  return *(const int *) field == MGR_SIGNAL_AUTO ? g_strdup ("\"auto\"") : json_signal (k, field);
}

static const struct mgr_type type_stop_signal = {
  "signal", "auto (SIGRTMIN+3 for systemd, SIGPWR for sysvinit and busybox, SIGTERM otherwise), or a signal "
            "name or number, such as SIGPWR, PWR, 30 or SIGRTMIN+3",
  parse_stop_signal, format_stop_signal, json_stop_signal, clear_int,
};

/* ---- enum --------------------------------------------------------------------- */

static gboolean
parse_enum (const struct mgr_key *k, const char *text, void *field, GError **error)
{
  for (int i = 0; k->choices[i]; i++)
    if (strcmp (text, k->choices[i]) == 0)
      return *(int *) field = i, TRUE;
  g_autofree char *list = g_strjoinv (", ", (char **) k->choices);
  return fail (error, "not one of %s", list);
}

static char *
format_enum (const struct mgr_key *k, const void *field)
{
  return g_strdup (k->choices[*(const int *) field]);
}

static char *
json_enum (const struct mgr_key *k, const void *field)
{
  return g_strdup_printf ("\"%s\"", k->choices[*(const int *) field]);
}

static const struct mgr_type type_enum = {
  "choice", "one of the listed words", parse_enum, format_enum, json_enum, clear_int,
};

/* ---- string lists: environment and command lines -------------------------------- */

static void
clear_strv (void *field)
{
  g_clear_pointer ((char ***) field, g_strfreev);
}

static char *
json_strv (const struct mgr_key *k, const void *field)
{
  char *const *v = *(char **const *) field;
  if (!v)
    return NULL;
  GString *out = g_string_new ("[");
  for (char *const *p = v; *p; p++)
    {
      if (p != v)
        g_string_append (out, ", ");
      mgr_json_string (out, *p);
    }
  g_string_append_c (out, ']');
  return g_string_free (out, FALSE);
}

static gboolean
parse_env (const struct mgr_key *k, const char *text, void *field, GError **error)
{
  g_auto (GStrv) items = split_list (text, ";");
  for (char **p = items; *p; p++)
    {
      const char *eq = strchr (*p, '=');
      if (!eq || eq == *p)
        return fail (error, "'%s' is not NAME=VALUE", *p);
      for (const char *c = *p; c < eq; c++)
        if (!(g_ascii_isalnum (*c) || *c == '_') || (c == *p && g_ascii_isdigit (*c)))
          return fail (error, "'%.*s' is not a valid variable name", (int) (eq - *p), *p);
    }
  clear_strv (field);
  *(char ***) field = g_steal_pointer (&items);
  return TRUE;
}

static char *
format_env (const struct mgr_key *k, const void *field)
{
  char **v = *(char **const *) field;
  return v ? g_strjoinv (";", v) : NULL;
}

static const struct mgr_type type_env = {
  "environment", "NAME=VALUE items separated by ';', such as TERM=linux;LANG=C.UTF-8", parse_env,
  format_env, json_strv, clear_strv,
};

static gboolean
parse_command (const struct mgr_key *k, const char *text, void *field, GError **error)
{
  g_auto (GStrv) argv = NULL;
  g_autoptr (GError) local = NULL;
  if (!g_shell_parse_argv (text, NULL, &argv, &local))
    return fail (error, "cannot split into words: %s", local->message);
  if (argv[0][0] != '/')
    return fail (error, "the program '%s' is not an absolute path", argv[0]);
  clear_strv (field);
  *(char ***) field = g_steal_pointer (&argv);
  return TRUE;
}

static char *
format_command (const struct mgr_key *k, const void *field)
{
  char **v = *(char **const *) field;
  if (!v)
    return NULL;
  GString *out = g_string_new (NULL);
  for (char **p = v; *p; p++)
    {
      bool plain = **p != '\0';
      for (const char *c = *p; *c && plain; c++)
        plain = g_ascii_isalnum (*c) || strchr ("/._-+=:,@%", *c);
      if (p != v)
        g_string_append_c (out, ' ');
      if (plain)
        g_string_append (out, *p);
      else
        {
          g_autofree char *q = g_shell_quote (*p);
          g_string_append (out, q);
        }
    }
  return g_string_free (out, FALSE);
}

static const struct mgr_type type_command = {
  "command", "an absolute program path and its arguments, quoted as in a shell", parse_command,
  format_command, json_strv, clear_strv,
};

/* ---- id maps ------------------------------------------------------------------ */

static void
clear_idmap (void *field)
{
  struct mgr_idmap *m = field;
  g_clear_pointer (&m->r, g_free);
  m->n = 0;
}

static gboolean
ranges_overlap (guint64 a, guint64 na, guint64 b, guint64 nb)
{
  return a < b + nb && b < a + na;
}

static gboolean
parse_idmap (const struct mgr_key *k, const char *text, void *field, GError **error)
{
  g_auto (GStrv) items = split_list (text, ",;");
  guint n = g_strv_length (items);
  if (n == 0)
    return fail (error, "no ranges");
  if (n > MGR_IDMAP_MAX)
    return fail (error, "%u ranges; the kernel accepts at most %d", n, MGR_IDMAP_MAX);
  g_autofree struct mgr_idmap_range *r = g_new0 (struct mgr_idmap_range, n);
  for (guint i = 0; i < n; i++)
    {
      g_auto (GStrv) w = g_strsplit_set (items[i], " \t", -1);
      guint64 v[3];
      int got = 0;
      for (char **p = w; *p; p++)
        {
          if (!**p)
            continue;
          if (got == 3 || !parse_u64 (*p, &v[got]))
            return fail (error, "range '%s' is not 'inside outside count'", items[i]);
          got++;
        }
      if (got != 3)
        return fail (error, "range '%s' is not 'inside outside count'", items[i]);
      if (v[2] == 0)
        return fail (error, "range '%s' has a count of 0", items[i]);
      /* Each part is checked alone first: the sums of two 64-bit values wrap. */
      if (v[0] > G_MAXUINT32 || v[1] > G_MAXUINT32 || v[2] > G_MAXUINT32
          || v[0] + v[2] > G_MAXUINT32 || v[1] + v[2] > G_MAXUINT32)
        return fail (error, "range '%s' goes past id 4294967294, the highest valid id", items[i]);
      r[i] = (struct mgr_idmap_range){ v[0], v[1], v[2] };
      for (guint j = 0; j < i; j++)
        {
          if (ranges_overlap (r[i].inside, r[i].count, r[j].inside, r[j].count))
            return fail (error, "ranges '%s' and '%s' overlap inside the container", items[j], items[i]);
          if (ranges_overlap (r[i].outside, r[i].count, r[j].outside, r[j].count))
            return fail (error, "ranges '%s' and '%s' overlap on the host", items[j], items[i]);
        }
    }
  clear_idmap (field);
  *(struct mgr_idmap *) field = (struct mgr_idmap){ n, g_steal_pointer (&r) };
  return TRUE;
}

static char *
format_idmap (const struct mgr_key *k, const void *field)
{
  const struct mgr_idmap *m = field;
  if (!m->n)
    return NULL;
  GString *out = g_string_new (NULL);
  for (guint i = 0; i < m->n; i++)
    g_string_append_printf (out, "%s%u %u %u", i ? ", " : "", m->r[i].inside, m->r[i].outside,
                            m->r[i].count);
  return g_string_free (out, FALSE);
}

static char *
json_idmap (const struct mgr_key *k, const void *field)
{
  const struct mgr_idmap *m = field;
  if (!m->n)
    return NULL;
  GString *out = g_string_new ("[");
  for (guint i = 0; i < m->n; i++)
    g_string_append_printf (out, "%s{\"inside\": %u, \"outside\": %u, \"count\": %u}", i ? ", " : "",
                            m->r[i].inside, m->r[i].outside, m->r[i].count);
  g_string_append_c (out, ']');
  return g_string_free (out, FALSE);
}

static const struct mgr_type type_idmap = {
  "id map", "ranges 'inside outside count' separated by ',', such as 0 100000 65536", parse_idmap,
  format_idmap, json_idmap, clear_idmap,
};

bool
mgr_idmap_to_host (const struct mgr_idmap *map, guint32 inside, guint32 *outside)
{
  for (guint i = 0; i < map->n; i++)
    if (inside >= map->r[i].inside && inside - map->r[i].inside < map->r[i].count)
      {
        if (outside)
          *outside = map->r[i].outside + (inside - map->r[i].inside);
        return true;
      }
  return false;
}

/* ---- addresses ---------------------------------------------------------------- */

static void
clear_addrs (void *field)
{
  struct mgr_addr_list *l = field;
  g_clear_pointer (&l->v, g_free);
  l->n = 0;
  l->automatic = false;
}

static gboolean
parse_one_addr (int family, const char *text, bool with_prefix, struct mgr_addr *a, GError **error)
{
  g_autofree char *copy = g_strdup (text);
  char *slash = strchr (copy, '/');
  guint maxp = family == AF_INET ? 32 : 128;
  const char *what = family == AF_INET ? "IPv4" : "IPv6";
  guint64 p = maxp;

  if (slash)
    {
      if (!with_prefix)
        return fail (error, "'%s': a gateway has no prefix length", text);
      *slash = '\0';
      if (!parse_u64 (slash + 1, &p) || p > maxp)
        return fail (error, "'%s': prefix length must be 0..%u", text, maxp);
    }
  else if (with_prefix)
    return fail (error, "'%s' has no prefix length (write it as %s/%u or with your subnet's)", text,
                 text, maxp == 32 ? 24 : 64);
  a->family = family;
  a->prefix = (guint) p;
  if (inet_pton (family, copy, a->addr) != 1)
    return fail (error, "'%s' is not an %s address", copy, what);
  return TRUE;
}

static gboolean
parse_addr_list (const struct mgr_key *k, const char *text, void *field, GError **error,
                 bool with_prefix)
{
  g_auto (GStrv) items = split_list (text, with_prefix ? ", " : "");
  guint n = g_strv_length (items);
  if (n == 0)
    return fail (error, "no address");
  g_autofree struct mgr_addr *v = g_new0 (struct mgr_addr, n);
  for (guint i = 0; i < n; i++)
    if (!parse_one_addr (k->arg, items[i], with_prefix, &v[i], error))
      return FALSE;
  clear_addrs (field);
  *(struct mgr_addr_list *) field = (struct mgr_addr_list){ n, g_steal_pointer (&v) };
  return TRUE;
}

static gboolean
parse_cidrs (const struct mgr_key *k, const char *text, void *field, GError **error)
{
  g_autofree char *t = g_strstrip (g_strdup (text));
  if (strcmp (t, "auto") == 0)
    {
      /* Resolved at start by mgr-net's allocator (netmgr.c). */
      clear_addrs (field);
      ((struct mgr_addr_list *) field)->automatic = true;
      return TRUE;
    }
  return parse_addr_list (k, text, field, error, true);
}

static gboolean
parse_gateway (const struct mgr_key *k, const char *text, void *field, GError **error)
{
  return parse_addr_list (k, text, field, error, false);
}

static char *
format_addr (const struct mgr_addr *a, bool with_prefix)
{
  char buf[INET6_ADDRSTRLEN];
  inet_ntop (a->family, a->addr, buf, sizeof buf);
  return with_prefix ? g_strdup_printf ("%s/%u", buf, a->prefix) : g_strdup (buf);
}

static char *
format_addrs (const struct mgr_key *k, const void *field)
{
  const struct mgr_addr_list *l = field;
  if (l->automatic)
    return g_strdup ("auto");
  if (!l->n)
    return NULL;
  bool with_prefix = k->type->parse == parse_cidrs;
  GString *out = g_string_new (NULL);
  for (guint i = 0; i < l->n; i++)
    {
      g_autofree char *s = format_addr (&l->v[i], with_prefix);
      g_string_append_printf (out, "%s%s", i ? ", " : "", s);
    }
  return g_string_free (out, FALSE);
}

static char *
json_addrs (const struct mgr_key *k, const void *field)
{
  const struct mgr_addr_list *l = field;
  if (l->automatic)
    return g_strdup ("\"auto\"");
  if (!l->n)
    return NULL;
  bool with_prefix = k->type->parse == parse_cidrs;
  GString *out = g_string_new (with_prefix ? "[" : "");
  for (guint i = 0; i < l->n; i++)
    {
      g_autofree char *s = format_addr (&l->v[i], with_prefix);
      if (i)
        g_string_append (out, ", ");
      mgr_json_string (out, s);
    }
  if (with_prefix)
    g_string_append_c (out, ']');
  return g_string_free (out, FALSE);
}

static const struct mgr_type type_cidrs = {
  "addresses", "addresses with prefix length separated by ',', such as 10.0.3.15/24, or auto", parse_cidrs,
  format_addrs, json_addrs, clear_addrs,
};

/* ---- port forwards -------------------------------------------------------------- */

static void
clear_forwards (void *field)
{
  struct mgr_forward_list *l = field;
  g_clear_pointer (&l->v, g_free);
  l->n = 0;
}

static gboolean
parse_forwards (const struct mgr_key *k, const char *text, void *field, GError **error)
{
  g_auto (GStrv) items = split_list (text, ", ");
  guint n = g_strv_length (items);
  if (n == 0)
    return fail (error, "no forward");
  g_autofree struct mgr_forward *v = g_new0 (struct mgr_forward, n);
  for (guint i = 0; i < n; i++)
    {
      g_auto (GStrv) f = g_strsplit (items[i], ":", -1);
      guint64 hp, cp;
      if (g_strv_length (f) != 3 || (strcmp (f[0], "tcp") != 0 && strcmp (f[0], "udp") != 0)
          || !parse_u64 (f[1], &hp) || !parse_u64 (f[2], &cp) || hp < 1 || hp > 65535 || cp < 1 || cp > 65535)
        return fail (error, "'%s': expected PROTO:HOSTPORT:PORT, PROTO tcp or udp, ports 1..65535", items[i]);
      v[i] = (struct mgr_forward){ strcmp (f[0], "tcp") == 0 ? IPPROTO_TCP : IPPROTO_UDP, (guint16) hp, (guint16) cp };
      for (guint j = 0; j < i; j++)
        if (v[j].proto == v[i].proto && v[j].host_port == v[i].host_port)
          return fail (error, "'%s': the host port %s:%u is forwarded twice", items[i], f[0], (guint) hp);
    }
  clear_forwards (field);
  *(struct mgr_forward_list *) field = (struct mgr_forward_list){ n, g_steal_pointer (&v) };
  return TRUE;
}

static char *
format_forwards (const struct mgr_key *k, const void *field)
{
  const struct mgr_forward_list *l = field;
  if (!l->n)
    return NULL;
  GString *out = g_string_new (NULL);
  for (guint i = 0; i < l->n; i++)
    g_string_append_printf (out, "%s%s:%u:%u", i ? ", " : "", l->v[i].proto == IPPROTO_TCP ? "tcp" : "udp",
                            l->v[i].host_port, l->v[i].port);
  return g_string_free (out, FALSE);
}

static char *
json_forwards (const struct mgr_key *k, const void *field)
{
  const struct mgr_forward_list *l = field;
  if (!l->n)
    return NULL;
  GString *out = g_string_new ("[");
  for (guint i = 0; i < l->n; i++)
    g_string_append_printf (out, "%s{\"proto\": \"%s\", \"host_port\": %u, \"port\": %u}", i ? ", " : "",
                            l->v[i].proto == IPPROTO_TCP ? "tcp" : "udp", l->v[i].host_port, l->v[i].port);
  g_string_append_c (out, ']');
  return g_string_free (out, FALSE);
}

static const struct mgr_type type_forwards = {
  "forwards", "PROTO:HOSTPORT:PORT separated by ',', such as tcp:8080:80, udp:5353:53", parse_forwards,
  format_forwards, json_forwards, clear_forwards,
};

static const struct mgr_type type_gateway = {
  "address", "one address without prefix length, such as 10.0.3.1", parse_gateway, format_addrs,
  json_addrs, clear_addrs,
};

static gboolean
parse_hwaddr (const struct mgr_key *k, const char *text, void *field, GError **error)
{
  g_auto (GStrv) octets = g_strsplit (text, ":", -1);
  if (g_strv_length (octets) != 6)
    return fail (error, "not six octets separated by ':'");
  for (int i = 0; i < 6; i++)
    {
      if (strlen (octets[i]) != 2)
        return fail (error, "octet '%s' is not two hex digits", octets[i]);
      for (int j = 0; j < 2; j++)
        if (!g_ascii_isxdigit (octets[i][j]) && g_ascii_tolower (octets[i][j]) != 'x')
          return fail (error, "octet '%s' is not two hex digits (or x for random)", octets[i]);
    }
  char c = g_ascii_tolower (octets[0][1]);
  if (c != 'x' && (g_ascii_xdigit_value (c) & 1))
    return fail (error, "the first octet has the multicast bit set");
  clear_str (field);
  *(char **) field = g_ascii_strdown (text, -1);
  return TRUE;
}

static const struct mgr_type type_hwaddr = {
  "MAC address", "six hex octets separated by ':', x for a random digit, such as 00:16:3e:xx:xx:xx",
  parse_hwaddr, format_str, json_str, clear_str,
};

static gboolean
parse_ifname (const struct mgr_key *k, const char *text, void *field, GError **error)
{
  if (!*text || strlen (text) > 15)
    return fail (error, "an interface name has 1 to 15 characters");
  for (const char *c = text; *c; c++)
    if (*c == '/' || *c == ':' || g_ascii_isspace (*c) || !g_ascii_isprint (*c))
      return fail (error, "'%c' is not allowed in an interface name", *c);
  if (strcmp (text, ".") == 0 || strcmp (text, "..") == 0)
    return fail (error, "not a valid interface name");
  return parse_string (k, text, field, error);
}

static const struct mgr_type type_ifname = {
  "interface name", "1 to 15 characters, no '/', ':' or white space", parse_ifname, format_str,
  json_str, clear_str,
};

/* ---- capabilities ------------------------------------------------------------- */

gboolean
mgr_caps_parse (const char *text, guint64 *mask, GError **error)
{
  g_auto (GStrv) names = split_list (text, " ,\t");
  guint64 m = 0;
  if (names[0] && !names[1] && g_ascii_strcasecmp (names[0], "none") == 0)
    return *mask = 0, TRUE;
  if (!names[0])
    return fail (error, "no capability named (write none for an empty set)");
  for (char **p = names; *p; p++)
    {
      g_autofree char *lower = g_ascii_strdown (*p, -1);
      g_autofree char *full = g_str_has_prefix (lower, "cap_") ? g_strdup (lower)
                                                               : g_strconcat ("cap_", lower, NULL);
      cap_value_t cap;
      if (cap_from_name (full, &cap) != 0 || cap < 0 || cap > 63 || g_ascii_isdigit (lower[0]))
        return fail (error, "'%s' is not a capability (see capabilities(7))", *p);
      m |= G_GUINT64_CONSTANT (1) << cap;
    }
  *mask = m;
  return TRUE;
}

char *
mgr_caps_format (guint64 mask)
{
  if (!mask)
    return g_strdup ("none");
  GString *out = g_string_new (NULL);
  for (int c = 0; c < 64; c++)
    if (mask & (G_GUINT64_CONSTANT (1) << c))
      {
        char *name = cap_to_name (c);
        g_string_append_printf (out, "%s%s", out->len ? " " : "",
                                g_str_has_prefix (name, "cap_") ? name + 4 : name);
        cap_free (name);
      }
  return g_string_free (out, FALSE);
}

static gboolean
parse_caps (const struct mgr_key *k, const char *text, void *field, GError **error)
{
  struct mgr_caps *c = field;
  if (!mgr_caps_parse (text, &c->mask, error))
    return FALSE;
  c->set = true;
  return TRUE;
}

static char *
format_caps (const struct mgr_key *k, const void *field)
{
  const struct mgr_caps *c = field;
  return c->set ? mgr_caps_format (c->mask) : NULL;
}

static char *
json_caps (const struct mgr_key *k, const void *field)
{
  const struct mgr_caps *c = field;
  if (!c->set)
    return NULL;
  g_autofree char *text = mgr_caps_format (c->mask);
  g_auto (GStrv) names = c->mask ? g_strsplit (text, " ", -1) : g_new0 (char *, 1);
  char *argv = (char *) names;
  return json_strv (k, &argv);
}

static void
clear_caps (void *field)
{
  *(struct mgr_caps *) field = (struct mgr_caps){ 0 };
}

static const struct mgr_type type_caps = {
  "capabilities", "capability names as in capabilities(7), with or without cap_, or none",
  parse_caps, format_caps, json_caps, clear_caps,
};

/* ---- cgroup values ------------------------------------------------------------ */

static gboolean
parse_cpu_max (const struct mgr_key *k, const char *text, void *field, GError **error)
{
  g_auto (GStrv) w = split_list (text, " \t");
  guint n = g_strv_length (w);
  guint64 quota, period = 100000;
  if (n < 1 || n > 2)
    return fail (error, "not 'QUOTA [PERIOD]'");
  if (strcmp (w[0], "max") == 0)
    quota = MGR_UNLIMITED;
  else if (!parse_u64 (w[0], &quota) || quota < 1000)
    return fail (error, "quota '%s' is not max or a number of microseconds >= 1000", w[0]);
  if (n == 2 && (!parse_u64 (w[1], &period) || period < 1000 || period > 1000000))
    return fail (error, "period '%s' is not 1000..1000000 microseconds", w[1]);
  *(struct mgr_cpu_max *) field = (struct mgr_cpu_max){ true, quota, period };
  return TRUE;
}

static char *
format_cpu_max (const struct mgr_key *k, const void *field)
{
  const struct mgr_cpu_max *c = field;
  if (!c->set)
    return NULL;
  if (c->quota == MGR_UNLIMITED)
    return g_strdup_printf ("max %" G_GUINT64_FORMAT, c->period);
  return g_strdup_printf ("%" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT, c->quota, c->period);
}

static char *
json_cpu_max (const struct mgr_key *k, const void *field)
{
  const struct mgr_cpu_max *c = field;
  if (!c->set)
    return NULL;
  if (c->quota == MGR_UNLIMITED)
    return g_strdup_printf ("{\"quota\": \"max\", \"period\": %" G_GUINT64_FORMAT "}", c->period);
  return g_strdup_printf ("{\"quota\": %" G_GUINT64_FORMAT ", \"period\": %" G_GUINT64_FORMAT "}",
                          c->quota, c->period);
}

static void
clear_cpu_max (void *field)
{
  *(struct mgr_cpu_max *) field = (struct mgr_cpu_max){ 0 };
}

static const struct mgr_type type_cpu_max = {
  "cpu quota", "QUOTA [PERIOD] in microseconds, QUOTA may be max; the period defaults to 100000",
  parse_cpu_max, format_cpu_max, json_cpu_max, clear_cpu_max,
};

#define CPUSET_MAX 8192

static gboolean
parse_cpuset (const struct mgr_key *k, const char *text, void *field, GError **error)
{
  g_autofree guint8 *bits = g_new0 (guint8, CPUSET_MAX);
  g_auto (GStrv) items = split_list (text, ",");
  if (!items[0])
    return fail (error, "empty list");
  for (char **p = items; *p; p++)
    {
      g_auto (GStrv) ends = g_strsplit (*p, "-", 2);
      guint64 lo, hi;
      if (!parse_u64 (ends[0], &lo) || (ends[1] && !parse_u64 (ends[1], &hi)))
        return fail (error, "'%s' is not N or N-M", *p);
      if (!ends[1])
        hi = lo;
      if (lo > hi || hi >= CPUSET_MAX)
        return fail (error, "'%s' is not a valid range", *p);
      for (guint64 i = lo; i <= hi; i++)
        bits[i] = 1;
    }
  GString *out = g_string_new (NULL);
  for (int i = 0; i < CPUSET_MAX; i++)
    {
      if (!bits[i])
        continue;
      int j = i;
      while (j + 1 < CPUSET_MAX && bits[j + 1])
        j++;
      if (out->len)
        g_string_append_c (out, ',');
      if (j == i)
        g_string_append_printf (out, "%d", i);
      else
        g_string_append_printf (out, "%d-%d", i, j);
      i = j;
    }
  clear_str (field);
  *(char **) field = g_string_free (out, FALSE);
  return TRUE;
}

static const struct mgr_type type_cpuset = {
  "cpu list", "numbers and ranges separated by ',', such as 0-3,6", parse_cpuset, format_str,
  json_str, clear_str,
};

static gboolean
parse_devnum (const char *s, gint64 *v)
{
  guint64 u;
  if (strcmp (s, "*") == 0)
    return *v = -1, TRUE;
  if (!parse_u64 (s, &u) || u > 0xfffff)
    return FALSE;
  *v = (gint64) u;
  return TRUE;
}

static void
clear_devs (void *field)
{
  struct mgr_dev_rules *d = field;
  g_free (d->v);
  *d = (struct mgr_dev_rules){ 0 };
}

static gboolean
parse_devices (const struct mgr_key *k, const char *text, void *field, GError **error)
{
  g_auto (GStrv) items = split_list (text, ",");
  guint n = g_strv_length (items);
  g_autofree struct mgr_dev_rule *v = g_new0 (struct mgr_dev_rule, n ? n : 1);
  if (n == 1 && strcmp (items[0], "none") == 0)
    n = 0;
  for (guint i = 0; i < n; i++)
    {
      g_auto (GStrv) w = split_list (items[i], " \t");
      struct mgr_dev_rule *r = &v[i];
      guint nw = g_strv_length (w);
      if (nw == 1 && strcmp (w[0], "a") == 0)
        {
          *r = (struct mgr_dev_rule){ 'a', -1, -1, "rwm" };
          continue;
        }
      if (nw != 3 || strlen (w[0]) != 1 || !strchr ("abc", w[0][0]))
        return fail (error, "rule '%s' is not 'TYPE MAJOR:MINOR ACCESS'", items[i]);
      g_auto (GStrv) mm = g_strsplit (w[1], ":", 2);
      if (!mm[1] || !parse_devnum (mm[0], &r->major) || !parse_devnum (mm[1], &r->minor))
        return fail (error, "'%s' is not MAJOR:MINOR (numbers or *)", w[1]);
      r->type = w[0][0];
      int na = 0;
      for (const char *c = "rwm"; *c; c++)
        if (strchr (w[2], *c))
          r->access[na++] = *c;
      if (na == 0 || strlen (w[2]) != (size_t) na)
        return fail (error, "access '%s' is not made of r, w and m", w[2]);
    }
  clear_devs (field);
  *(struct mgr_dev_rules *) field = (struct mgr_dev_rules){ true, n, g_steal_pointer (&v) };
  return TRUE;
}

static char *
format_dev_rule (const struct mgr_dev_rule *r)
{
  if (r->type == 'a' && r->major < 0 && r->minor < 0 && strcmp (r->access, "rwm") == 0)
    return g_strdup ("a");
  g_autofree char *ma = r->major < 0 ? g_strdup ("*") : g_strdup_printf ("%" G_GINT64_FORMAT, r->major);
  g_autofree char *mi = r->minor < 0 ? g_strdup ("*") : g_strdup_printf ("%" G_GINT64_FORMAT, r->minor);
  return g_strdup_printf ("%c %s:%s %s", r->type, ma, mi, r->access);
}

static char *
format_devices (const struct mgr_key *k, const void *field)
{
  const struct mgr_dev_rules *d = field;
  if (!d->set)
    return NULL;
  if (!d->n)
    return g_strdup ("none");
  GString *out = g_string_new (NULL);
  for (guint i = 0; i < d->n; i++)
    {
      g_autofree char *s = format_dev_rule (&d->v[i]);
      g_string_append_printf (out, "%s%s", i ? ", " : "", s);
    }
  return g_string_free (out, FALSE);
}

static char *
json_devices (const struct mgr_key *k, const void *field)
{
  const struct mgr_dev_rules *d = field;
  if (!d->set)
    return NULL;
  GString *out = g_string_new ("[");
  for (guint i = 0; i < d->n; i++)
    {
      g_autofree char *s = format_dev_rule (&d->v[i]);
      if (i)
        g_string_append (out, ", ");
      mgr_json_string (out, s);
    }
  g_string_append_c (out, ']');
  return g_string_free (out, FALSE);
}

static const struct mgr_type type_devices = {
  "device rules", "rules 'TYPE MAJOR:MINOR ACCESS' separated by ',' (TYPE a, b or c; * for any number; ACCESS of r, w, m), such as c 1:3 rwm, or none",
  parse_devices, format_devices, json_devices, clear_devs,
};

static const char *const io_keys[] = { "rbps", "wbps", "riops", "wiops", NULL };

static void
clear_io (void *field)
{
  struct mgr_io_limits *l = field;
  g_clear_pointer (&l->v, g_free);
  l->n = 0;
}

static gboolean
parse_io_max (const struct mgr_key *k, const char *text, void *field, GError **error)
{
  g_auto (GStrv) items = split_list (text, ",");
  guint n = g_strv_length (items);
  if (!n)
    return fail (error, "empty list");
  g_autofree struct mgr_io_limit *v = g_new0 (struct mgr_io_limit, n);
  for (guint i = 0; i < n; i++)
    {
      g_auto (GStrv) w = split_list (items[i], " \t");
      guint64 ma, mi;
      g_auto (GStrv) mm = g_strsplit (w[0], ":", 2);
      if (!mm[1] || !parse_u64 (mm[0], &ma) || !parse_u64 (mm[1], &mi) || ma > 0xfffff || mi > 0xfffff)
        return fail (error, "'%s' does not start with a device MAJOR:MINOR", items[i]);
      if (!w[1])
        return fail (error, "'%s' limits nothing; add rbps=, wbps=, riops= or wiops=", items[i]);
      struct mgr_io_limit *l = &v[i];
      *l = (struct mgr_io_limit){ ma, mi, MGR_UNLIMITED, MGR_UNLIMITED, MGR_UNLIMITED, MGR_UNLIMITED };
      guint64 *slots[] = { &l->rbps, &l->wbps, &l->riops, &l->wiops };
      for (char **p = w + 1; *p; p++)
        {
          g_auto (GStrv) kv = g_strsplit (*p, "=", 2);
          int which = -1;
          for (int j = 0; io_keys[j]; j++)
            if (strcmp (kv[0], io_keys[j]) == 0)
              which = j;
          if (which < 0 || !kv[1])
            return fail (error, "'%s' is not rbps=, wbps=, riops= or wiops=", *p);
          if (strcmp (kv[1], "max") == 0)
            *slots[which] = MGR_UNLIMITED;
          else if (which < 2 ? !mgr_parse_size (kv[1], slots[which], NULL) : !parse_u64 (kv[1], slots[which]))
            return fail (error, "'%s' is not a number or max", *p);
        }
    }
  clear_io (field);
  *(struct mgr_io_limits *) field = (struct mgr_io_limits){ n, g_steal_pointer (&v) };
  return TRUE;
}

static char *
format_io_one (const struct mgr_io_limit *l)
{
  GString *out = g_string_new (NULL);
  const guint64 vals[] = { l->rbps, l->wbps, l->riops, l->wiops };
  g_string_append_printf (out, "%u:%u", l->major, l->minor);
  for (int j = 0; io_keys[j]; j++)
    if (vals[j] != MGR_UNLIMITED)
      g_string_append_printf (out, " %s=%" G_GUINT64_FORMAT, io_keys[j], vals[j]);
  return g_string_free (out, FALSE);
}

static char *
format_io_max (const struct mgr_key *k, const void *field)
{
  const struct mgr_io_limits *l = field;
  if (!l->n)
    return NULL;
  GString *out = g_string_new (NULL);
  for (guint i = 0; i < l->n; i++)
    {
      g_autofree char *s = format_io_one (&l->v[i]);
      g_string_append_printf (out, "%s%s", i ? ", " : "", s);
    }
  return g_string_free (out, FALSE);
}

static char *
json_io_max (const struct mgr_key *k, const void *field)
{
  g_autofree char *s = format_io_max (k, field);
  char *v = s;
  return s ? json_str (k, &v) : NULL;
}

static const struct mgr_type type_io_max = {
  "io limits", "'MAJOR:MINOR rbps=N wbps=N riops=N wiops=N' per device, separated by ','",
  parse_io_max, format_io_max, json_io_max, clear_io,
};

/* ---- limits ------------------------------------------------------------------- */

static gboolean
parse_rlim_value (const char *s, guint64 *v)
{
  if (strcmp (s, "unlimited") == 0 || strcmp (s, "infinity") == 0)
    return *v = MGR_UNLIMITED, TRUE;
  return parse_u64 (s, v) && *v != MGR_UNLIMITED;
}

static gboolean
parse_rlimit (const struct mgr_key *k, const char *text, void *field, GError **error)
{
  /* g_strsplit ("") returns no parts at all: parts[0] is NULL. */
  g_auto (GStrv) parts = g_strsplit (text, ":", 2);
  struct mgr_rlimit r = { .set = true };
  if (!parts[0])
    return fail (error, "empty value");
  g_strstrip (parts[0]);
  if (parts[1])
    g_strstrip (parts[1]);
  if (!parse_rlim_value (parts[0], &r.soft) || (parts[1] && !parse_rlim_value (parts[1], &r.hard)))
    return fail (error, "not N, unlimited, or SOFT:HARD");
  if (!parts[1])
    r.hard = r.soft;
  if (r.soft > r.hard)
    return fail (error, "the soft limit is above the hard limit");
  *(struct mgr_rlimit *) field = r;
  return TRUE;
}

static char *
rlim_text (guint64 v)
{
  return v == MGR_UNLIMITED ? g_strdup ("unlimited") : g_strdup_printf ("%" G_GUINT64_FORMAT, v);
}

static char *
format_rlimit (const struct mgr_key *k, const void *field)
{
  const struct mgr_rlimit *r = field;
  if (!r->set)
    return NULL;
  g_autofree char *s = rlim_text (r->soft), *h = rlim_text (r->hard);
  return r->soft == r->hard ? g_steal_pointer (&s) : g_strdup_printf ("%s:%s", s, h);
}

static char *
json_rlimit (const struct mgr_key *k, const void *field)
{
  const struct mgr_rlimit *r = field;
  if (!r->set)
    return NULL;
  g_autofree char *s = r->soft == MGR_UNLIMITED ? g_strdup ("\"unlimited\"") : rlim_text (r->soft);
  g_autofree char *h = r->hard == MGR_UNLIMITED ? g_strdup ("\"unlimited\"") : rlim_text (r->hard);
  return g_strdup_printf ("{\"soft\": %s, \"hard\": %s}", s, h);
}

static void
clear_rlimit (void *field)
{
  *(struct mgr_rlimit *) field = (struct mgr_rlimit){ 0 };
}

static const struct mgr_type type_rlimit = {
  "limit", "N, unlimited, or SOFT:HARD", parse_rlimit, format_rlimit, json_rlimit, clear_rlimit,
};

/* ---- mount options ------------------------------------------------------------ */

static void
clear_mount_opts (void *field)
{
  struct mgr_mount_opts *o = field;
  g_free (o->data);
  g_free (o->text);
  *o = (struct mgr_mount_opts){ 0 };
}

static gboolean
parse_mount_opts (const struct mgr_key *k, const char *text, void *field, GError **error)
{
  static const struct { const char *name; unsigned long set, clear; } flags[] = {
    { "ro", MS_RDONLY, 0 },         { "rw", 0, MS_RDONLY },
    { "nosuid", MS_NOSUID, 0 },     { "suid", 0, MS_NOSUID },
    { "nodev", MS_NODEV, 0 },       { "dev", 0, MS_NODEV },
    { "noexec", MS_NOEXEC, 0 },     { "exec", 0, MS_NOEXEC },
    { "noatime", MS_NOATIME, 0 },   { "nodiratime", MS_NODIRATIME, 0 },
    { "relatime", MS_RELATIME, 0 }, { "strictatime", MS_STRICTATIME, 0 },
  };
  static const struct { const char *name; unsigned long prop; bool rec; } props[] = {
    { "private", MS_PRIVATE, false },       { "rprivate", MS_PRIVATE, true },
    { "slave", MS_SLAVE, false },           { "rslave", MS_SLAVE, true },
    { "shared", MS_SHARED, false },         { "rshared", MS_SHARED, true },
    { "unbindable", MS_UNBINDABLE, false }, { "runbindable", MS_UNBINDABLE, true },
  };
  g_auto (GStrv) items = split_list (text, ",");
  struct mgr_mount_opts o = { .set = true };
  g_autoptr (GString) data = g_string_new (NULL);

  for (char **p = items; *p; p++)
    {
      const char *w = *p;
      bool known = false;
      for (size_t i = 0; i < G_N_ELEMENTS (flags) && !known; i++)
        if (strcmp (w, flags[i].name) == 0)
          {
            o.flags = (o.flags & ~flags[i].clear) | flags[i].set;
            o.clear = (o.clear & ~flags[i].set) | flags[i].clear;
            known = true;
          }
      for (size_t i = 0; i < G_N_ELEMENTS (props) && !known; i++)
        if (strcmp (w, props[i].name) == 0)
          {
            o.propagation = props[i].prop | (props[i].rec ? MS_REC : 0);
            known = true;
          }
      if (known)
        continue;
      if (strcmp (w, "bind") == 0 || strcmp (w, "rbind") == 0)
        o.bind = true, o.recursive = w[0] == 'r';
      else if (strcmp (w, "optional") == 0)
        o.optional = true;
      else if (strcmp (w, "create=dir") == 0)
        o.create = MGR_CREATE_DIR;
      else if (strcmp (w, "create=file") == 0)
        o.create = MGR_CREATE_FILE;
      else if (g_str_has_prefix (w, "create="))
        return fail (error, "'%s': create= takes dir or file", w);
      else if (strcmp (w, "defaults") == 0)
        ;
      else
        {
          for (const char *c = w; *c; c++)
            if (!g_ascii_isalnum (*c) && !strchr ("=_-.:/+@", *c))
              return fail (error, "'%s' is not a mount option", w);
          g_string_append_printf (data, "%s%s", data->len ? "," : "", w);
        }
    }
  if (o.bind && data->len)
    return fail (error, "'%s' is a filesystem option, and bind mounts take none", data->str);
  clear_mount_opts (field);
  o.data = data->len ? g_strdup (data->str) : NULL;
  o.text = g_strjoinv (",", items);
  *(struct mgr_mount_opts *) field = o;
  return TRUE;
}

static char *
format_mount_opts (const struct mgr_key *k, const void *field)
{
  const struct mgr_mount_opts *o = field;
  return o->set ? g_strdup (o->text) : NULL;
}

static char *
json_mount_opts (const struct mgr_key *k, const void *field)
{
  const struct mgr_mount_opts *o = field;
  if (!o->set)
    return NULL;
  g_auto (GStrv) items = g_strsplit (o->text, ",", -1);
  char *v = (char *) items;
  return json_strv (k, &v);
}

static const struct mgr_type type_mount_opts = {
  "mount options", "options separated by ',': bind, rbind, ro, rw, nosuid, nodev, noexec, propagation (rprivate, rslave, ...), create=dir|file, optional, and the filesystem's own options",
  parse_mount_opts, format_mount_opts, json_mount_opts, clear_mount_opts,
};

/* ---- seccomp profile ---------------------------------------------------------- */

static gboolean
parse_seccomp (const struct mgr_key *k, const char *text, void *field, GError **error)
{
  struct mgr_seccomp *s = field;
  struct mgr_seccomp n = { .set = true };
  if (strcmp (text, "default") == 0)
    n.kind = MGR_SECCOMP_DEFAULT;
  else if (strcmp (text, "unconfined") == 0)
    n.kind = MGR_SECCOMP_UNCONFINED;
  else if (text[0] == '/')
    n.kind = MGR_SECCOMP_FILE, n.path = g_strdup (text);
  else
    return fail (error, "not default, unconfined or an absolute path to a profile");
  g_free (s->path);
  *s = n;
  return TRUE;
}

static char *
format_seccomp (const struct mgr_key *k, const void *field)
{
  const struct mgr_seccomp *s = field;
  if (!s->set)
    return NULL;
  return g_strdup (s->kind == MGR_SECCOMP_FILE ? s->path
                   : s->kind == MGR_SECCOMP_DEFAULT ? "default" : "unconfined");
}

static char *
json_seccomp (const struct mgr_key *k, const void *field)
{
  g_autofree char *s = format_seccomp (k, field);
  char *v = s;
  return s ? json_str (k, &v) : NULL;
}

static void
clear_seccomp (void *field)
{
  struct mgr_seccomp *s = field;
  g_free (s->path);
  *s = (struct mgr_seccomp){ 0 };
}

static const struct mgr_type type_seccomp = {
  "seccomp profile", "default, unconfined, or the absolute path of a profile file",
  parse_seccomp, format_seccomp, json_seccomp, clear_seccomp,
};

/* ---- the table ---------------------------------------------------------------- */

static const char *const net_types[] = { "veth", "macvlan", "phys", "empty", "none", NULL };
static const char *const macvlan_modes[] = { "bridge", "private", "vepa", "passthru", NULL };

#define ROW(S, T, K, TY, F, D, E, H, ...)                                                     \
  { .section = S, .key = K, .type = &TY, .offset = offsetof (T, F), .def = D, .example = E,   \
    .help = H, __VA_ARGS__ }
#define CONT(...) ROW (MGR_SEC_CONTAINER, struct mgr_container_settings, __VA_ARGS__)
#define IDMAP(...) ROW (MGR_SEC_ID_MAP, struct mgr_idmap_settings, __VA_ARGS__)
#define NET(...) ROW (MGR_SEC_NETWORK, struct mgr_net, __VA_ARGS__)
#define CG(...) ROW (MGR_SEC_CGROUP, struct mgr_cgroup_settings, __VA_ARGS__)
#define CAPS(...) ROW (MGR_SEC_CAPABILITIES, struct mgr_caps_settings, __VA_ARGS__)
#define MNT(...) ROW (MGR_SEC_MOUNT, struct mgr_mount, __VA_ARGS__)
#define HOOK(K, F, WHEN) ROW (MGR_SEC_HOOKS, struct mgr_hooks, K, type_command, F, NULL, "/usr/share/mgr/hooks/example --verbose", WHEN)
#define LIMIT(K, RES, H) ROW (MGR_SEC_LIMITS, struct mgr_limits, K, type_rlimit, r[RES], NULL, "1024:4096", H, .arg = RES, .image = MGR_IMAGE_LIMIT)

/* The default drop list: what lets root in a container reach the host's
 * kernel, clock, audit and security modules. sys_boot stays: with a pid
 * namespace reboot only ends the container. */
#define DEFAULT_DROP "sys_module sys_rawio sys_pacct sys_time audit_control mac_override mac_admin syslog wake_alarm"

const struct mgr_key mgr_keys[] = {
  CONT ("rootfs", type_path, rootfs, "rootfs", "/srv/web/rootfs",
        "the root filesystem, relative to the container's folder or absolute"),
  CONT ("hostname", type_hostname, hostname, NULL, "web",
        "the container's hostname; the container's name when unset", .image = MGR_IMAGE_TAKEN),
  CONT ("init", type_command, init, "/sbin/init", "/sbin/init --log-level=info",
        "the first process, with its arguments", .image = MGR_IMAGE_TAKEN),
  CONT ("cwd", type_abspath, cwd, "/", "/root", "init's working directory inside the container", .image = MGR_IMAGE_TAKEN),
  CONT ("uid", type_uint, uid, "0", "1000", "the user id init runs as, inside the container",
        .min = 0, .max = G_MAXUINT32 - 1, .image = MGR_IMAGE_TAKEN),
  CONT ("gid", type_uint, gid, "0", "1000", "the group id init runs as, inside the container",
        .min = 0, .max = G_MAXUINT32 - 1, .image = MGR_IMAGE_TAKEN),
  CONT ("environment", type_env, environment, NULL, "TERM=linux;LANG=C.UTF-8",
        "environment variables for init, besides container=mgr", .image = MGR_IMAGE_TAKEN),
  CONT ("stop.signal", type_stop_signal, stop_signal, "auto", "SIGRTMIN+3",
        "the signal that asks init to shut down", .image = MGR_IMAGE_TAKEN),
  CONT ("stop.timeout", type_duration, stop_timeout, "30s", "10s",
        "how long to wait after stop.signal before killing every process", .image = MGR_IMAGE_TAKEN),
  CONT ("autostart", type_bool, autostart, "false", "true", "start the container at boot"),
  CONT ("autostart.delay", type_duration, autostart_delay, "0s", "5s",
        "wait this long after autostarting the container before the next one"),
  CONT ("tty.count", type_uint, tty_count, "0", "4", "how many /dev/ttyN (ptys the monitor keeps; mgr-console -t N) the container gets",
        .min = 0, .max = 64, .image = MGR_IMAGE_TAKEN),
  CONT ("console.log", type_path, console_log, NULL, "console.log",
        "a file that records the console, relative to the container's folder or absolute"),
  CONT ("console.buffer", type_size, console_buffer, "128K", "1M",
        "the console history kept for mgr-console", .min = 4096, .max = 64 << 20),
  CONT ("nesting", type_bool, nesting, "false", "true",
        "user-namespaced containers only: leave /proc, /sys and their masks and read-only mounts unlocked (made in "
        "the container's own user namespace) so that root inside can mount a procfs and sysfs of its own, as nested "
        "containers must; it can then also remount /proc/sys and /sys read-write and unmount the masks (the files "
        "behind them stay the host's). When false they are locked: no remount, no unmount, no second procfs or sysfs"),

  IDMAP ("uid", type_idmap, uid, NULL, "0 100000 65536",
         "user id ranges 'inside outside count'; container root should be one of them"),
  IDMAP ("gid", type_idmap, gid, NULL, "0 100000 65536", "group id ranges 'inside outside count'"),
  IDMAP ("shared", type_bool, shared, "false", "true",
         "this container shares host ids with others knowingly (mgr-create --shared-ids); without it mgr-start refuses "
         "a map that overlaps another container's, naming it"),

  NET ("type", type_enum, type, "veth", "macvlan",
       "veth (a pair onto a bridge), macvlan, phys (move a host device), empty (lo only), none (share the host's network)",
       .choices = net_types),
  NET ("link", type_ifname, link, NULL, "mgrbr0",
       "the host bridge (veth), parent device (macvlan) or device to move (phys)"),
  NET ("hwaddr", type_hwaddr, hwaddr, NULL, "00:16:3e:xx:xx:xx",
       "the MAC address; each x is replaced by a random hex digit at start"),
  NET ("mtu", type_uint, mtu, NULL, "1500", "the interface's MTU", .min = 68, .max = 65535),
  NET ("ipv4", type_cidrs, ipv4, NULL, "10.0.3.15/24",
       "IPv4 addresses with prefix length; auto: a stable free address on mgr-net's managed bridge, its "
       "gateway, and /etc/resolv.conf naming dnsmasq",
       .arg = AF_INET),
  NET ("ipv4.gateway", type_gateway, ipv4_gateway, NULL, "10.0.3.1", "the IPv4 default route",
       .arg = AF_INET),
  NET ("ipv6", type_cidrs, ipv6, NULL, "fd00:3::15/64",
       "IPv6 addresses with prefix length; auto: a stable address in mgr-net's /64",
       .arg = AF_INET6),
  NET ("ipv6.gateway", type_gateway, ipv6_gateway, NULL, "fd00:3::1", "the IPv6 default route",
       .arg = AF_INET6),
  NET ("up", type_bool, up, "true", "false", "bring the interface up at start"),
  NET ("macvlan.mode", type_enum, macvlan_mode, "bridge", "private", "the macvlan mode",
       .choices = macvlan_modes),
  NET ("veth.host", type_ifname, veth_host, NULL, "vethweb0",
       "the host-side name of the veth pair; generated when unset"),
  NET ("forward", type_forwards, forward, NULL, "tcp:8080:80, udp:5353:53",
       "ports of the host forwarded to this interface's automatic IPv4 and IPv6 addresses (mgr-net's table inet mgr)"),

  CG ("memory.max", type_size_or_max, memory_max, NULL, "256M", "hard memory limit", .image = MGR_IMAGE_LIMIT),
  CG ("memory.high", type_size_or_max, memory_high, NULL, "192M",
      "memory use above which the container is throttled and reclaimed", .image = MGR_IMAGE_LIMIT),
  CG ("memory.swap.max", type_size_or_max, memory_swap_max, NULL, "512M", "swap limit", .image = MGR_IMAGE_LIMIT),
  CG ("cpu.max", type_cpu_max, cpu_max, NULL, "50000 100000",
      "CPU time per period in microseconds: 50000 100000 is half a CPU", .image = MGR_IMAGE_LIMIT),
  CG ("cpu.weight", type_uint, cpu_weight, NULL, "100", "relative CPU share, 1..10000 (100 is normal)",
      .min = 1, .max = 10000),
  CG ("cpuset.cpus", type_cpuset, cpuset_cpus, NULL, "0-1", "the CPUs the container may run on", .image = MGR_IMAGE_LIMIT),
  CG ("cpuset.mems", type_cpuset, cpuset_mems, NULL, "0", "the memory nodes the container may use", .image = MGR_IMAGE_LIMIT),
  CG ("pids.max", type_uint_or_max, pids_max, NULL, "512", "the most tasks the container may have",
      .min = 1, .max = G_MAXINT32, .image = MGR_IMAGE_LIMIT),
  CG ("io.weight", type_uint, io_weight, NULL, "100", "relative IO share, 1..10000 (100 is normal)",
      .min = 1, .max = 10000),
  CG ("io.max", type_io_max, io_max, NULL, "8:0 rbps=1048576 wiops=100", "per-device IO limits", .image = MGR_IMAGE_LIMIT),
  CG ("devices.allow", type_devices, devices_allow,
      "c 1:3 rwm, c 1:5 rwm, c 1:7 rwm, c 1:8 rwm, c 1:9 rwm, c 5:0 rwm, c 5:1 rwm, c 5:2 rwm, c 136:* rwm, c 10:229 rwm",
      "c 1:3 rwm, c 136:* rw",
      "the devices the container may open or create; everything else is denied"),
  CG ("devices.deny", type_devices, devices_deny, NULL, "c 10:229 rwm",
      "devices denied even when devices.allow lets them in", .image = MGR_IMAGE_LIMIT),
  CG ("optional", type_string, optional, NULL, "memory.swap.max io.weight",
      "keys of [cgroup] to skip on a host that cannot honour them, instead of failing the start"),

  CAPS ("drop", type_caps, drop, DEFAULT_DROP, "sys_module sys_time",
        "capabilities taken away; the rest are kept (not with keep)", .image = MGR_IMAGE_LIMIT),
  CAPS ("keep", type_caps, keep, NULL, "chown kill setgid setuid",
        "the only capabilities kept (not with drop)"),
  CAPS ("no_new_privs", type_bool, no_new_privs, "false", "true",
        "set no_new_privs for init and attached processes: no setuid binary or file capability can raise privileges inside (breaks su and sudo)"),

  ROW (MGR_SEC_SECCOMP, struct mgr_seccomp, "profile", type_seccomp, set, "default", "unconfined",
       "the system call filter: default, unconfined or a profile file"),

  MNT ("source", type_path, source, NULL, "/srv/data",
       "what to mount: a host path for bind mounts, else the filesystem's source"),
  MNT ("target", type_abspath, target, NULL, "/data", "where, inside the container"),
  MNT ("type", type_string, type, NULL, "tmpfs", "the filesystem type; unset for bind mounts"),
  MNT ("options", type_mount_opts, options, NULL, "bind,ro,create=dir",
       "mount options, including create=dir|file (make the target) and optional (skip a missing source)"),

  HOOK ("pre-start", pre_start, "runs on the host before the container's namespaces exist"),
  HOOK ("pre-mount", pre_mount, "runs in the container's mount namespace before its mounts"),
  HOOK ("mount", mount, "runs in the container's mount namespace after its mounts, before pivot_root"),
  HOOK ("start", start, "runs inside the container just before init"),
  HOOK ("stop", stop, "runs on the host when the container is asked to stop"),
  HOOK ("post-stop", post_stop, "runs on the host after the container has stopped"),

  LIMIT ("as", RLIMIT_AS, "address space size in bytes"),
  LIMIT ("core", RLIMIT_CORE, "core file size in bytes"),
  LIMIT ("cpu", RLIMIT_CPU, "CPU time in seconds"),
  LIMIT ("data", RLIMIT_DATA, "data segment size in bytes"),
  LIMIT ("fsize", RLIMIT_FSIZE, "file size in bytes"),
  LIMIT ("locks", RLIMIT_LOCKS, "file locks"),
  LIMIT ("memlock", RLIMIT_MEMLOCK, "locked memory in bytes"),
  LIMIT ("msgqueue", RLIMIT_MSGQUEUE, "POSIX message queue bytes"),
  LIMIT ("nice", RLIMIT_NICE, "ceiling of the nice value, as 20 - nice"),
  LIMIT ("nofile", RLIMIT_NOFILE, "open files"),
  LIMIT ("nproc", RLIMIT_NPROC, "processes of one user"),
  LIMIT ("rss", RLIMIT_RSS, "resident set size (ignored by Linux)"),
  LIMIT ("rtprio", RLIMIT_RTPRIO, "real-time priority ceiling"),
  LIMIT ("rttime", RLIMIT_RTTIME, "real-time CPU time in microseconds"),
  LIMIT ("sigpending", RLIMIT_SIGPENDING, "queued signals"),
  LIMIT ("stack", RLIMIT_STACK, "stack size in bytes"),
};

const size_t mgr_n_keys = G_N_ELEMENTS (mgr_keys);

const char *
mgr_key_image_text (const struct mgr_key *k)
{
  switch (k->image)
    {
    case MGR_IMAGE_TAKEN: return "taken";
    case MGR_IMAGE_LIMIT: return "taken as a limit, where the administrator's files leave it unset (capability drops add to theirs)";
    default: return "never: the administrator sets it";
    }
}

const struct mgr_key *
mgr_key_find (MgrSection section, const char *key)
{
  for (size_t i = 0; i < mgr_n_keys; i++)
    if (mgr_keys[i].section == section && strcmp (mgr_keys[i].key, key) == 0)
      return &mgr_keys[i];
  return NULL;
}

gboolean
mgr_section_parse (const char *group, MgrSection *section, char **name)
{
  for (int s = 0; s < MGR_SEC_COUNT; s++)
    {
      const char *n = mgr_sections[s].name;
      size_t len = strlen (n);
      if (strncmp (group, n, len) != 0)
        continue;
      if (!mgr_sections[s].named && group[len] == '\0')
        {
          *section = s;
          *name = NULL;
          return TRUE;
        }
      if (mgr_sections[s].named && group[len] == ' ')
        {
          const char *rest = group + len;
          while (*rest == ' ')
            rest++;
          if (!*rest)
            return FALSE;
          *section = s;
          *name = g_strdup (rest);
          return TRUE;
        }
    }
  return FALSE;
}

/* Names people bring from cgroup v1 and LXC, with the key mgr uses instead. */
static const struct { MgrSection section; const char *alias, *key; } key_aliases[] = {
  { MGR_SEC_CGROUP, "memory.limit", "memory.max" },
  { MGR_SEC_CGROUP, "memory.limit_in_bytes", "memory.max" },
  { MGR_SEC_CGROUP, "memory.soft_limit_in_bytes", "memory.high" },
  { MGR_SEC_CGROUP, "memory.memsw.limit_in_bytes", "memory.swap.max" },
  { MGR_SEC_CGROUP, "cpu.shares", "cpu.weight" },
  { MGR_SEC_CGROUP, "cpu.cfs_quota_us", "cpu.max" },
  { MGR_SEC_CGROUP, "cpu.cfs_period_us", "cpu.max" },
  { MGR_SEC_CGROUP, "pids.limit", "pids.max" },
  { MGR_SEC_CGROUP, "blkio.weight", "io.weight" },
  { MGR_SEC_CGROUP, "blkio.throttle.read_bps_device", "io.max" },
  { MGR_SEC_CGROUP, "blkio.throttle.write_bps_device", "io.max" },
  { MGR_SEC_CONTAINER, "name", "hostname" },
  { MGR_SEC_CONTAINER, "utsname", "hostname" },
  { MGR_SEC_CONTAINER, "init.cmd", "init" },
  { MGR_SEC_CONTAINER, "signal.halt", "stop.signal" },
  { MGR_SEC_NETWORK, "ipv4.address", "ipv4" },
  { MGR_SEC_NETWORK, "ipv6.address", "ipv6" },
  { MGR_SEC_NETWORK, "flags", "up" },
  { MGR_SEC_NETWORK, "mac", "hwaddr" },
};

const char *
mgr_key_suggest (MgrSection section, const char *key)
{
  const char *best = NULL;
  guint best_d = G_MAXUINT;

  for (size_t i = 0; i < G_N_ELEMENTS (key_aliases); i++)
    if (key_aliases[i].section == section && g_ascii_strcasecmp (key_aliases[i].alias, key) == 0)
      return key_aliases[i].key;
  for (size_t i = 0; i < mgr_n_keys; i++)
    {
      if (mgr_keys[i].section != section)
        continue;
      guint d = mgr_edit_distance (key, mgr_keys[i].key);
      if (d < best_d)
        best_d = d, best = mgr_keys[i].key;
    }
  if (best && best_d <= MAX (2u, (guint) strlen (key) / 3))
    return best;
  /* Same first word ("memory." of "memory.limit"): point at the first such key. */
  const char *dot = strchr (key, '.');
  for (size_t i = 0; dot && i < mgr_n_keys; i++)
    if (mgr_keys[i].section == section && strncmp (mgr_keys[i].key, key, dot - key + 1) == 0)
      return mgr_keys[i].key;
  return NULL;
}

const char *
mgr_section_suggest (const char *group)
{
  static char buf[64];
  const char *best = NULL;
  guint best_d = G_MAXUINT;
  g_autofree char *first = g_strdup (group);
  char *sp = strchr (first, ' ');
  if (sp)
    *sp = '\0';
  for (int s = 0; s < MGR_SEC_COUNT; s++)
    {
      guint d = mgr_edit_distance (first, mgr_sections[s].name);
      if (d < best_d)
        best_d = d, best = mgr_sections[s].name;
    }
  if (!best || best_d > MAX (2u, (guint) strlen (first) / 3))
    return NULL;
  MgrSection sec = 0;
  for (int s = 0; s < MGR_SEC_COUNT; s++)
    if (strcmp (mgr_sections[s].name, best) == 0)
      sec = s;
  if (mgr_sections[sec].named)
    g_snprintf (buf, sizeof buf, "[%s %s]", best, sp ? sp + 1 : "NAME");
  else
    g_snprintf (buf, sizeof buf, "[%s]", best);
  return buf;
}

gboolean
mgr_key_parse (const struct mgr_key *k, const char *text, void *section_struct, GError **error)
{
  return k->type->parse (k, text, mgr_key_field (k, section_struct), error);
}

void *
mgr_plan_section (MgrPlan *plan, MgrSection section)
{
  switch (section)
    {
    case MGR_SEC_CONTAINER: return &plan->container;
    case MGR_SEC_ID_MAP: return &plan->id_map;
    case MGR_SEC_CGROUP: return &plan->cgroup;
    case MGR_SEC_CAPABILITIES: return &plan->caps;
    case MGR_SEC_SECCOMP: return &plan->seccomp;
    case MGR_SEC_HOOKS: return &plan->hooks;
    case MGR_SEC_LIMITS: return &plan->limits;
    default: return NULL;
    }
}
