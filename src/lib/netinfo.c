#include "config.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "netinfo.h"

static void
ipv4 (pid_t pid, GPtrArray *out)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/net/fib_trie", pid), *text = NULL;
  if (!g_file_get_contents (path, &text, NULL, NULL))
    return;
  /* A local address is a leaf "|-- A.B.C.D" followed by "/32 host LOCAL". */
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  const char *last = NULL;
  for (char **l = lines; *l; l++)
    {
      char *s = g_strstrip (*l);
      if (g_str_has_prefix (s, "|-- "))
        last = s + 4;
      else if (last && strstr (s, "/32 host LOCAL") && !g_str_has_prefix (last, "127."))
        {
          bool seen = false;
          for (guint i = 0; i < out->len; i++)
            seen |= strcmp (out->pdata[i], last) == 0;
          if (!seen)
            g_ptr_array_add (out, g_strdup (last));
        }
    }
}

static void
ipv6 (pid_t pid, GPtrArray *out)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/net/if_inet6", pid), *text = NULL;
  if (!g_file_get_contents (path, &text, NULL, NULL))
    return;
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  for (char **l = lines; *l; l++)
    {
      char hex[33], dev[32];
      unsigned idx, plen, scope, flags;
      if (sscanf (*l, "%32s %x %x %x %x %31s", hex, &idx, &plen, &scope, &flags, dev) != 6 || strcmp (dev, "lo") == 0)
        continue;
      guint8 a[16];
      for (int i = 0; i < 16; i++)
        a[i] = g_ascii_xdigit_value (hex[2 * i]) << 4 | g_ascii_xdigit_value (hex[2 * i + 1]);
      char buf[INET6_ADDRSTRLEN];
      inet_ntop (AF_INET6, a, buf, sizeof buf);
      g_ptr_array_add (out, g_strdup (buf));
    }
}

GPtrArray *
mgr_netns_addresses (pid_t pid, int family)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  if (family == AF_INET)
    ipv4 (pid, out);
  else
    ipv6 (pid, out);
  return out;
}
