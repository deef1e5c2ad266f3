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

/// A number per stripe in raw memory, so that stepping one is a store (an array's uniqueness check
/// on every record was a tenth of reading a clock-keyed capture). A copy shares the numbers: only
/// one of the two may be used afterwards.
struct StripeTable {
  /// Frees the numbers once no value names them.
  private final class Owner {
    let numbers: UnsafeMutablePointer<UInt64>

    init() {
      numbers = .allocate(capacity: CaptureFormat.stripeCount)
      numbers.initialize(repeating: 0, count: CaptureFormat.stripeCount)
    }

    deinit { numbers.deallocate() }
  }

  private let owner = Owner()
  private let numbers: UnsafeMutablePointer<UInt64>

  init() { numbers = owner.numbers }

  /// `stripe` is below ``CaptureFormat/stripeCount`` (``CaptureFormat/stripe(of:)``, or checked).
  subscript(stripe: Int) -> UInt64 {
    get { numbers[stripe] }
    nonmutating set { numbers[stripe] = newValue }
  }

  func reset() { numbers.update(repeating: 0, count: CaptureFormat.stripeCount) }
}

/// A chunk's stripe numbers, each written against the next one expected in that chunk for its
/// stripe (0 at the chunk's start). Counter-keyed chunks never touch it (no table is made).
struct ChunkStripes {
  private var next: StripeTable? = nil

  @inline(__always)
  mutating func read(_ cursor: inout ByteCursor, address: UInt64) throws(DecodeStop) -> StripeNumber {
    try read(&cursor, stripe: CaptureFormat.stripe(of: address))
  }

  @inline(__always)
  mutating func read(_ cursor: inout ByteCursor, stripe: Int) throws(DecodeStop) -> StripeNumber {
    if next == nil { next = StripeTable() }
    let table = next.unsafelyUnwrapped
    let number = table[stripe] &+ (try cursor.unsigned())
    table[stripe] = number &+ 1
    return StripeNumber(stripe: Int32(stripe), number: number)
  }
}

/// The held streams whose next record is clock-keyed, in the order their records are delivered.
///
/// Each held stream (``HeldStreams``) waits with its next record decoded (its head), the rest as
/// bytes, in the order its thread wrote them (keys never fall within a stream); a binary heap
/// orders the streams by the key of their head. A SYNC promises that every record keyed below it
/// is in the file, so records below it go out in key order, with three exceptions that keep the
/// order exact where keys tie or the clock misleads:
/// - a record numbered in a stripe waits for the stripe's earlier numbers (the events at one
///   address: a FREE after the ALLOC it frees, an ALLOC after the FREE that gave its address back);
/// - a record that defines stack nodes, or a MODULES, waits for every such record keyed below it
///   (nodes are numbered in that order);
/// - an ALLOC waits for the node its stack names.
/// A record that waits parks its stream until what it waits for is delivered. The tracker takes a
/// record's key and stripe number at one moment (under stacks_lock too when it defines nodes), and
/// every rule follows the order of those moments, so some stream can always go on: a capture only
/// sticks when damaged or cut short, and then ``next(below:definedNodes:force:streams:)`` with
/// `force` delivers the smallest key regardless.
///
/// The merge sees only heads: a node-defining record keyed below a head may still be bytes in a
/// parked stream, which is read ahead for it (``HeldStream/holdsNodeDefiningRecord(below:)``);
/// streams not parked have no record keyed below the top of the heap.
struct ClockKeyedMerge {
  private enum Wait {
    case stripe(Int)
    case stacks
    case node
  }

  private struct HeapEntry {
    var key: UInt64
    /// 0 for an ALLOC, 1 for anything else.
    var rank: UInt8
    /// The head's thread's place among equal keys (``HeldStream/order``).
    var order: UInt64
    var slot: Int
  }

  /// Streams with a head waiting and not parked, by the key of their head, then ALLOCs first
  /// (``precedes(_:_:)``).
  private var heap: [HeapEntry] = []
  /// Parked streams, by what their head waits for.
  private var parkedOnStripe = [[Int]](repeating: [], count: CaptureFormat.stripeCount)
  private var parkedOnStacks: [Int] = []
  private var parkedOnNode: [Int] = []
  private var parkedCount = 0
  /// The next number each stripe delivers.
  private let stripeNext = StripeTable()
  /// The node count `next` last saw: parked ALLOCs are retried when it grows.
  private var lastDefinedNodes: UInt64 = 0
  /// Each thread's place among equal keys: the thread whose first clock-keyed record was read
  /// first (by its chunk's place in the file, then its own) goes first, so a capture reads the
  /// same every time.
  private var threadOrder: [UInt64: UInt64] = [:]

  /// Streams whose head is here (in the heap or parked).
  private(set) var count = 0

  /// The place among equal keys of `thread`, whose clock-keyed record stands at `place` in the
  /// file's order (its chunk's number, then its position in the chunk).
  mutating func order(of thread: UInt64, place: UInt64) -> UInt64 {
    if let known = threadOrder[thread] { return known }
    threadOrder[thread] = place
    return place
  }

