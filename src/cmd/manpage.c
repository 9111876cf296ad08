/* Manual pages from the option tables: `mgr-VERB --help-man` prints the
 * verb's page in groff, built from the same GOptionContext that --help
 * prints, so the page and --help cannot disagree. The build writes
 * doc/mgr-VERB.1 with it and appends the verb's hand-written sections
 * (doc/man/mgr-VERB.man: more description, examples) when there are any. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"

/* groff treats a leading '.' or '\'' as a request and '\' as an escape;
 * '-' is a hyphen unless written '\-'. */
static void
put_text (GString *out, const char *s)
{
  if (*s == '.' || *s == '\'')
    g_string_append (out, "\\&");
  for (; *s; s++)
    switch (*s)
      {
      case '\\':
        g_string_append (out, "\\e");
        break;
      case '-':
        g_string_append (out, "\\-");
        break;
      default:
        g_string_append_c (out, *s);
      }
}

static void
put_paragraphs (GString *out, const char *text)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  gboolean verbatim = FALSE;
  for (char **l = lines; *l; l++)
    {
      if (**l == '\0')
        {
          if (verbatim)
            g_string_append (out, ".fi\n");
          verbatim = FALSE;
          g_string_append (out, ".PP\n");
          continue;
        }
      /* Indented lines are tables or examples: keep their layout. */
      if (**l == ' ' && !verbatim)
        {
          g_string_append (out, ".nf\n");
          verbatim = TRUE;
        }
      else if (**l != ' ' && verbatim)
        {
          g_string_append (out, ".fi\n");
          verbatim = FALSE;
        }
      put_text (out, *l);
      g_string_append_c (out, '\n');
    }
  if (verbatim)
    g_string_append (out, ".fi\n");
}

/* "  -n, --name=NAME      the container" -> .TP with the flags in bold and
 * the argument in italics. */
static void
put_option (GString *out, const char *line)
{
  const char *p = line;
  while (*p == ' ')
    p++;
  const char *gap = strstr (p, "  ");
  g_autofree char *spec = gap ? g_strndup (p, gap - p) : g_strdup (p);
  const char *help = gap ? g_strchug ((char *) gap) : "";
  g_string_append (out, ".TP\n");
  g_auto (GStrv) forms = g_strsplit (spec, ", ", -1);
  for (char **f = forms; *f; f++)
    {
      if (f != forms)
        g_string_append (out, ", ");
      char *eq = strchr (*f, '=');
      if (eq)
        *eq = '\0';
      g_string_append (out, "\\fB");
      put_text (out, *f);
      g_string_append (out, "\\fR");
      if (eq)
        {
          g_string_append (out, "=\\fI");
          put_text (out, eq + 1);
          g_string_append (out, "\\fR");
        }
    }
  g_string_append_c (out, '\n');
  put_text (out, help);
  g_string_append_c (out, '\n');
}

static const char *
verb_summary (const char *prg)
{
  const char *verb = g_str_has_prefix (prg, "mgr-") ? prg + 4 : prg;
  for (const MgrCommand *c = mgr_commands; c->name; c++)
    if (strcmp (c->name, verb) == 0)
      return c->summary;
  return "";
}

static void
put_common_tail (GString *out, const char *self)
{
  g_string_append (out, ".SH EXIT STATUS\n0 on success, 1 on failure, 2 on bad usage; "
                        "a command that finds nothing to do says so (mgr\\-stop of a stopped container exits 2).\n");
  g_string_append_printf (out,
                          ".SH FILES\n.TP\n.I %s/lib/mgr\nroot's containers, one folder each (config, rootfs)\n"
                          ".TP\n.I ~/.local/share/mgr\nan ordinary user's containers\n"
                          ".TP\n.I %s/mgr\nruntime state of running containers (monitor socket, lock, state)\n"
                          ".TP\n.I %s/mgr/mgr.conf\nsystem settings\n"
                          ".TP\n.I %s/mgr/default.conf\nkeys merged into every new container's config\n",
                          MGR_LOCALSTATEDIR, MGR_RUNSTATEDIR, MGR_SYSCONFDIR, MGR_SYSCONFDIR);
  g_string_append (out, ".SH SEE ALSO\n");
  gboolean first = TRUE;
  if (strcmp (self, "mgr") != 0)
    {
      g_string_append (out, ".BR mgr (1)");
      first = FALSE;
    }
  for (const MgrCommand *c = mgr_commands; c->name; c++)
    {
      g_autofree char *page = g_strconcat ("mgr-", c->name, NULL);
      if (strcmp (page, self) == 0 || !c->summary)
        continue;
      g_string_append_printf (out, "%s.BR mgr\\-%s (1)", first ? "" : ",\n", c->name);
      first = FALSE;
    }
  g_string_append (out, ",\n.BR mgr.container.conf (5),\n.BR mgr.conf (5),\n.BR mgr\\-seccomp (5)\n");
}

