// Version 6 captures: records keyed by the clock (the time stamp counter in units of 1,024 ticks;
// keys repeat) and numbered per stripe of addresses. The reader delivers them in key order, except where a
// record must wait: for the event before it at its stripe, for the records that define stack
// nodes before it, or for the node its stack names (docs/capture-format.md, "Clock keys").

/// Where a version 6 ALLOC, FREE or STRIPE record stands among its stripe's events.
struct StripeNumber {
  /// The stripe (``CaptureFormat/stripe(of:)``), or -1: a record with no stripe number.
  var stripe: Int32
  var number: UInt64

  static let none = StripeNumber(stripe: -1, number: 0)
}

/// A chunk's stripe numbers, each written against the next one expected in that chunk for its
/// stripe (0 at the chunk's start). Counter-keyed chunks never touch it (no table is made).
struct ChunkStripes {
  private var next: [UInt64] = []

  mutating func read(_ cursor: inout ByteCursor, address: UInt64) throws(DecodeStop) -> StripeNumber {
    try read(&cursor, stripe: CaptureFormat.stripe(of: address))
  }

  mutating func read(_ cursor: inout ByteCursor, stripe: Int) throws(DecodeStop) -> StripeNumber {
    if next.isEmpty { next = Array(repeating: 0, count: CaptureFormat.stripeCount) }
    let number = next[stripe] &+ (try cursor.unsigned())
    next[stripe] = number &+ 1
    return StripeNumber(stripe: Int32(stripe), number: number)
  }
}

/// The clock-keyed records read but not yet delivered.
///
/// Each thread's records wait in a queue of their own, in the order the thread wrote them (its keys
/// never fall); a binary heap orders the queues by the key of their first record. A SYNC promises
/// that every record keyed below it is in the file, so records below it go out in key order, with
/// three exceptions that keep the order exact where keys tie or the clock misleads:
/// - a record numbered in a stripe waits for the stripe's earlier numbers (the events at one
///   address: a FREE after the ALLOC it frees, an ALLOC after the FREE that gave its address back);
/// - a record that defines stack nodes, or a MODULES, waits for every such record keyed below it
///   (nodes are numbered in that order);
/// - an ALLOC waits for the node its stack names.
/// A record that waits parks its thread's queue until what it waits for is delivered. The tracker
/// takes a record's key and stripe number at one moment (under stacks_lock too when it defines
/// nodes), and every rule follows the order of those moments, so some queue can always go on: a
/// capture only sticks when damaged or cut short, and then ``next(below:definedNodes:force:)``
/// with `force` delivers the smallest key regardless.
struct ClockKeyedMerge {
  private struct Held {
    var record: SequencedRecord
    var stripe: StripeNumber
    /// It defines nodes or is a MODULES (delivered in key order among those).
    var stacked: Bool
  }

  private struct Queue {
    var thread: UInt64
    var held: [Held] = []
    var head = 0
    var parked = false

    var isEmpty: Bool { head == held.count }
    var firstKey: UInt64 { held[head].record.sequence }
  }

  private enum Wait {
    case stripe(Int)
    case stacks
    case node
  }

  private struct HeapEntry {
    var key: UInt64
    /// 0 for an ALLOC, 1 for anything else.
    var rank: UInt8
    var queue: Int
  }

  private var queues: [Queue] = []
  private var queueOfThread: [UInt64: Int] = [:]
  /// Queues with a record waiting and not parked, by the key of their first record, then ALLOCs
  /// first (``precedes(_:_:)``).
  private var heap: [HeapEntry] = []
  /// Parked queues, by what their first record waits for.
  private var parkedOnStripe = [[Int]](repeating: [], count: CaptureFormat.stripeCount)
  private var parkedOnStacks: [Int] = []
  private var parkedOnNode: [Int] = []
  /// The keys of the held records that define nodes or are MODULES, smallest first, from
  /// `stackedHead` on (those delivered from the front are stepped over, not shifted out).
  private var stackedKeys: [UInt64] = []
  private var stackedHead = 0
  /// The next number each stripe delivers.
  private var stripeNext = [UInt64](repeating: 0, count: CaptureFormat.stripeCount)
  /// The node count `next` last saw: parked ALLOCs are retried when it grows.
  private var lastDefinedNodes: UInt64 = 0

