#include "config.h"
#include "mgr-error.h"

G_DEFINE_QUARK (mgr-error-quark, mgr_error)
