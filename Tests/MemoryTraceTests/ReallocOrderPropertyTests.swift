import MemoryTrace
import Testing
import WorkshopTestSupport

/// Random programs of threads that malloc, free and realloc each other's blocks from a small pool of
/// addresses, numbered as the tracker numbers them (a FREE before its block goes back to the pool, an
/// ALLOC after it came out, a realloc's FREE before the call and its ALLOC after it) and preempted
/// anywhere in between; each thread's records cut into chunks at random places (never between a
/// realloc's FREE and ALLOC) and the chunks written in any order that keeps each thread's own. Read
/// back, the records must be in an exact order.
@Suite("Threads racing for a few addresses, read back in an exact order")
struct ReallocOrderPropertyTests {
  @Test("every free after its allocation, no live address allocated, every realloc's pair kept", arguments: 0..<48)
  func exactOrder(seed: UInt64) throws {
    var program = RacingProgram(seed: seed, threads: 4, addresses: 6)
    program.run(steps: 3_000)
    let bytes = ChunkedCaptureTests.capture(program.chunksInFileOrder() + [ChunkedCaptureTests.sync(program.numbers)])
    try program.expectReadInExactOrder(bytes)
  }
}

/// A small program model: `threads` threads sharing a pool of `addresses` addresses (their chunks with
/// clock keys: ClockKeyedOrderTests).
struct RacingProgram {
  /// What a thread is in the middle of: each step of it may be preempted.
  enum Activity {
    case idle
    /// free(): numbered, the block not yet back in the pool.
    case freeing(address: UInt64)
    /// realloc(): its FREE numbered; the old block released (it moved) or not yet.
    case reallocating(old: UInt64, released: Bool, inPlace: Bool)
  }

  var random: SplitMix
  var pool: [UInt64]
  /// Live blocks that no thread is freeing or reallocating.
  var live: [UInt64] = []
  var activities: [Activity]
  var records: [[RecordedEvent]]
  var numbers: UInt64 = 0
  var allocations = 0
  var deallocations = 0

  enum RecordedEvent {
    case alloc(number: UInt64, kind: AllocationKind, address: UInt64)
    case free(number: UInt64, kind: DeallocationKind, address: UInt64)
  }

  /// `stripes`: the addresses are spread over that many 64 MiB regions (the tracker's stripes).
  init(seed: UInt64, threads: Int, addresses: Int, stripes: UInt64 = 1) {
    random = SplitMix(seed: seed &* 0x9E37_79B9_7F4A_7C15 &+ 1)
    pool = (0..<UInt64(addresses)).map { 0x1000 + $0 * 0x40 + ($0 % stripes) << 26 }
    activities = Array(repeating: .idle, count: threads)
    records = Array(repeating: [], count: threads)
  }

  /// `bytes`, a capture of this program's records, read back: every free after its allocation, no
  /// live address allocated, every realloc's pair kept, every event once.
  func expectReadInExactOrder(_ bytes: [UInt8]) throws {
    let scratch = ScratchDirectory()
    let reader = try CaptureReader(path: scratch.write(bytes, to: "c.bin"))
    var check = DeliveredOrderCheck()
    try reader.read(into: &check)
    #expect(check.freesOfUnknownBlocks == 0)
    #expect(check.allocationsOfLiveAddresses == 0)
    #expect(check.reallocFreesNotFollowedByTheirAllocation == 0)
    #expect(check.allocations == allocations)
    #expect(check.deallocations == deallocations)
  }

  mutating func number() -> UInt64 {
    defer { numbers += 1 }
    return numbers
  }

  mutating func takeFromPool() -> UInt64? {
    guard !pool.isEmpty else { return nil }
    return pool.remove(at: Int(random.next() % UInt64(pool.count)))
  }

  mutating func takeLive() -> UInt64? {
    guard !live.isEmpty else { return nil }
    return live.remove(at: Int(random.next() % UInt64(live.count)))
  }

  mutating func run(steps: Int) {
    for _ in 0..<steps { step(thread: Int(random.next() % UInt64(activities.count))) }
    // Every thread finishes what it was doing (a realloc may wait for another thread's free).
    for _ in 0..<16 {
      for thread in activities.indices {
        if case .idle = activities[thread] { continue }
        step(thread: thread)
      }
    }
  }