  /// The stream in `slot` waits with a clock-keyed head (its `headStacked` and `order` set).
  mutating func push(_ slot: Int, streams: UnsafeMutablePointer<HeldStream>) {
    count += 1
    streams[slot].parked = false
    pushHeap(slot, streams: streams)
  }

  /// The slot of the stream whose head goes next among those keyed below `written`, or nil when
  /// none can go yet. The caller takes the head, decodes the stream's next record and calls
  /// ``advanced(_:taken:streams:)``. `definedNodes`: the nodes the decoder knows (its FRAMEs
  /// delivered). With `force` (the file ends, LOST, EXEC), every record goes, the rules kept where
  /// they can be.
  @inline(__always)
  mutating func next(
    below written: UInt64, definedNodes: UInt64, force: Bool, streams: UnsafeMutablePointer<HeldStream>
  ) -> Int? {
    if definedNodes != lastDefinedNodes {
      lastDefinedNodes = definedNodes
      let waiting = parkedOnNode
      parkedOnNode.removeAll(keepingCapacity: true)
      wake(waiting, streams: streams)
    }
    while true {
      guard let top = heap.first else {
        if force, let stuck = smallestParked(streams: streams) {
          unpark(stuck, streams: streams)
          return stuck
        }
        return nil
      }
      if top.key >= written && !force { return nil }
      let slot = top.slot
      guard let wait = wait(of: slot, definedNodes: definedNodes, streams: streams) else { return slot }
      popHeap(streams: streams)
      streams[slot].parked = true
      parkedCount += 1
      switch wait {
      case .stripe(let stripe): parkedOnStripe[stripe].append(slot)
      case .stacks: parkedOnStacks.append(slot)
      case .node: parkedOnNode.append(slot)
      }
    }
  }

  /// The head of `slot` (returned by ``next(below:definedNodes:force:streams:)``) was `taken`
  /// (its stripe number, and whether it defined nodes); the stream's next record is its head now
  /// if it is still clock-keyed (`streams[slot].headStacked` and `order` set), else the stream
  /// left (`staying` false). Keeps the stripes and wakes what waited for the record taken.
  @inline(__always)
  mutating func advanced(
    _ slot: Int, taken: (stripe: StripeNumber, stacked: Bool), staying: Bool,
    streams: UnsafeMutablePointer<HeldStream>
  ) {
    let wasOnTop = heap.first?.slot == slot
    if staying {
      if wasOnTop {
        replaceTop(with: entry(for: slot, streams: streams), streams: streams)
      } else {
        pushHeap(slot, streams: streams)
      }
    } else {
      count -= 1
      if wasOnTop { popHeap(streams: streams) }
    }
    let stripe = taken.stripe
    if stripe.stripe >= 0 {
      let index = Int(stripe.stripe)
      // Forced past a gap (a damaged capture), the stripe goes on from this number.
      stripeNext[index] = max(stripeNext[index], stripe.number &+ 1)
      // Nearly always none parked: the count spares every record two loads of the stripe's list.
      if parkedCount > 0 && !parkedOnStripe[index].isEmpty {
        let waiting = parkedOnStripe[index]
        parkedOnStripe[index].removeAll(keepingCapacity: true)
        wake(waiting, streams: streams)
      }
    }
    if taken.stacked && !parkedOnStacks.isEmpty {
      let waiting = parkedOnStacks
      parkedOnStacks.removeAll(keepingCapacity: true)
      wake(waiting, streams: streams)
    }
  }

  // MARK: - Runs of one stream

  /// Whether a head of the stream in `slot`, the top of the heap (its entry not brought up to date),
  /// keyed `key`, of `rank` (0 for an ALLOC) and `order` (``HeldStream/order``), goes next whatever
  /// it is, as long as it waits for nothing: it is keyed below `written` and precedes the top's
  /// children (so every other head in the heap), and no stream is parked (waking one could put a
  /// head before it). What ``advanced(_:taken:staying:streams:)`` and
  /// ``next(below:definedNodes:force:streams:)`` would find, without changing the heap.
  @inline(__always)
  func leads(key: UInt64, rank: UInt8, order: UInt64, slot: Int, below written: UInt64) -> Bool {
    guard parkedCount == 0, key < written else { return false }
    let head = HeapEntry(key: key, rank: rank, order: order, slot: slot)
    if heap.count > 1 && !precedes(head, heap[1]) { return false }
    if heap.count > 2 && !precedes(head, heap[2]) { return false }
    return true
  }

  /// Whether `stripe` (a head's stripe number) would make its head wait: an earlier number of its
  /// stripe is not delivered yet. (``next(below:definedNodes:force:streams:)``'s first rule.)
  @inline(__always)
  func waitsForStripe(_ stripe: StripeNumber) -> Bool {
    stripe.stripe >= 0 && stripeNext[Int(stripe.stripe)] < stripe.number
  }

