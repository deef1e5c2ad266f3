/* Everything is inline in include/cache_hints.h; SwiftPM needs a source file for a C target. */
#include "cache_hints.h"