  mutating func step(thread: Int) {
    switch activities[thread] {
    case .idle:
      switch random.next() % 3 {
      case 0:
        guard let address = takeFromPool() else { return }
        records[thread].append(.alloc(number: number(), kind: .malloc, address: address))
        allocations += 1
        live.append(address)
      case 1:
        guard let address = takeLive() else { return }
        records[thread].append(.free(number: number(), kind: .free, address: address))
        deallocations += 1
        activities[thread] = .freeing(address: address)
      default:
        guard let old = takeLive() else { return }
        records[thread].append(.free(number: number(), kind: .realloc, address: old))
        deallocations += 1
        activities[thread] = .reallocating(old: old, released: false, inPlace: random.next() % 4 == 0)
      }
    case .freeing(let address):
      pool.append(address)
      activities[thread] = .idle
    case .reallocating(let old, let released, let inPlace):
      if inPlace {
        records[thread].append(.alloc(number: number(), kind: .realloc, address: old))
        allocations += 1
        live.append(old)
        activities[thread] = .idle
      } else if !released {
        // The call takes its new block and lets the old one go (another thread may get it at once).
        pool.append(old)
        activities[thread] = .reallocating(old: old, released: true, inPlace: false)
      } else if let address = takeFromPool() {
        records[thread].append(.alloc(number: number(), kind: .realloc, address: address))
        allocations += 1
        live.append(address)
        activities[thread] = .idle
      }
    }
  }

  /// Whether a chunk cut after `events[index]` would part a realloc's FREE from its ALLOC.
  static func splitsAPair(_ events: [RecordedEvent], after index: Int) -> Bool {
    guard case .free(_, .realloc, _) = events[index], index + 1 < events.count,
      case .alloc(_, .realloc, _) = events[index + 1]
    else { return false }
    return true
  }

  /// Each thread's records cut into chunks, never between a realloc's FREE and its ALLOC, and the
  /// chunks interleaved at random, each thread's in its own order, with a SYNC now and then that
  /// promises what the file holds by then (every number below the first one not yet written).
  mutating func chunksInFileOrder() -> [[UInt8]] {
    interleave(chunksByThread(), end: numbers)
  }

  /// Each thread's records cut into chunks, never between a realloc's FREE and its ALLOC: each
  /// thread's chunks in its order, with the first number of each.
  mutating func chunksByThread() -> [[(bytes: [UInt8], first: UInt64)]] {
    var chunksByThread: [[(bytes: [UInt8], first: UInt64)]] = []
    for (thread, events) in records.enumerated() {
      var chunks: [(bytes: [UInt8], first: UInt64)] = []
      var chunk = ChunkedCaptureTests.Chunk(thread: UInt64(thread + 1))
      var count = 0
      var first: UInt64 = 0
      for (index, event) in events.enumerated() {
        let number: UInt64
        switch event {
        case .alloc(let eventNumber, let kind, let address):
          number = eventNumber
          chunk.alloc(number, kind, address: address, size: 16)
        case .free(let eventNumber, let kind, let address):
          number = eventNumber
          chunk.free(number, kind, address: address)
        }
        if count == 0 { first = number }
        count += 1
        if !Self.splitsAPair(events, after: index) && random.next() % 16 == 0 {
          chunks.append((chunk.bytes, first))
          chunk = ChunkedCaptureTests.Chunk(thread: UInt64(thread + 1))
          count = 0
        }
      }
      if count > 0 { chunks.append((chunk.bytes, first)) }
      chunksByThread.append(chunks)
    }
    return chunksByThread
  }

  /// The chunks interleaved at random, each thread's in its own order, with a SYNC now and then
  /// that promises what the file holds by then: every key below the first one not yet written
  /// (`end` once all are).
  mutating func interleave(_ chunksByThread: [[(bytes: [UInt8], first: UInt64)]], end: UInt64) -> [[UInt8]] {
    var file: [[UInt8]] = []
    var next = Array(repeating: 0, count: chunksByThread.count)
    while let thread = chunksByThread.indices.filter({ next[$0] < chunksByThread[$0].count }).randomElement(
      using: &random)
    {
      file.append(chunksByThread[thread][next[thread]].bytes)
      next[thread] += 1
      if random.next() % 4 == 0 {
        let unwritten = chunksByThread.indices.compactMap {
          next[$0] < chunksByThread[$0].count ? chunksByThread[$0][next[$0]].first : nil
        }
        file.append(ChunkedCaptureTests.sync(unwritten.min() ?? end))
      }
    }
    return file
  }
}

// The test target's deterministic generator (CaptureErrorTests), so that a failing seed fails again.
extension SplitMix: RandomNumberGenerator {}
