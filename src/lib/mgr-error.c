#include "config.h"
#include "mgr-error.h"

G_DEFINE_QUARK (mgr-error-quark, mgr_error)

gboolean
mgr_fail (GError **error, MgrError code, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error_literal (error, MGR_ERROR, code, msg);
  return FALSE;
}
