// Grows its heap by 64 KiB blocks for about one second (one block every 5 ms), then frees them all.
#include <stdlib.h>
#include <string.h>
#include <time.h>

int main(void) {
  enum { blocks = 200 };
  static void *kept[blocks];
  struct timespec pause = {0, 5 * 1000 * 1000};
  for (int i = 0; i < blocks; i++) {
    kept[i] = malloc(64 * 1024);
    memset(kept[i], i, 64 * 1024);
    nanosleep(&pause, NULL);
  }
  for (int i = 0; i < blocks; i++) free(kept[i]);
  return 0;
}
