/*
 * pattern_address_reuse.c — 8 threads that free and realloc each other's blocks while the freed
 * addresses come straight back to other threads: the order of a capture across threads, under
 * the hardest reuse glibc makes.
 *
 * Build: cc -g -O1 -fno-builtin -pthread pattern_address_reuse.c -o pattern_address_reuse
 *
 * 1. ROUNDS rounds of three phases, a barrier after each: thread t mallocs SLOTS blocks; reallocs
 *    the first half of thread t+1's blocks to twice their size plus 8; frees thread t+2's blocks
 *    (every fourth one shrunk by realloc first). Between the second and third barrier thread 0
 *    adds up the sizes of every block: the heap at that moment, the highest of its round (the
 *    first two phases only grow it, the third only shrinks it). The program's peak is the largest
 *    of these sums: the second phase's reallocs grow every block they touch, and the hot phase
 *    below never holds more than a few kilobytes.
 * 2. HOT rounds with no barrier: thread t mallocs a block of its own size class and hands it to
 *    thread t+1 through a one-slot mailbox (taking back its previous block, if still there, and
 *    freeing it); thread t+1 takes what thread t left and frees it, every third one after a
 *    realloc (grown or shrunk). A consumer never mallocs its producer's size class, so its tcache
 *    for that class fills and the rest go back to the producer's arena, where the producer's next
 *    malloc finds them at once: a FREE on one thread and the ALLOC of the same address on another
 *    a few hundred nanoseconds apart. realloc() of another thread's block runs in the block's own
 *    arena, so the moved block's old address comes back to its producer too.
 * Every block is freed. The program counts what it allocates (each realloc is an allocation of
 * its new size) and prints: allocations N bytes B reallocs R peak P.
 *
 * With the argument `seccomp`, thread 0 puts every thread under a seccomp filter that refuses
 * membarrier(2) with EPERM between the two parts, as a sandboxing program may do after the tracker
 * started (the tracker's flushes then fall back to fences of the owners' own), and says so on
 * stderr ("membarrier refused").
 */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define THREADS 8
#define SLOTS 64
#define ROUNDS 40
#define HOT 30000

static pthread_barrier_t phase;
static void *blocks[THREADS][SLOTS];
static size_t sizes[THREADS][SLOTS];
static _Atomic(void *) mailbox[THREADS];
static atomic_ulong allocations, bytes, reallocs;
static size_t peak;

static void counted(size_t size, int is_realloc) {
  atomic_fetch_add(&allocations, 1);
  atomic_fetch_add(&bytes, size);
  if (is_realloc)
    atomic_fetch_add(&reallocs, 1);
}

static size_t class_size(size_t t) { return 40 + 16 * t; }

__attribute__((noinline)) static void rounds(size_t t) {
  size_t next = (t + 1) % THREADS, after_next = (t + 2) % THREADS;
  for (size_t round = 0; round < ROUNDS; round++) {
    for (size_t i = 0; i < SLOTS; i++) {
      size_t size = 16 + (t * 31 + i * 7 + round * 13) % 200;
      blocks[t][i] = malloc(size);
      sizes[t][i] = size;
      counted(size, 0);
    }
    pthread_barrier_wait(&phase);
    for (size_t i = 0; i < SLOTS / 2; i++) {
      size_t size = 2 * sizes[next][i] + 8;
      blocks[next][i] = realloc(blocks[next][i], size);
      sizes[next][i] = size;
      counted(size, 1);
    }
    pthread_barrier_wait(&phase);
    if (t == 0) {
      size_t heap = 0;
      for (size_t u = 0; u < THREADS; u++)
        for (size_t i = 0; i < SLOTS; i++)
          heap += sizes[u][i];
      if (heap > peak)
        peak = heap;
    }
    pthread_barrier_wait(&phase);
    for (size_t i = 0; i < SLOTS; i++) {
      if (i % 4 == 3) {
        size_t size = sizes[after_next][i] / 2 + 1;
        blocks[after_next][i] = realloc(blocks[after_next][i], size);
        counted(size, 1);
      }
      free(blocks[after_next][i]);
    }
    pthread_barrier_wait(&phase);
  }
}

__attribute__((noinline)) static void hot(size_t t) {
  size_t next = (t + 1) % THREADS;
  size_t producer = (t + THREADS - 1) % THREADS;
  for (size_t round = 0; round < HOT; round++) {
    void *block = malloc(class_size(t));
    counted(class_size(t), 0);
    /* Still there: thread t+1 has not taken the previous one; it goes back to its producer. */
    free(atomic_exchange(&mailbox[next], block));
    void *taken = atomic_exchange(&mailbox[t], NULL);
    if (taken && round % 3 == 0) {
      size_t size = round % 2 ? 2 * class_size(producer) : class_size(producer) / 2;
      taken = realloc(taken, size);
      counted(size, 1);
    }
    free(taken);
  }
}

static int refuse_membarrier_in_every_thread;

/* Every thread of the process (SECCOMP_FILTER_FLAG_TSYNC), the tracker's too: membarrier fails
   with EPERM from now on, every other call is allowed. */
static void refuse_membarrier(void) {
  struct sock_filter filter[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_membarrier, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog program = {sizeof filter / sizeof filter[0], filter};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
      syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &program) != 0) {
    perror("seccomp");
    exit(2);
  }
  if (syscall(SYS_membarrier, 0 /* MEMBARRIER_CMD_QUERY */, 0, 0) == -1 && errno == EPERM)
    fputs("membarrier refused\n", stderr);
}

__attribute__((noinline)) static void *worker(void *argument) {
  size_t t = (size_t)argument;
  rounds(t);
  if (t == 0 && refuse_membarrier_in_every_thread)
    refuse_membarrier();
  pthread_barrier_wait(&phase);
  hot(t);
  return NULL;
}

int main(int argc, char **argv) {
  refuse_membarrier_in_every_thread = argc > 1 && strcmp(argv[1], "seccomp") == 0;
  pthread_t threads[THREADS];
  pthread_barrier_init(&phase, NULL, THREADS);
  for (size_t t = 0; t < THREADS; t++)
    if (pthread_create(&threads[t], NULL, worker, (void *)t) != 0)
      return 1;
  for (size_t t = 0; t < THREADS; t++)
    pthread_join(threads[t], NULL);
  for (size_t t = 0; t < THREADS; t++)
    free(atomic_load(&mailbox[t]));
  printf("allocations %lu bytes %lu reallocs %lu peak %zu\n", atomic_load(&allocations), atomic_load(&bytes),
         atomic_load(&reallocs), peak);
  return 0;
}
