/*
 * tree_build.c — a workload with many distinct stacks, to check that the tracker's stack cache
 * (Sources/Tracker/stackcache.c) does not slow down programs whose stacks keep changing.
 *
 * Build: cc -O2 -g -fno-omit-frame-pointer -fno-builtin tree_build.c -o tree_build
 * Run:   time ./tree_build
 *        time WORKSHOP_CAPTURE=/tmp/tree.bin LD_PRELOAD=/path/libworkshop_tracker.so ./tree_build
 * Prints nothing.
 *
 * Builds ROUNDS complete binary trees of depth DEPTH recursively, each node malloc()ed by build()
 * after building its children through one of two call sites (left, right), so a node's stack is
 * its path from the root: 2^DEPTH distinct leaf stacks, and at a given depth (the same stack
 * pointer at malloc's entry) the call chain differs from one allocation to the next. Then frees
 * each tree. Exact truth: allocations = frees = ROUNDS * (2^(DEPTH+1) - 1).
 */
#include <stdlib.h>

#define ROUNDS 8
#define DEPTH 17

typedef struct node {
  struct node *left, *right;
  int value;
} node;

__attribute__((noinline)) static node *build(int depth);

__attribute__((noinline)) static node *build_left(int depth) { return build(depth); }
__attribute__((noinline)) static node *build_right(int depth) { return build(depth); }

__attribute__((noinline)) static node *build(int depth) {
  node *left = depth > 0 ? build_left(depth - 1) : NULL;
  node *right = depth > 0 ? build_right(depth - 1) : NULL;
  node *self = malloc(sizeof *self);
  self->left = left;
  self->right = right;
  self->value = depth;
  return self;
}

__attribute__((noinline)) static void release(node *tree) {
  if (!tree)
    return;
  release(tree->left);
  release(tree->right);
  free(tree);
}

node *volatile root;

int main(void) {
  for (int round = 0; round < ROUNDS; round++) {
    root = build(DEPTH);
    release(root);
  }
  return 0;
}