void
mgr_print_manpage (GOptionContext *ctx)
{
  const char *prg = g_get_prgname ();
  g_autofree char *upper = g_ascii_strup (prg, -1);
  g_autofree char *help = g_option_context_get_help (ctx, TRUE, NULL);
  g_autoptr (GString) out = g_string_new (NULL);

  g_string_append_printf (out, ".TH %s 1 \"\" \"mgr %s\" \"User Commands\"\n.SH NAME\n", upper, PACKAGE_VERSION);
  put_text (out, prg);
  g_string_append (out, " \\- ");
  put_text (out, verb_summary (prg));
  g_string_append (out, "\n.SH SYNOPSIS\n");

  /* The help text is: Usage, the usage line, the summary, option groups
   * ("Help Options:", "Application Options:"), then the description. */
  g_auto (GStrv) lines = g_strsplit (help, "\n", -1);
  char **l = lines;
  while (*l && !g_str_has_prefix (*l, "Usage:"))
    l++;
  if (*l)
    l++;
  if (*l)
    {
      g_autofree char *usage = g_strstrip (g_strdup (*l));
      g_string_append (out, ".B ");
      put_text (out, prg);
      g_string_append_c (out, '\n');
      const char *rest = usage + strlen (prg);
      if (*rest)
        {
          g_autofree char *args = g_strstrip (g_strdup (rest));
          /* GLib writes an ellipsis; groff wants ASCII for portability. */
          g_auto (GStrv) parts = g_strsplit (args, "\xe2\x80\xa6", -1);
          g_autofree char *ascii = g_strjoinv ("...", parts);
          put_text (out, ascii);
          g_string_append_c (out, '\n');
        }
      l++;
    }
  const char *summary = g_option_context_get_summary (ctx);
  if (summary)
    {
      g_string_append (out, ".SH DESCRIPTION\n");
      put_paragraphs (out, summary);
    }
  g_string_append (out, ".SH OPTIONS\n");
  gboolean in_options = FALSE;
  for (; *l; l++)
    {
      if (g_str_has_suffix (*l, "Options:"))
        {
          in_options = TRUE;
          continue;
        }
      if (in_options && g_str_has_prefix (*l, "  "))
        put_option (out, *l);
      else if (in_options && **l == '\0')
        in_options = FALSE;
    }
  const char *description = g_option_context_get_description (ctx);
  if (description)
    {
      g_string_append (out, ".SH USAGE\n");
      put_paragraphs (out, description);
    }
  /* The hand-written sections, if any, come here (the build appends them
   * before the common tail by splitting on this marker). */
  g_string_append (out, ".\\\" @EXTRA@\n");
  put_common_tail (out, prg);
  fputs (out->str, stdout);
}

/* mgr(1): the verbs. */
void
mgr_print_main_manpage (void)
{
  g_autoptr (GString) out = g_string_new (NULL);
  g_string_append_printf (out,
                          ".TH MGR 1 \"\" \"mgr %s\" \"User Commands\"\n.SH NAME\nmgr \\- a declarative container "
                          "manager for Linux\n.SH SYNOPSIS\n.B mgr\n.I VERB\n.RI [ OPTIONS ...]\n.br\n"
                          ".B mgr\\-\\fIVERB\\fR\n.RI [ OPTIONS ...]\n.SH DESCRIPTION\n"
                          "mgr runs Linux system containers from one INI file per container (see\n"
                          ".BR mgr.container.conf (5)).\nIt parses the file into a validated plan and builds the "
                          "container from it with namespaces, pivot_root, cgroups, capabilities and seccomp.\n"
                          "Containers are unprivileged by default: root in a container is nobody on the host.\n"
                          ".PP\nEvery verb is installed as a command of its own, \\fBmgr\\-\\fIVERB\\fR, and "
                          "\\fBmgr \\fIVERB\\fR runs the same.\n.SH VERBS\n",
                          PACKAGE_VERSION);
  for (const MgrCommand *c = mgr_commands; c->name; c++)
    {
      if (!c->summary)
        continue; /* internal */
      g_string_append_printf (out, ".TP\n.BR mgr\\-%s (1)\n", c->name);
      put_text (out, c->summary);
      g_string_append_c (out, '\n');
    }
  g_string_append (out, ".SH OPTIONS\n.TP\n.B \\-\\-help\nthe verbs\n.TP\n.B \\-\\-version\n"
                        "the version and the features built in\n");
  g_string_append (out, ".\\\" @EXTRA@\n");
  put_common_tail (out, "mgr");
  fputs (out->str, stdout);
}
