/*
 * workshop_capture.h — the one contract between the preloaded tracker (C) and the reader (Swift).
 *
 * A capture file is a fixed header followed by a stream of records. Every record starts with one
 * tag byte; its fields are unsigned LEB128 varints ("uv") or zig-zag signed varints ("sv"). The
 * stream is append-only and written in whole records, so a reader may tail a growing file and
 * stop at the last complete record. docs/capture-format.md is the prose version of this file;
 * change both together and bump WORKSHOP_CAPTURE_VERSION when a record changes shape.
 */
#ifndef WORKSHOP_CAPTURE_H
#define WORKSHOP_CAPTURE_H

#include <stdint.h>

#define WORKSHOP_CAPTURE_MAGIC "WSHPCAP1"
#define WORKSHOP_CAPTURE_MAGIC_SIZE 8
#define WORKSHOP_CAPTURE_VERSION 3
/* The version the tracker writes when its order may come from clock keys (WORKSHOP_TRACKER_ORDER
   clock or switch): version 3 whose keys at or above WORKSHOP_CLOCK_KEY_BASE are clock keys, whose
   clock-keyed ALLOC/FREE/FREE_BACK records end with a stripe number, and which may hold STRIPE
   records. workshop's compressor makes it version 7. */
#define WORKSHOP_CAPTURE_CLOCK_VERSION 6
/* Version 3 with chunks that workshop's compressor packed into COLUMNS records, in either layout.
   Only a compressed capture is ever version 4 (first layout only, written until session 7) or 5. */
#define WORKSHOP_CAPTURE_PACKED_VERSION 5
/* Version 6 with chunks that workshop's compressor packed into COLUMNS records: those with clock
   keys in the first layout with stripe columns, the others in either layout. Only a compressed
   capture is ever version 7. */
#define WORKSHOP_CAPTURE_CLOCK_PACKED_VERSION 7
/* The newest version readers accept. */
#define WORKSHOP_CAPTURE_NEWEST_VERSION 7
/* The oldest version readers still accept: version 1 is version 2 without the EXEC record;
   versions 1 and 2 write every record at the top level, in order, with no sequence numbers. */
#define WORKSHOP_CAPTURE_OLDEST_VERSION 1
/* Version 6: a record's key at or above this base is a clock key, the time stamp counter (rdtsc)
   shifted right by WORKSHOP_CLOCK_KEY_SHIFT, plus the base; below it, a number from the tracker's
   counter. Every clock key is above every counter key, and a chunk's keys never fall. Clock keys
   may repeat and are only nearly the program's order across threads, apart from the events at one
   address, which their stripe numbers order exactly (below). An ALLOC, FREE or FREE_BACK with
   WORKSHOP_RECORD_NEXT_NUMBER set after a clock-keyed record of its chunk has that record's key. */
#define WORKSHOP_CLOCK_KEY_BASE (1ull << 62)
/* A clock key counts 1,024 ticks of the time stamp counter (394 ns at 2.6 GHz). Finer keys cost
   bytes no compressor wins back: when a key changes is noise in an otherwise repeating stream
   (8 threads of threads.c under workshop run: 3.2 MB with 256-tick keys, 1.05 MB with 4,096-tick
   keys, 0.68 MB all on the counter; raw ticks made a 2-thread capture 12x larger). Coarser keys
   tie events the program orders a microsecond apart (a barrier's wake-up), which the reader then
   takes in either order. */
#define WORKSHOP_CLOCK_KEY_SHIFT 10
/* END's key when keys come from the clock: after every other key. A record keyed after END's is
   never written, but its clock read may not come after END's (the tracker's check follows the
   read), so END does not read the clock. The last SYNC is then WORKSHOP_END_CLOCK_KEY + 1. */
