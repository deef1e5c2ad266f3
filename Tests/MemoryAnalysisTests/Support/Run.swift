import MemoryAnalysis
import MemoryTrace

/// Feeds a profiler designed event sequences, one line per event.
struct Run {
  var profiler: MemoryProfiler
  var thread: UInt64 = 1

  init(regions: [RegionRequest] = [], detail: MemoryProfiler.Detail = .everything) {
    profiler = MemoryProfiler(regions: regions, detail: detail)
  }

  mutating func on(_ thread: UInt64) {
    self.thread = thread
    profiler.visitThread(thread)
  }

  mutating func alloc(_ address: UInt64, _ size: UInt64, stack: UInt32 = 0, kind: AllocationKind = .malloc) {
    profiler.visit(AllocationEvent(kind: kind, address: address, size: size, stack: stack, thread: thread))
  }

  mutating func free(_ address: UInt64, kind: DeallocationKind = .free) {
    profiler.visit(DeallocationEvent(kind: kind, address: address, thread: thread))
  }

  mutating func tick(ms: UInt64, rss: UInt64 = 0) {
    profiler.visit(TickEvent(microseconds: ms * 1000, residentBytes: rss, trackerBytes: 0))
  }

  mutating func marker(_ name: String) { profiler.visit(MarkerEvent(name: name, thread: thread)) }

  mutating func end(ms: UInt64) { profiler.visitEnd(microseconds: ms * 1000) }

  var profile: MemoryProfile { profiler.profile() }
}

/// The obvious, slow way: replay the events with a dictionary, for comparison.
struct NaiveModel {
  enum Event {
    case alloc(address: UInt64, size: UInt64, stack: UInt32, thread: UInt64)
    case free(address: UInt64, thread: UInt64)
    case marker(String)
  }

  var events: [Event] = []

  /// Blocks alive after the first `count` events.
  func alive(after count: Int) -> [UInt64: (size: UInt64, stack: UInt32, index: Int)] {
    var live: [UInt64: (size: UInt64, stack: UInt32, index: Int)] = [:]
    var index = 0
    for event in events.prefix(count) {
      switch event {
      case .alloc(let address, let size, let stack, _):
        live[address] = (size, stack, index)
      case .free(let address, _):
        live[address] = nil
      case .marker: break
      }
      index += 1
    }
    return live
  }

  static func grouped(_ blocks: some Sequence<(size: UInt64, stack: UInt32, index: Int)>) -> Set<StackTotal> {
    var totals: [UInt32: StackTotal] = [:]
    for block in blocks {
      totals[block.stack, default: StackTotal(stack: block.stack, bytes: 0, count: 0)].bytes += block.size
      totals[block.stack]!.count += 1
    }
    return Set(totals.values)
  }

  /// (peak bytes, the number of events up to and including the last peak).
  func peak(from start: Int = 0, to end: Int? = nil) -> (growth: Int64, through: Int) {
    var live: [UInt64: UInt64] = [:]
    var heap: Int64 = 0
    var base: Int64 = 0
    var best: Int64 = 0
    var through = start
    for (position, event) in events.enumerated() {
      if position == start { base = heap; best = 0; through = start }
      if let end, position >= end { break }
      switch event {
      case .alloc(let address, let size, _, _):
        if let old = live[address] { heap -= Int64(old) }
        live[address] = size
        heap += Int64(size)
        if position >= start && heap - base >= best {
          best = heap - base
          through = position + 1
        }
      case .free(let address, _):
        if let old = live.removeValue(forKey: address) { heap -= Int64(old) }
      case .marker: break
      }
    }
    return (best, through)
  }

  /// The most bytes allocated within events [start, end) alive at once, and the number of events
  /// up to and including the last time that level was reached (pytest-memray's measure).
  func regionPeak(from start: Int, to end: Int) -> (bytes: UInt64, through: Int) {
    var owned: [UInt64: UInt64] = [:]
    var level: UInt64 = 0
    var best: UInt64 = 0
    var through = start
    for (position, event) in events.enumerated() {
      if position >= end { break }
      switch event {
      case .alloc(let address, let size, _, _):
        if let old = owned.removeValue(forKey: address) { level -= old }
        guard position >= start else { continue }
        owned[address] = size
        level += size
        if level >= best {
          best = level
          through = position + 1
        }
      case .free(let address, _):
        if let old = owned.removeValue(forKey: address) { level -= old }
      case .marker: break
      }
    }
    return (best, through)
  }

  /// Temporaries: a block freed by its allocating thread before that thread allocated again.
  func temporaries() -> Set<StackTotal> {
    var last: [UInt64: UInt64] = [:]
    var live: [UInt64: (size: UInt64, stack: UInt32, index: Int)] = [:]
    var found: [(size: UInt64, stack: UInt32, index: Int)] = []
    for event in events {
      switch event {
      case .alloc(let address, let size, let stack, let thread):
        live[address] = (size, stack, 0)
        last[thread] = address
      case .free(let address, let thread):
        guard let block = live.removeValue(forKey: address) else { continue }
        if last[thread] == address {
          found.append(block)
          last[thread] = nil
        }
      case .marker: break
      }
    }
    return NaiveModel.grouped(found)
  }
}
/// A small deterministic generator.
struct SplitMix {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9e37_79b9_7f4a_7c15
    var z = state
    z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
    z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
    return z ^ (z >> 31)
  }
}
