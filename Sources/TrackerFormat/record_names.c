// Names of capture records, for the reader's error messages ("unknown record 0x4f at byte 812").
#include "workshop_capture.h"

#include <stddef.h>

const char *workshop_record_name(uint8_t tag) {
  switch (tag & WORKSHOP_RECORD_TYPE_MASK) {
  case WORKSHOP_RECORD_ALLOC:
    return (tag & WORKSHOP_RECORD_KIND_MASK) <= WORKSHOP_ALLOC_PVALLOC ? "alloc" : NULL;
  case WORKSHOP_RECORD_FREE:
  case WORKSHOP_RECORD_FREE_BACK:
    return (tag & WORKSHOP_RECORD_KIND_MASK) <= WORKSHOP_FREE_REALLOC ? "free" : NULL;
  default:
    break;
  }
  switch (tag) {
  case WORKSHOP_RECORD_FRAME: return "frame";
  case WORKSHOP_RECORD_THREAD: return "thread";
  case WORKSHOP_RECORD_TICK: return "tick";
  case WORKSHOP_RECORD_MODULES: return "modules";
  case WORKSHOP_RECORD_MARKER: return "marker";
  case WORKSHOP_RECORD_COMMAND: return "command";
  case WORKSHOP_RECORD_END: return "end";
  case WORKSHOP_RECORD_LOST: return "lost";
  case WORKSHOP_RECORD_EXEC: return "exec";
  case WORKSHOP_RECORD_CHUNK: return "chunk";
  case WORKSHOP_RECORD_SYNC: return "sync";
  case WORKSHOP_RECORD_COLUMNS: return "columns";
  default: return NULL;
  }
}
