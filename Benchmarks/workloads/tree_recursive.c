/*
 * tree_recursive.c — a complete binary tree built recursively, then freed: the "new stacks"
 * workload of issue 13.
 *
 * Build: cc -O2 -g -fno-omit-frame-pointer tree_recursive.c -o tree_recursive
 * Run:   ./tree_recursive [DEPTH]      (default 20; prints the number of nodes)
 *
 * Every node is malloc()ed before its children, and the two children are built from two
 * different call sites, so a node's stack is its path from the root: 2^DEPTH distinct leaf
 * stacks, nearly every allocation a stack never seen before. Exact truth: 2^(DEPTH+1) - 1
 * allocations of 24 bytes, as many frees, all nodes live at the peak.
 */
#include <stdio.h>
#include <stdlib.h>

typedef struct node {
  struct node *left, *right;
  long value;
} node;

__attribute__((noinline)) static node *build(int depth) {
  node *self = malloc(sizeof *self);
  if (!self)
    abort();
  self->value = depth;
  self->left = depth > 0 ? build(depth - 1) : NULL;
  self->right = depth > 0 ? build(depth - 1) : NULL;
  return self;
}

__attribute__((noinline)) static long release(node *tree) {
  if (!tree)
    return 0;
  long count = 1 + release(tree->left) + release(tree->right);
  free(tree);
  return count;
}

int main(int argc, char **argv) {
  int depth = argc > 1 ? atoi(argv[1]) : 20;
  if (depth < 0 || depth > 30) {
    fprintf(stderr, "tree_recursive: depth %s is out of range; give 0 to 30.\n", argv[1]);
    return 2;
  }
  node *tree = build(depth);
  printf("%ld\n", release(tree));
  return 0;
}
