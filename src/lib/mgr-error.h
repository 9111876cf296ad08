/* Errors of the config and planning layers (GError); the executor uses
 * negative errno plus a step instead. */
#pragma once
#include <glib.h>

#define MGR_ERROR (mgr_error_quark ())
GQuark mgr_error_quark (void);

typedef enum {
  MGR_ERROR_FAILED,          /* anything else */
  MGR_ERROR_INVALID,         /* a value that does not parse or is out of range */
  MGR_ERROR_UNKNOWN_SECTION,
  MGR_ERROR_UNKNOWN_KEY,
  MGR_ERROR_CONFLICT,        /* two settings that exclude each other */
  MGR_ERROR_MISSING,         /* a required setting is absent */
  MGR_ERROR_SYNTAX,          /* the file itself cannot be read as INI/libconfig */
  MGR_ERROR_IO,
  MGR_ERROR_NOT_FOUND,       /* no such container */
  MGR_ERROR_PERMISSION,      /* the caller may not do this (e.g. no subuid range) */
  MGR_ERROR_USAGE,           /* bad command-line arguments */
  MGR_ERROR_NOT_RUNNING,     /* the container is (or meanwhile became) stopped */
} MgrError;

/* Sets *error to a MGR_ERROR of code with a printf message; returns FALSE,
 * so that a check can end in "return mgr_fail (error, ...)". */
gboolean mgr_fail (GError **error, MgrError code, const char *fmt, ...) G_GNUC_PRINTF (3, 4);
