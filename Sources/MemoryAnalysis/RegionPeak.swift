/// A part of the run between two markers, whose memory growth is to be measured.
public struct RegionRequest: Sendable, Hashable {
  /// The marker that starts the region (its first occurrence, from any thread).
  public var startMarker: String
  /// The marker that ends it (its first occurrence after the start), or `nil` for the end of the run.
  public var endMarker: String?

  /// Creates a request for the region from `startMarker` to `endMarker` (or to the end of the run).
  public init(from startMarker: String, to endMarker: String? = nil) {
    self.startMarker = startMarker
    self.endMarker = endMarker
  }
}

/// What a region of the run did with memory: the measures `workshop check` limits.
///
/// Every measure counts only blocks *allocated within the region*, as pytest-memray does: blocks
/// that existed before it started are not the region's, even when it frees them.
public struct RegionPeak: Sendable, Equatable {
  /// What was asked for.
  public var request: RegionRequest
  /// Whether the start marker was found.
  public var started: Bool
  /// Whether the end marker was found after it (always `false` without an end marker).
  public var endedAtMarker: Bool
  /// The heap bytes when the region started.
  public var startHeapBytes: UInt64
  /// The most bytes allocated within the region that were alive at once (`limit_memory`).
  public var peakBytes: UInt64
  /// The largest growth of the whole heap over `startHeapBytes` within the region: the peak net of
  /// what the region freed of older blocks, so never more than `peakBytes`.
  public var peakGrowthBytes: UInt64
  /// The latest tick before the peak, in microseconds (the start marker's if nothing was allocated).
  public var peakMicroseconds: UInt64
  /// The event index of the peak (the ALLOC that last reached it).
  public var peakEventIndex: UInt64
  /// Blocks allocated within the region and alive at its peak, by stack; they add up to `peakBytes`.
  public var aliveAtPeak: [StackTotal]
  /// Allocations made within the region.
  public var allocations: UInt64
  /// Bytes allocated within the region, in all.
  public var bytesAllocated: UInt64
  /// Allocations made within the region that were temporary (freed before their thread's next
  /// allocation, memray's definition).
  public var temporaryAllocations: UInt64
  /// Every allocation made within the region, by stack (bytes and count), largest bytes first.
  public var allocatedByStack: [StackTotal]
  /// The temporary ones among them, by stack, largest bytes first.
  public var temporaryByStack: [StackTotal]
  /// Blocks allocated within the region and still alive when the run ended, by stack (`limit_leaks`).
  public var leaks: [StackTotal]
  /// The start marker's time, in microseconds (the latest tick before it).
  public var startMicroseconds: UInt64
  /// The end marker's time, or the end of the run.
  public var endMicroseconds: UInt64

  /// The peak time in milliseconds.
  public var peakMilliseconds: Double { Double(peakMicroseconds) / 1000 }
  /// Bytes allocated within the region and still alive at the end.
  public var leakedBytes: UInt64 { leaks.reduce(0) { $0 &+ $1.bytes } }
  /// Blocks allocated within the region and still alive at the end.
  public var leakedAllocations: UInt64 { leaks.reduce(0) { $0 &+ $1.count } }
}

/// Follows one region through the single pass.
struct RegionTracker {
  enum State { case waiting, active, closed }

  let request: RegionRequest
  var state = State.waiting
  var base: UInt64 = 0
  /// The event index of the region's first event, and one past its last (open: `.max`).
  var firstEvent: UInt64 = 0
  var endEvent: UInt64 = .max
  var mark = HighWaterMark()
  /// Bytes allocated within the region and alive now: the level `mark` follows.
  var liveBytes: UInt64 = 0
  var growthPeak: UInt64 = 0
  var allocations: UInt64 = 0
  var bytesAllocated: UInt64 = 0
  var temporaries: UInt64 = 0
  var allocatedPerStack = PerStackTotals()
  var temporaryPerStack = PerStackTotals()
  var startTime: UInt64 = 0
  var endTime: UInt64 = 0
  var endedAtMarker = false

  init(_ request: RegionRequest) { self.request = request }

  mutating func marker(_ name: String, heap: UInt64, event: UInt64, time: UInt64) {
    switch state {
    case .waiting where name == request.startMarker:
      state = .active
      base = heap
      firstEvent = event
      startTime = time
      mark.reached(0, event: event, time: time)
    case .active where name == request.endMarker:
      state = .closed
      endTime = time
      endEvent = event
      endedAtMarker = true
    default:
      break
    }
  }

  /// A block the region allocated was temporary.
  mutating func temporary(_ block: LiveBlock) {
    temporaries &+= 1
    temporaryPerStack.add(block)
  }

  /// Whether the block was allocated within the region.
  @inline(__always)
  func owns(_ block: LiveBlock) -> Bool { block.serial >= firstEvent && block.serial < endEvent }

  @inline(__always)
  mutating func allocated(_ block: LiveBlock, heap: UInt64, time: UInt64) {
    allocations &+= 1
    bytesAllocated &+= block.size
    allocatedPerStack.add(block)
    liveBytes &+= block.size
    mark.add(stack: block.stack, bytes: block.size)
    mark.reached(Int64(bitPattern: liveBytes), event: block.serial, time: time)
    if heap &- base > growthPeak && heap > base { growthPeak = heap &- base }
  }

  @inline(__always)
  mutating func freed(_ block: LiveBlock) {
    // Older blocks are not the region's: freeing one leaves its level where it was.
    guard owns(block) else { return }
    mark.leaving()
    liveBytes &-= block.size
    mark.remove(stack: block.stack, bytes: block.size)
  }

  /// - Parameter leaks: the region's blocks still alive at the end, by stack.
  func result(endTime runEnd: UInt64, leaks: [StackTotal]) -> RegionPeak {
    let started = state != .waiting
    return RegionPeak(
      request: request, started: started, endedAtMarker: endedAtMarker, startHeapBytes: base,
      peakBytes: started ? UInt64(max(mark.peak, 0)) : 0, peakGrowthBytes: growthPeak,
      peakMicroseconds: mark.peakTime, peakEventIndex: mark.peakEvent,
      aliveAtPeak: started ? mark.aliveAtPeak() : [], allocations: allocations, bytesAllocated: bytesAllocated,
      temporaryAllocations: temporaries, allocatedByStack: allocatedPerStack.ranked,
      temporaryByStack: temporaryPerStack.ranked, leaks: started ? leaks : [], startMicroseconds: startTime,
      endMicroseconds: state == .closed ? endTime : runEnd)
  }
}