#define WORKSHOP_END_CLOCK_KEY ((1ull << 63) - 1)
/* Version 6, clock keys: the order of the events at one address is exact. Every address belongs to
   one of WORKSHOP_STRIPE_COUNT stripes (WORKSHOP_STRIPE_OF: 64 MiB regions, so that each of
   glibc's per-thread arenas has a stripe of its own), and the tracker numbers the events of each
   stripe with a counter of its own, taken where the event's key is taken (an ALLOC after the real
   allocation, a FREE before the real free). A clock-keyed ALLOC, FREE or FREE_BACK ends with
   uv (its stripe number - the next one expected in this chunk for that stripe), the next expected
   being 0 at the chunk's start and then the last one + 1. A reader delivers the events of a stripe
   in their numbers' order, so no FREE comes before the ALLOC it frees and no ALLOC before the FREE
   that gave its address back, whatever the clock said. The numbers start at 0 when the tracker
   starts, after a LOST and in a fork child; counter-keyed records take none. */
#define WORKSHOP_STRIPE_SHIFT 26
#define WORKSHOP_STRIPE_COUNT 256
#define WORKSHOP_STRIPE_OF(address) \
  ((unsigned)(((uint64_t)(address) >> WORKSHOP_STRIPE_SHIFT) & (WORKSHOP_STRIPE_COUNT - 1)))
/* The farthest back a FREE_BACK record reaches, in ALLOC records of its stream. */
#define WORKSHOP_FREE_BACK_LIMIT (1u << 20)

/* Header flags. */
enum {
  /* libunwind was loaded: ALLOC records carry real stacks. Without it every stack is 0. */
  WORKSHOP_FLAG_NATIVE_STACKS = 1u << 0,
  /* This capture belongs to a child that the tracker followed across fork() or exec(). */
  WORKSHOP_FLAG_FOLLOWED_CHILD = 1u << 1,
};

/* The fixed file header, little-endian, packed to 48 bytes. */
typedef struct __attribute__((packed)) workshop_capture_header {
  char magic[WORKSHOP_CAPTURE_MAGIC_SIZE]; /* WORKSHOP_CAPTURE_MAGIC, not NUL-terminated */
  uint16_t version;                        /* WORKSHOP_CAPTURE_VERSION */
  uint16_t header_size;                    /* sizeof(workshop_capture_header) */
  uint32_t flags;                          /* WORKSHOP_FLAG_* */
  uint32_t pid;                            /* the tracked process */
  uint32_t parent_pid;                     /* its parent when the capture started */
  uint64_t start_realtime_ns;              /* CLOCK_REALTIME at start, for display */
  uint64_t start_monotonic_ns;             /* CLOCK_MONOTONIC at start: TICK times count from it */
  uint32_t page_size;
  uint32_t reserved;
} workshop_capture_header;