  /// The queue the last record went to.
  private var lastPushedQueue = 0

  /// Records held.
  private(set) var count = 0

  /// Holds `record` (clock-keyed) until its turn.
  mutating func push(_ record: SequencedRecord, stripe: StripeNumber, stacked: Bool) {
    let index: Int
    if lastPushedQueue < queues.count && queues[lastPushedQueue].thread == record.thread {
      index = lastPushedQueue  // a chunk's records are one thread's, but for a shared buffer's
    } else if let known = queueOfThread[record.thread] {
      index = known
    } else {
      index = queues.count
      queues.append(Queue(thread: record.thread))
      queueOfThread[record.thread] = index
    }
    lastPushedQueue = index
    let wasEmpty = queues[index].isEmpty
    queues[index].held.append(Held(record: record, stripe: stripe, stacked: stacked))
    if stacked { insertStackedKey(record.sequence) }
    count += 1
    if wasEmpty && !queues[index].parked { pushHeap(index) }
  }

  /// The next record to deliver among those keyed below `written`, or nil when none can go yet.
  /// `definedNodes`: the nodes the decoder knows (its FRAMEs delivered). With `force` (the file
  /// ends, LOST, EXEC), every record goes, the rules kept where they can be.
  mutating func next(below written: UInt64, definedNodes: UInt64, force: Bool) -> SequencedRecord? {
    if definedNodes != lastDefinedNodes {
      lastDefinedNodes = definedNodes
      let waiting = parkedOnNode
      parkedOnNode.removeAll(keepingCapacity: true)
      wake(waiting)
    }
    while true {
      guard let top = heap.first else {
        if force, let stuck = smallestParked() {
          unpark(stuck)
          return take(from: stuck)
        }
        return nil
      }
      if top.key >= written && !force { return nil }
      let queue = top.queue
      guard let wait = wait(of: queue, definedNodes: definedNodes) else { return take(from: queue) }
      popHeap()
      queues[queue].parked = true
      switch wait {
      case .stripe(let stripe): parkedOnStripe[stripe].append(queue)
      case .stacks: parkedOnStacks.append(queue)
      case .node: parkedOnNode.append(queue)
      }
    }
  }

  /// Stripes number from 0 again (LOST, EXEC, after every record was delivered).
  mutating func restartStripes() {
    for index in stripeNext.indices { stripeNext[index] = 0 }
  }

  // MARK: - Rules

  private func wait(of queue: Int, definedNodes: UInt64) -> Wait? {
    let first = queues[queue].held[queues[queue].head]
    let stripe = first.stripe
    // A number below the next one (a damaged capture) goes at once: nothing it could wait for.
    if stripe.stripe >= 0 && stripeNext[Int(stripe.stripe)] < stripe.number { return .stripe(Int(stripe.stripe)) }
    if first.stacked { return stackedKeys[stackedHead] == first.record.sequence ? nil : .stacks }
    if case .alloc(_, _, _, let localStack, _) = first.record.body, localStack >= definedNodes { return .node }
    return nil
  }

  /// Takes the first record of `queue` (at the top of the heap, or just unparked), keeping the
  /// stripes and the stacked keys, and waking what waited for it.
  private mutating func take(from queue: Int) -> SequencedRecord {
    let wasOnTop = heap.first?.queue == queue
    let first = queues[queue].held[queues[queue].head]
    let record = first.record
    let stripe = first.stripe
    let stacked = first.stacked
    queues[queue].head += 1
    count -= 1
    if queues[queue].isEmpty {
      queues[queue].held.removeAll(keepingCapacity: true)
      queues[queue].head = 0
      if wasOnTop { popHeap() }
    } else {
      // A queue that never empties (a thread always ahead of a SYNC) drops what it delivered.
      if queues[queue].head >= 4096 && queues[queue].head * 2 >= queues[queue].held.count {
        queues[queue].held.removeFirst(queues[queue].head)
        queues[queue].head = 0
      }
      if wasOnTop {
        replaceTop(with: entry(for: queue))
      } else {
        pushHeap(queue)
      }
    }
    if stripe.stripe >= 0 {
      let index = Int(stripe.stripe)
      // Forced past a gap (a damaged capture), the stripe goes on from this number.
      stripeNext[index] = max(stripeNext[index], stripe.number &+ 1)
      if !parkedOnStripe[index].isEmpty {
        let waiting = parkedOnStripe[index]
        parkedOnStripe[index].removeAll(keepingCapacity: true)
        wake(waiting)
      }
    }
    if stacked {
      if stackedKeys[stackedHead] == record.sequence {
        stackedHead += 1
        if stackedHead == stackedKeys.count || stackedHead >= 4096 {
          stackedKeys.removeFirst(stackedHead)
          stackedHead = 0
        }
      } else if let position = stackedKeys[stackedHead...].firstIndex(of: record.sequence) {
        stackedKeys.remove(at: position)  // forced out of order (a damaged capture)
      }
      let waiting = parkedOnStacks
      parkedOnStacks.removeAll(keepingCapacity: true)
      wake(waiting)
    }
    return record
  }

