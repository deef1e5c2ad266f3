/*
 * tree_recursive.c — a complete binary tree built recursively, then freed: the "new stacks"
 * workload of issue 13.
 *
 * Build: cc -O2 -g -fno-omit-frame-pointer -pthread tree_recursive.c -o tree_recursive
 * Run:   ./tree_recursive [DEPTH [THREADS]]   (default 20 and 1; prints the number of nodes)
 *
 * Every node is malloc()ed before its children, and the two children are built from two
 * different call sites, so a node's stack is its path from the root: 2^DEPTH distinct leaf
 * stacks, nearly every allocation a stack never seen before. Exact truth: 2^(DEPTH+1) - 1
 * allocations of 24 bytes, as many frees, all nodes live at the peak.
 *
 * With THREADS > 1 each of that many threads builds and frees a tree of its own at the same time:
 * new stacks interned by several threads at once (the stack tree's lock, the arena). Exact truth:
 * THREADS times the above; the peak is at most THREADS trees.
 */
#include <pthread.h>
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

static int tree_depth;

static void *build_and_release(void *unused) {
  (void)unused;
  return (void *)release(build(tree_depth));
}

int main(int argc, char **argv) {
  tree_depth = argc > 1 ? atoi(argv[1]) : 20;
  if (tree_depth < 0 || tree_depth > 30) {
    fprintf(stderr, "tree_recursive: depth %s is out of range; give 0 to 30.\n", argv[1]);
    return 2;
  }
  int threads = argc > 2 ? atoi(argv[2]) : 1;
  if (threads < 1 || threads > 64) {
    fprintf(stderr, "tree_recursive: %s threads is out of range; give 1 to 64.\n", argv[2]);
    return 2;
  }
  if (threads == 1) { /* as before THREADS existed: the stacks start at main */
    node *tree = build(tree_depth);
    printf("%ld\n", release(tree));
    return 0;
  }
  pthread_t workers[64];
  for (int i = 0; i < threads; i++)
    if (pthread_create(&workers[i], NULL, build_and_release, NULL) != 0)
      abort();
  long nodes = 0;
  for (int i = 0; i < threads; i++) {
    void *count;
    pthread_join(workers[i], &count);
    nodes += (long)count;
  }
  printf("%ld\n", nodes);
  return 0;
}