/*
 * Record tags. The low nibble of ALLOC and FREE tags names the allocator call.
 *
 * ALLOC      0x10|kind  sv address delta, uv size, uv stack node
 *            The address delta is from the previous ALLOC or FREE address in the stream (the
 *            first one is from 0). size is what the program asked for. stack node 0 means
 *            "no stack"; any other value names a FRAME record.
 * FREE       0x20|kind  sv address delta (same running address as ALLOC)
 *            A realloc()/reallocarray() that succeeds is always FREE (kind realloc) of the old
 *            block immediately followed by ALLOC (kind realloc or reallocarray) of the new one,
 *            even when the address did not change, so sizes stay exact; realloc(p, 0) is the FREE
 *            alone and realloc(NULL, n) the ALLOC alone. Failed calls and free(NULL) are not
 *            written.
 * FRAME      0x02       uv parent node, sv ip delta from the parent's ip (the root's ip is 0)
 *            Defines node N for the N-th FRAME record (the first is node 1). A stack is the
 *            path from a node to the root; its first frame (the node itself) is the innermost.
 *            Each ip is a return address as libunwind reports it (the frame's call site + 1,
 *            except the innermost). Every node is written once, before any record that names it.
 * THREAD     0x03       uv thread id (the kernel's tid). ALLOC, FREE and MARKER records that follow
 *                       belong to this thread, until the next THREAD record. The first event of
 *                       the stream is preceded by one.
 * TICK       0x04       uv microseconds since start_monotonic_ns, uv resident bytes of the
 *                       program (the tracker's own resident memory already taken out), uv the
 *                       tracker's own resident bytes. Written every 10 ms: events between two
 *                       ticks happened between those times.
 * MODULES    0x05       uv count, then count times: string path, uv load bias (dlpi_addr),
 *                       uv lowest address, uv highest address (end, exclusive) of its PT_LOAD
 *                       segments. Replaces the whole previous table; written at start and after
 *                       every dlopen()/dlclose(), before any FRAME that needs it.
 * MARKER     0x06       string name. Written by workshop_tracker_marker() in the calling thread.
 * COMMAND    0x07       string executable path, uv argc, argc times string argument. Once, first.
 * END        0x08       uv microseconds since start. The program exited of its own accord (exit(),
 *                       a return from main, _exit()); a capture without END was cut short (a
 *                       signal, a kill).
 * LOST       0x09       uv events dropped (the tracker could not write them); reported, never hidden.
 *                       When a flush fails, the tracker rewinds its stream state (running address,
 *                       node numbering, module table, thread) to what the file holds before it
 *                       writes LOST, so node ids never shift: a FRAME is never silently missing.
 * EXEC       0x0a       uv microseconds since start. (Version 2.) The process replaced its program
 *                       with exec() and the new program's tracker goes on in this capture. Every
 *                       block alive before it ended with the old program (not a leak). After it
 *                       the stream starts afresh, as after the header: running address 0, no
 *                       current thread, no module table, nodes numbered from 1 again (readers
 *                       number them after the earlier programs' nodes); a COMMAND and a MODULES
 *                       record follow.
 *
 * CHUNK      0x0b       uv thread id, uv stream id, uv byte length, then that many bytes of records.
 *                       (Version 3.) The stream id names the buffer (0: shared; a buffer of an
 *                       exited thread is reused by a later one, keeping its id).
 *                       Each thread writes its records into a buffer of its own; a buffer reaches
 *                       the file as a chunk. Inside a chunk every record except FRAME and THREAD
 *                       has a uv sequence number right after its tag (a delta from the previous
 *                       numbered record of the chunk; the first is absolute): the capture's order
 *                       is the order of these numbers, not of the file. A FRAME belongs to the
 *                       numbered record that follows it in its chunk and comes just before it in
 *                       that order. The running address starts at 0 and the current thread is
 *                       the chunk's in every chunk (0: several threads, named by THREAD records).
 *                       A FREE of kind realloc followed in its chunk (FRAMEs aside) by an ALLOC of
 *                       kind realloc or reallocarray is one realloc() call: readers deliver the
 *                       two together at the ALLOC's place, unless another thread's ALLOC of the
 *                       old address is numbered between them (then the FREE comes just before it).
 * FREE_BACK  0x30|kind  uv d (version 3, inside chunks): a FREE of the address of the d-th latest
 *                       ALLOC record of the same stream (d >= 1: 1 is the stream's latest ALLOC;
 *                       d <= WORKSHOP_FREE_BACK_LIMIT), counting ALLOCs across its chunks, in file
 *                       order, since the start or the last EXEC or LOST. That block may have been
 *                       freed since: only its address is meant. The running address becomes it.
 *                       ALLOC, FREE and FREE_BACK tags with WORKSHOP_RECORD_NEXT_NUMBER (0x80) set
 *                       carry no number: theirs is the previous one + 1 (version 6: the previous
 *                       one itself if that is a clock key).
 * SYNC       0x0c       uv n. (Version 3.) Every record numbered below n is in the file before this.
 *            Version 6: numbers at or above WORKSHOP_CLOCK_KEY_BASE are clock keys, which may
 *            repeat; a chunk's keys never fall. Readers merge by key and hold back a record that
 *            would free a block not live, allocate an address that is live, or name a node not
 *            yet defined, until the rule holds (see docs/capture-format.md).
 * COLUMNS    0x0d       uv thread id, uv stream id, uv byte length of the chunk's records, uv byte
 *                       length of the body, then the body. (Version 4.) A CHUNK whose records are
 *                       laid out field by field (see docs/capture-format.md, "Packed chunks"); it
 *                       stands for the CHUNK with those records. Written only by workshop's
 *                       compressor, never by the tracker.
 * STRIPE     0x0e       key, uv stripe, uv (stripe number - the next expected). (Version 6.) The
 *                       stripe number of a realloc() that failed: its FREE was numbered before the
 *                       call and is not written, but the stripe's count went on.
 * In version 3 only CHUNK, SYNC, EXEC and LOST stand at the top level. EXEC (no number) ends the
 * old program's numbering: everything before it in the file comes first; numbers restart at 0.
 * LOST carries a second uv (version 3): the number from which the stream starts afresh; every
 * record numbered below it that reached the file comes before it, and stack nodes after it are
 * numbered from 1 again (as after EXEC).
 *
 * A "string" is a uv byte length followed by that many bytes of UTF-8 (not NUL-terminated).
 */
