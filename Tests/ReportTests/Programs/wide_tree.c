// A wide, deep allocation tree: 2^DEPTH distinct call paths (a binary choice of function at each
// level), each ending in one allocation alive at the peak, so the peak's tree has tens of
// thousands of frames. Built with -O0 so that no call is inlined or turned into a jump.
#include <stdlib.h>

#define DEPTH 13

static void *blocks[1 << DEPTH];
static int used;

void left(int depth, unsigned path);
void right(int depth, unsigned path);

static void descend(int depth, unsigned path) {
  if (depth == DEPTH) {
    blocks[used++] = malloc(16 + path % 64);
    return;
  }
  if ((path >> depth) & 1)
    right(depth + 1, path);
  else
    left(depth + 1, path);
}

void left(int depth, unsigned path) { descend(depth, path); }
void right(int depth, unsigned path) { descend(depth, path); }

int main(void) {
  for (unsigned path = 0; path < (1u << DEPTH); path++) descend(0, path);
  for (int index = 0; index < used; index++) free(blocks[index]);
  return 0;
}
