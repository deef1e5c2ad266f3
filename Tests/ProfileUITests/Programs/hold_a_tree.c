// Builds a binary tree of depth 12 recursively (8,191 nodes of 64 bytes, each allocated from a
// stack of its own: its path from the root), holds it until the file named by its argument exists
// (at most a minute), then frees it. Every node is alive meanwhile: `build` was on the stack of
// all 8,191 (511.9 KiB), far more stacks than a screen's table has rows.
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct node {
  struct node *left, *right;
  char payload[48];
} node;

__attribute__((noinline)) static node *build(int depth) {
  node *self = malloc(sizeof *self);
  memset(self, 0, sizeof *self);
  self->left = depth > 0 ? build(depth - 1) : NULL;
  self->right = depth > 0 ? build(depth - 1) : NULL;
  return self;
}

__attribute__((noinline)) static void release(node *tree) {
  if (!tree)
    return;
  release(tree->left);
  release(tree->right);
  free(tree);
}

int main(int argc, char **argv) {
  node *tree = build(12);
  struct timespec pause = {0, 10 * 1000 * 1000};
  for (int waited = 0; argc > 1 && access(argv[1], F_OK) != 0 && waited < 6000; waited++)
    nanosleep(&pause, NULL);
  release(tree);
  return 0;
}
