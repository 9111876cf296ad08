/* Writes mgr.container.conf(5) from the key table, so the manual cannot
 * drift from what the parser accepts. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "lib/keys.h"

static void
roff (const char *s)
{
  for (; *s; s++)
    {
      if (*s == '\\')
        fputs ("\\e", stdout);
      else if (*s == '-')
        fputs ("\\-", stdout);
      else
        putchar (*s);
    }
}

static void
man (void)
{
  printf (".TH MGR.CONTAINER.CONF 5 \"\" \"mgr %s\" \"File formats\"\n", PACKAGE_VERSION);
  puts (".SH NAME\nmgr.container.conf \\- the config file of an mgr container");
  puts (".SH SYNOPSIS\n.I CONTAINERS/NAME/config\n(/var/lib/mgr for root, ~/.local/share/mgr for users)");
  puts (".SH DESCRIPTION\nAn INI file with one section per concern. Lines starting with\n.B #\n"
        "are comments, and so is the rest of a line after white space and\n.BR # .\n"
        "Unknown sections and keys are errors, with the nearest known key suggested.\n"
        "Every error names the file, the line, the section and the key.\n"
        "Values left unset take the default below, or the value in\n.I /etc/mgr/default.conf\n"
        "(for users\n.IR ~/.config/mgr/default.conf ),\nwhich holds sections of the same form.\n"
        ".PP\n.BR mgr-config (1)\nreads and changes single keys, written\n.IR section.key ,\n"
        "or\n.I section.NAME.key\nfor named sections, such as\n.BR network.eth0.ipv4 .");
  puts (".SH EXAMPLE\n.nf\n[container]\ninit = /sbin/init\nstop.signal = auto\n\n[id_map]\n"
        "uid = 0 100000 65536\ngid = 0 100000 65536\n\n[network eth0]\ntype = veth\nlink = mgrbr0\n"
        "ipv4 = 10.0.3.15/24\nipv4.gateway = 10.0.3.1\n\n[cgroup]\nmemory.max = 256M\npids.max = 512\n\n"
        "[mount data]\nsource = /srv/data\ntarget = /data\noptions = bind,ro,create=dir\n.fi");
  for (int s = 0; s < MGR_SEC_COUNT; s++)
    {
      printf (".SH [%s%s]\n", mgr_sections[s].name, mgr_sections[s].named ? " NAME" : "");
      roff (mgr_sections[s].help);
      puts (".");
      for (size_t i = 0; i < mgr_n_keys; i++)
        {
          const struct mgr_key *k = &mgr_keys[i];
          if ((int) k->section != s)
            continue;
          printf (".TP\n.B %s\n", k->key);
          roff (k->help);
          printf (".\n.br\nType: %s: ", k->type->name);
          roff (k->type->accepted);
          if (k->choices)
            {
              fputs (". One of: ", stdout);
              for (int c = 0; k->choices[c]; c++)
                printf ("%s%s", c ? ", " : "", k->choices[c]);
            }
          if (k->max && strcmp (k->type->name, "integer") == 0)
            printf (". Range: %" G_GUINT64_FORMAT "..%" G_GUINT64_FORMAT, k->min, k->max);
          fputs (".\n.br\nDefault: ", stdout);
          roff (k->def ? k->def : "unset");
          fputs (". Example: ", stdout);
          roff (k->example);
          fputs (".\n.br\nFrom an image: ", stdout);
          roff (mgr_key_image_text (k));
          puts (".");
        }
    }
  puts (".SH FILES\n.TP\n.I /etc/mgr/default.conf\ndefaults for every container\n"
        ".TP\n.I /etc/mgr/mgr.conf\nsystem settings (libconfig syntax)");
  puts (".SH SEE ALSO\n.BR mgr-config (1)");
}

int
main (int argc, char **argv)
{
  if (argc == 2 && strcmp (argv[1], "man") == 0)
    return man (), 0;
  fprintf (stderr, "usage: mgr-gendoc man\n");
  return 2;
}
