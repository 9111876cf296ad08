#pragma once
#include <glib.h>
#include <sys/capability.h>

/* The capabilities this process's bounding set still has. */
guint64 mgr_caps_host_bounding (void);

/* Permitted and effective = keep; inheritable empty. Free with cap_free. */
cap_t mgr_caps_prepare (guint64 keep);