enum {
  WORKSHOP_RECORD_FRAME = 0x02,
  WORKSHOP_RECORD_THREAD = 0x03,
  WORKSHOP_RECORD_TICK = 0x04,
  WORKSHOP_RECORD_MODULES = 0x05,
  WORKSHOP_RECORD_MARKER = 0x06,
  WORKSHOP_RECORD_COMMAND = 0x07,
  WORKSHOP_RECORD_END = 0x08,
  WORKSHOP_RECORD_LOST = 0x09,
  WORKSHOP_RECORD_EXEC = 0x0a,
  WORKSHOP_RECORD_CHUNK = 0x0b,
  WORKSHOP_RECORD_SYNC = 0x0c,
  WORKSHOP_RECORD_COLUMNS = 0x0d,
  WORKSHOP_RECORD_STRIPE = 0x0e, /* version 6, inside chunks: a stripe number with no event */
  WORKSHOP_RECORD_ALLOC = 0x10, /* | workshop_alloc_kind */
  WORKSHOP_RECORD_FREE = 0x20,  /* | workshop_free_kind */
  WORKSHOP_RECORD_FREE_BACK = 0x30, /* | workshop_free_kind; version 3, inside chunks */
  /* Version 3, inside chunks: on an ALLOC, FREE or FREE_BACK tag, "numbered one after the
     chunk's previous numbered record" (the chunk starts at 0), and no number field follows. */
  WORKSHOP_RECORD_NEXT_NUMBER = 0x80,
  WORKSHOP_RECORD_KIND_MASK = 0x0f,
  WORKSHOP_RECORD_TYPE_MASK = 0xf0,
};

typedef enum workshop_alloc_kind {
  WORKSHOP_ALLOC_MALLOC = 0,
  WORKSHOP_ALLOC_CALLOC = 1,
  WORKSHOP_ALLOC_REALLOC = 2,
  WORKSHOP_ALLOC_REALLOCARRAY = 3,
  WORKSHOP_ALLOC_POSIX_MEMALIGN = 4,
  WORKSHOP_ALLOC_ALIGNED_ALLOC = 5,
  WORKSHOP_ALLOC_MEMALIGN = 6,
  WORKSHOP_ALLOC_VALLOC = 7,
  WORKSHOP_ALLOC_PVALLOC = 8,
} workshop_alloc_kind;

typedef enum workshop_free_kind {
  WORKSHOP_FREE_FREE = 0,
  /* The old block of a realloc()/reallocarray() that moved or shrank to 0. */
  WORKSHOP_FREE_REALLOC = 1,
} workshop_free_kind;

/* Environment variables read by the tracker when it loads. */
#define WORKSHOP_ENV_CAPTURE "WORKSHOP_CAPTURE"         /* the capture path (else a default) */
#define WORKSHOP_ENV_FOLLOW_FORK "WORKSHOP_FOLLOW_FORK" /* "1": track fork()ed and exec()ed children */

/* A short name for a record tag ("alloc", "frame", ...), or NULL for an unknown tag. */
const char *workshop_record_name(uint8_t tag);

#endif /* WORKSHOP_CAPTURE_H */
