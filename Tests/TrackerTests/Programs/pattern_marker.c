/*
 * pattern_marker.c — markers between allocations; runs unchanged without the tracker.
 *
 * Build: cc -g -O1 -fno-builtin -I../../../Sources/Tracker/include pattern_marker.c -o pattern_marker
 * (no -l flag: the marker function is a weak reference, NULL when the tracker is not preloaded)
 *
 * Exact truth of the capture, in stream order:
 *   MARKER "start"; malloc 1000, malloc 2000, malloc 3000; MARKER "allocated" (6000 bytes live);
 *   free 1000, free 2000; MARKER "end" (3000 bytes live)
 *   allocations 3, frees 2, peak 6000, leaked 3000 bytes in 1 block, 3 markers, one thread.
 */
#include <stdlib.h>

#include "workshop_tracker.h"

void *volatile keep[3];

int main(void) {
  WORKSHOP_MARKER("start");
  keep[0] = malloc(1000);
  keep[1] = malloc(2000);
  keep[2] = malloc(3000);
  WORKSHOP_MARKER("allocated");
  free(keep[0]);
  free(keep[1]);
  WORKSHOP_MARKER("end");
  return 0;
}
