/*
 * tree_recursive.c — TEMPORARY stand-in (issue 13's benchmark driver needs it now); the version
 * written for the tracker's new-stack work replaces it at merge under the same name and arguments.
 *
 * Build: cc -O2 -g -fno-omit-frame-pointer -fno-builtin tree_recursive.c -o tree_recursive
 * Run:   tree_recursive [DEPTH]   (default 20; prints nothing)
 * Builds one complete binary tree of DEPTH levels below its root recursively (every node
 * malloc()ed after its children, from the left or the right call site, so each node's stack is its
 * path), then frees it. Exact truth: 2^(DEPTH+1) - 1 allocations and as many frees.
 */
#include <stdlib.h>

struct node {
  struct node *left, *right;
  long value;
};

__attribute__((noinline)) static struct node *build(int depth);

__attribute__((noinline)) static struct node *build_left(int depth) { return build(depth); }
__attribute__((noinline)) static struct node *build_right(int depth) { return build(depth); }

__attribute__((noinline)) static struct node *build(int depth) {
  struct node *left = depth > 0 ? build_left(depth - 1) : NULL;
  struct node *right = depth > 0 ? build_right(depth - 1) : NULL;
  struct node *node = malloc(sizeof *node);
  node->left = left;
  node->right = right;
  node->value = depth;
  __asm__ volatile("" ::: "memory");
  return node;
}

static void release(struct node *node) {
  if (!node)
    return;
  release(node->left);
  release(node->right);
  free(node);
}

int main(int argc, char **argv) {
  int depth = argc > 1 ? atoi(argv[1]) : 20;
  if (depth < 0 || depth > 26)
    depth = 20;
  release(build(depth));
  return 0;
}