  /// Puts parked queues back in the heap (their first record is tried again).
  private mutating func wake(_ parked: [Int]) {
    for queue in parked where queues[queue].parked {
      queues[queue].parked = false
      pushHeap(queue)
    }
  }

  private func smallestParked() -> Int? {
    var best: Int? = nil
    for index in queues.indices where queues[index].parked && !queues[index].isEmpty {
      if let chosen = best {
        if queues[index].firstKey < queues[chosen].firstKey {
          best = index
        }
      } else {
        best = index
      }
    }
    return best
  }

  private mutating func unpark(_ queue: Int) {
    queues[queue].parked = false
    for stripe in parkedOnStripe.indices where !parkedOnStripe[stripe].isEmpty {
      parkedOnStripe[stripe].removeAll { $0 == queue }
    }
    parkedOnStacks.removeAll { $0 == queue }
    parkedOnNode.removeAll { $0 == queue }
  }

  private mutating func insertStackedKey(_ key: UInt64) {
    // Keys of node-defining records rise with the tracker's stacks_lock, so they come nearly in
    // order: an insertion from the end is a step or two.
    var position = stackedKeys.count
    while position > stackedHead && stackedKeys[position - 1] > key { position -= 1 }
    stackedKeys.insert(key, at: position)
  }

  // MARK: - The heap of queues

  /// The heap's entry for `queue`'s first record.
  private func entry(for queue: Int) -> HeapEntry {
    let first = queues[queue].held[queues[queue].head].record
    var rank: UInt8 = 1
    if case .alloc = first.body { rank = 0 }
    return HeapEntry(key: first.sequence, rank: rank, queue: queue)
  }

  private mutating func pushHeap(_ queue: Int) {
    heap.append(entry(for: queue))
    var child = heap.count - 1
    while child > 0 {
      let parent = (child - 1) / 2
      guard precedes(heap[child], heap[parent]) else { break }
      heap.swapAt(child, parent)
      child = parent
    }
  }

  private mutating func popHeap() {
    let last = heap.removeLast()
    guard !heap.isEmpty else { return }
    replaceTop(with: last)
  }

  /// The top entry becomes `entry`, sifted down to its place (a pop and a push in one pass).
  private mutating func replaceTop(with entry: HeapEntry) {
    heap[0] = entry
    var parent = 0
    while true {
      let left = 2 * parent + 1
      guard left < heap.count else { break }
      let right = left + 1
      let child = right < heap.count && precedes(heap[right], heap[left]) ? right : left
      guard precedes(heap[child], heap[parent]) else { break }
      heap.swapAt(child, parent)
      parent = child
    }
  }

  /// Key order. Among equal keys (events less than a key's span apart on different threads,
  /// whose order the keys cannot tell), ALLOCs first: the heap read there is the larger of the
  /// orders the program may have had, so that a peak between two threads' phases (one still
  /// allocating, the other already freeing past a barrier) is not read lower than it was. Then
  /// the queue made first: a capture reads the same every time.
  private func precedes(_ a: HeapEntry, _ b: HeapEntry) -> Bool {
    if a.key != b.key { return a.key < b.key }
    if a.rank != b.rank { return a.rank < b.rank }
    return a.queue < b.queue
  }
}