  /// A record with `stripe` was taken within a run (nothing is parked): its stripe goes on from
  /// the next number, as ``advanced(_:taken:staying:streams:)`` keeps it.
  @inline(__always)
  func tookInRun(_ stripe: StripeNumber) {
    guard stripe.stripe >= 0 else { return }
    let index = Int(stripe.stripe)
    stripeNext[index] = max(stripeNext[index], stripe.number &+ 1)
  }

  /// Stripes number from 0 again (LOST, EXEC, after every record was delivered).
  mutating func restartStripes() {
    stripeNext.reset()
  }

  // MARK: - Rules

  @inline(__always)
  private func wait(of slot: Int, definedNodes: UInt64, streams: UnsafeMutablePointer<HeldStream>) -> Wait? {
    let stripe = streams[slot].headStripe
    // A number below the next one (a damaged capture) goes at once: nothing it could wait for.
    if stripe.stripe >= 0 && stripeNext[Int(stripe.stripe)] < stripe.number { return .stripe(Int(stripe.stripe)) }
    if streams[slot].headStacked {
      return holdsNodeDefiningRecord(below: streams[slot].head.sequence, streams: streams) ? .stacks : nil
    }
    if case .alloc(_, _, _, let localStack, _) = streams[slot].head.body, localStack >= definedNodes { return .node }
    return nil
  }

  /// Whether a parked stream holds a record keyed below `key` that defines nodes or is a MODULES:
  /// the streams not parked have none (their heads are keyed at or above the top of the heap).
  private func holdsNodeDefiningRecord(below key: UInt64, streams: UnsafeMutablePointer<HeldStream>) -> Bool {
    guard parkedCount > 0 else { return false }
    func holds(_ slot: Int) -> Bool {
      guard streams[slot].parked, streams[slot].head.sequence < key else { return false }
      return streams[slot].headStacked || streams[slot].holdsNodeDefiningRecord(below: key)
    }
    if parkedOnStacks.contains(where: holds) || parkedOnNode.contains(where: holds) { return true }
    return parkedOnStripe.contains { $0.contains(where: holds) }
  }

  /// Puts parked streams back in the heap (their head is tried again).
  private mutating func wake(_ parked: [Int], streams: UnsafeMutablePointer<HeldStream>) {
    for slot in parked where streams[slot].parked {
      streams[slot].parked = false
      parkedCount -= 1
      pushHeap(slot, streams: streams)
    }
  }

  private func smallestParked(streams: UnsafeMutablePointer<HeldStream>) -> Int? {
    var best: Int? = nil
    func consider(_ slot: Int) {
      guard streams[slot].parked else { return }
      if let chosen = best, streams[chosen].head.sequence <= streams[slot].head.sequence,
        streams[chosen].head.sequence < streams[slot].head.sequence || streams[chosen].order <= streams[slot].order
      {
        return
      }
      best = slot
    }
    parkedOnStacks.forEach(consider)
    parkedOnNode.forEach(consider)
    for list in parkedOnStripe { list.forEach(consider) }
    return best
  }

  private mutating func unpark(_ slot: Int, streams: UnsafeMutablePointer<HeldStream>) {
    streams[slot].parked = false
    parkedCount -= 1
    for stripe in parkedOnStripe.indices where !parkedOnStripe[stripe].isEmpty {
      parkedOnStripe[stripe].removeAll { $0 == slot }
    }
    parkedOnStacks.removeAll { $0 == slot }
    parkedOnNode.removeAll { $0 == slot }
  }

  // MARK: - The heap of streams

  /// The heap's entry for the head of `slot`.
  @inline(__always)
  private func entry(for slot: Int, streams: UnsafeMutablePointer<HeldStream>) -> HeapEntry {
    var rank: UInt8 = 1
    if case .alloc = streams[slot].head.body { rank = 0 }
    return HeapEntry(key: streams[slot].head.sequence, rank: rank, order: streams[slot].order, slot: slot)
  }

  private mutating func pushHeap(_ slot: Int, streams: UnsafeMutablePointer<HeldStream>) {
    heap.append(entry(for: slot, streams: streams))
    var child = heap.count - 1
    while child > 0 {
      let parent = (child - 1) / 2
      guard precedes(heap[child], heap[parent]) else { break }
      heap.swapAt(child, parent)
      child = parent
    }
  }

  private mutating func popHeap(streams: UnsafeMutablePointer<HeldStream>) {
    let last = heap.removeLast()
    guard !heap.isEmpty else { return }
    replaceTop(with: last, streams: streams)
  }

  /// The top entry becomes `entry`, sifted down to its place (a pop and a push in one pass).
  @inline(__always)
  private mutating func replaceTop(with entry: HeapEntry, streams: UnsafeMutablePointer<HeldStream>) {
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
  /// the thread read first: a capture reads the same every time.
  @inline(__always)
  private func precedes(_ a: HeapEntry, _ b: HeapEntry) -> Bool {
    if a.key != b.key { return a.key < b.key }
    if a.rank != b.rank { return a.rank < b.rank }
    if a.order != b.order { return a.order < b.order }
    return a.slot < b.slot
  }
}
