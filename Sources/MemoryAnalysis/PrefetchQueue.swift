import MemoryTrace

/// An ALLOC or FREE event the profiler has taken but not yet worked out: 32 plain bytes, so that
/// queueing one is a few stores.
struct QueuedHeapEvent {
  var address: UInt64
  /// The allocation's size (0 for a free).
  var size: UInt64
  var thread: UInt64
  /// The allocation's stack (0 for a free).
  var stack: UInt32
  /// The ``AllocationKind`` or ``DeallocationKind``'s raw value.
  var kind: UInt8
  var isAllocation: Bool

  init(_ allocation: AllocationEvent) {
    (address, size, thread, stack) = (allocation.address, allocation.size, allocation.thread, allocation.stack)
    (kind, isAllocation) = (allocation.kind.rawValue, true)
  }

  init(_ deallocation: DeallocationEvent) {
    (address, size, thread, stack) = (deallocation.address, 0, deallocation.thread, 0)
    (kind, isAllocation) = (deallocation.kind.rawValue, false)
  }

  /// The allocation it was made from (``isAllocation``).
  var allocation: AllocationEvent {
    AllocationEvent(
      kind: AllocationKind(rawValue: kind).unsafelyUnwrapped, address: address, size: size, stack: stack,
      thread: thread)
  }

  /// The deallocation it was made from (not ``isAllocation``).
  var deallocation: DeallocationEvent {
    DeallocationEvent(kind: DeallocationKind(rawValue: kind).unsafelyUnwrapped, address: address, thread: thread)
  }
}

/// The last few heap events, waiting while the live-block slots they will touch come into the
/// cache.
///
/// A free of a block allocated long ago (python's objects, a tree freed at the end) misses the
/// cache on the first load of its slot: 60 % of `LiveBlockTable.remove`'s samples on python's
/// `stats`. The profiler asks for the slot's line when it takes the event and works the event out
/// ``capacity`` events later, so the loads of several events overlap instead of following one
/// another. Inline storage (a tuple, no heap buffer): a value copied with the profiler, and no
/// uniqueness check when it changes.
struct PrefetchQueue {
  /// Events held at most: enough to cover a miss to memory (about 100 ns) with the work of the
  /// events before it. 16, not 8, since the slots are 16 bytes and the events' work shorter
  /// (session 13: with the third line prefetched, `stats` of four depth-17 trees 0.186 s to 0.180,
  /// of `tree_build.c` 0.246 to 0.222).
  static var capacity: Int { 16 }

  private static let empty = QueuedHeapEvent(DeallocationEvent(kind: .free, address: 0, thread: 0))
  private var storage:
    (
      QueuedHeapEvent, QueuedHeapEvent, QueuedHeapEvent, QueuedHeapEvent,
      QueuedHeapEvent, QueuedHeapEvent, QueuedHeapEvent, QueuedHeapEvent,
      QueuedHeapEvent, QueuedHeapEvent, QueuedHeapEvent, QueuedHeapEvent,
      QueuedHeapEvent, QueuedHeapEvent, QueuedHeapEvent, QueuedHeapEvent
    ) = (empty, empty, empty, empty, empty, empty, empty, empty, empty, empty, empty, empty, empty, empty, empty, empty)
  /// The slot of the oldest event.
  private var oldest = 0
  /// The number of events held.
  private(set) var count = 0

  var isEmpty: Bool { count == 0 }
  var isFull: Bool { count == Self.capacity }

  /// Holds `event` after the others; the queue must not be full.
  @inline(__always)
  mutating func append(_ event: QueuedHeapEvent) {
    let slot = (oldest &+ count) & (Self.capacity - 1)
    withUnsafeMutablePointer(to: &storage) {
      UnsafeMutableRawPointer($0).assumingMemoryBound(to: QueuedHeapEvent.self)[slot] = event
    }
    count &+= 1
  }

  /// Takes the oldest event; the queue must not be empty.
  @inline(__always)
  mutating func removeOldest() -> QueuedHeapEvent {
    let slot = oldest
    oldest = (oldest &+ 1) & (Self.capacity - 1)
    count &-= 1
    return withUnsafeMutablePointer(to: &storage) {
      UnsafeMutableRawPointer($0).assumingMemoryBound(to: QueuedHeapEvent.self)[slot]
    }
  }
}
