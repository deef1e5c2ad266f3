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

/// The peak of heap growth within a region, like pytest-memray's `limit_memory`.
public struct RegionPeak: Sendable, Equatable {
  /// What was asked for.
  public var request: RegionRequest
  /// Whether the start marker was found.
  public var started: Bool
  /// Whether the end marker was found after it (always `false` without an end marker).
  public var endedAtMarker: Bool
  /// The heap bytes when the region started.
  public var startHeapBytes: UInt64
  /// The largest growth of the heap over `startHeapBytes` within the region (0 if it never grew).
  public var peakGrowthBytes: UInt64
  /// The latest tick before the peak, in microseconds (the start marker's if it never grew).
  public var peakMicroseconds: UInt64
  /// The event index of the peak (the ALLOC that last reached it).
  public var peakEventIndex: UInt64
  /// Blocks allocated within the region and alive at its peak, by stack. Their sum can exceed
  /// `peakGrowthBytes` when the region also freed blocks allocated before it started.
  public var aliveAtPeak: [StackTotal]
  /// The start marker's time, in microseconds (the latest tick before it).
  public var startMicroseconds: UInt64
  /// The end marker's time, or the end of the run.
  public var endMicroseconds: UInt64

  /// The peak time in milliseconds.
  public var peakMilliseconds: Double { Double(peakMicroseconds) / 1000 }
}

/// Follows one region through the single pass.
struct RegionTracker {
  enum State { case waiting, active, closed }

  let request: RegionRequest
  var state = State.waiting
  var base: UInt64 = 0
  var firstEvent: UInt64 = 0
  var mark = HighWaterMark()
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
      endedAtMarker = true
    default:
      break
    }
  }

  @inline(__always)
  mutating func allocated(_ block: LiveBlock, heap: UInt64, time: UInt64) {
    mark.add(stack: block.stack, bytes: block.size)
    mark.reached(Int64(bitPattern: heap &- base), event: block.serial, time: time)
  }

  @inline(__always)
  mutating func freed(_ block: LiveBlock) {
    mark.leaving()
    if block.serial >= firstEvent { mark.remove(stack: block.stack, bytes: block.size) }
  }

  func result(endTime runEnd: UInt64) -> RegionPeak {
    let started = state != .waiting
    return RegionPeak(
      request: request, started: started, endedAtMarker: endedAtMarker, startHeapBytes: base,
      peakGrowthBytes: started ? UInt64(max(mark.peak, 0)) : 0, peakMicroseconds: mark.peakTime,
      peakEventIndex: mark.peakEvent, aliveAtPeak: started ? mark.aliveAtPeak() : [], startMicroseconds: startTime,
      endMicroseconds: state == .closed ? endTime : runEnd)
  }
}
