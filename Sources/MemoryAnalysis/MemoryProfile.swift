import MemoryTrace

/// Counts over the whole run.
public struct ProfileTotals: Sendable, Equatable {
  /// ALLOC records.
  public var allocations: UInt64
  /// FREE records that freed a block seen allocated.
  public var frees: UInt64
  /// FREE records of addresses never seen allocated (allocated before tracking began): ignored.
  public var unknownFrees: UInt64
  /// The sum of all allocation sizes.
  public var bytesAllocated: UInt64
  /// ALLOC records per allocator call (kinds never seen are absent).
  public var allocationsByKind: [AllocationKind: UInt64]
  /// FREE records per kind, known blocks or not (kinds never seen are absent).
  public var deallocationsByKind: [DeallocationKind: UInt64]
  /// Distinct threads seen.
  public var threads: Int
  /// The END time, or the last tick's when the capture has no END, in microseconds.
  public var durationMicroseconds: UInt64
  /// Events the tracker reported it dropped (LOST records): the figures may be off by that many.
  public var lostEvents: UInt64
  /// `realloc()` calls that kept their address (an ALLOC at a live address, with no FREE).
  public var inPlaceReallocations: UInt64
  /// Non-realloc ALLOC records at a live address: a FREE went missing (see ``lostEvents``).
  public var overwrittenBlocks: UInt64

  /// The duration in milliseconds.
  public var durationMilliseconds: Double { Double(durationMicroseconds) / 1000 }
}

/// The largest heap of the run and what was alive at that moment.
public struct HeapPeak: Sendable, Equatable {
  /// Heap bytes at the peak (sum of live block sizes), exact.
  public var bytes: UInt64
  /// The latest tick before the peak, in microseconds. When the maximum is reached several times,
  /// this is the last time.
  public var microseconds: UInt64
  /// The event index of the ALLOC that last reached the peak; `nil` if nothing was allocated.
  public var eventIndex: UInt64?
  /// Blocks alive at the peak, grouped by stack, largest first; their bytes sum to ``bytes``.
  public var aliveByStack: [StackTotal]

  /// The peak time in milliseconds.
  public var milliseconds: Double { Double(microseconds) / 1000 }
}

/// Everything the analysis found in a capture, from one streaming pass.
///
/// Made by ``MemoryProfile/init(contentsOf:regions:detail:)`` for a finished file, by
/// ``LiveCapture/profile()`` for a growing one, or by ``MemoryProfiler/profile(frames:readProblem:)``.
public struct MemoryProfile: Sendable {
  /// The capture header (nil only for a profile fed events directly).
  public var header: CaptureHeader?
  /// The command line that ran (the first program, if it exec()ed others: see ``execs``).
  public var command: CaptureCommand?
  /// What the profiler worked out: with ``MemoryProfiler/Detail/headline``, the per-stack lists
  /// (``peak``'s, ``leaks``, ``allocatedByStack``, ``temporaries``) and ``histogram`` are empty.
  public var detail: MemoryProfiler.Detail = .everything
  /// Counts over the whole run.
  public var totals: ProfileTotals
  /// The peak heap and what was alive then.
  public var peak: HeapPeak
  /// Blocks still alive at the end, grouped by stack, largest first.
  public var leaks: [StackTotal]
  /// The heap at the end of the run (the sum of ``leaks``).
  public var heapBytesAtEnd: UInt64
  /// Blocks still alive at the end (the sum of ``leaks``' counts).
  public var leakedAllocations: UInt64
  /// Heap and resident size at every tick.
  public var timeline: [TimelinePoint]
  /// Allocation sizes.
  public var histogram: SizeHistogram
  /// Allocations freed before their thread allocated again.
  public var temporaries: TemporaryAllocations
  /// All allocations (freed or not) by stack, largest bytes first.
  public var allocatedByStack: [StackTotal]
  /// The markers, in order.
  public var markers: [MarkerOccurrence]
  /// One result per requested region, in request order.
  public var regions: [RegionPeak]
  /// The kernel thread ids seen, in order of first appearance.
  public var threadIDs: [UInt64]
  /// The stack nodes, to resolve the `stack` of every ``StackTotal``.
  public var frames: FrameTable
  /// The programs the process replaced itself with (`exec()`), in order; ``command`` is the first.
  public var execs: [ProgramExec] = []
  /// Whether the capture has its END record (the program exited normally).
  public var sawEnd: Bool
  /// A truncation warning, or the damage after which the file could not be read, if any.
  public var readProblem: CaptureError?

  /// Bytes still alive at the end.
  public var leakedBytes: UInt64 { heapBytesAtEnd }

  /// The frames of `stack`, innermost first (empty for 0, "no stack").
  ///
  /// - Complexity: O(*d*) for a stack *d* frames deep.
  public func stack(_ stack: UInt32) -> [StackFrame] { frames.stack(stack) }

  /// The result for `request`, if it was asked for.
  public func region(_ request: RegionRequest) -> RegionPeak? { regions.first { $0.request == request } }
}

extension MemoryProfile {
  /// Reads and analyzes a finished capture in one pass.
  ///
  /// A capture cut short, or damaged part-way, still yields a profile of what could be read, with
  /// the reason in ``readProblem``.
  ///
  /// - Parameter detail: what to work out (``MemoryProfiler/Detail``).
  /// - Throws: a ``CaptureError`` when the file is not a readable capture at all.
  /// - Complexity: O(*n*) for *n* records.
  public init(
    contentsOf path: String, regions: [RegionRequest] = [], detail: MemoryProfiler.Detail = .everything
  ) throws(CaptureError) {
    let live = try LiveCapture(path: path, regions: regions, detail: detail)
    try live.update(fileMayGrow: false)
    self = live.profile()
  }
}

/// A capture being analyzed while the tracker may still be writing it, for a live chart.
///
/// Call ``update(fileMayGrow:)`` whenever the chart wants to catch up (every 100 ms, say); it
/// reads only what was appended since. ``timeline`` and ``heapBytes`` are cheap to read after each
/// update; ``profile()`` builds the full figures.
public final class LiveCapture {
  /// The reader tailing the file.
  public let reader: CaptureReader
  /// The analysis so far.
  public private(set) var profiler: MemoryProfiler
  /// The last truncation warning or damage seen.
  public private(set) var readProblem: CaptureError?

  /// Opens `path`; nothing is read until ``update(fileMayGrow:)``. The profiler works out what
  /// `detail` names.
  public init(
    path: String, regions: [RegionRequest] = [], detail: MemoryProfiler.Detail = .everything
  ) throws(CaptureError) {
    reader = try CaptureReader(path: path)
    profiler = MemoryProfiler(regions: regions, detail: detail)
  }

  /// Reads what was appended since the last call and analyzes it.
  ///
  /// - Parameter fileMayGrow: `false` once the program has exited, so that a missing END record
  ///   is reported as a truncation.
  /// - Throws: a ``CaptureError`` when the file is not a readable capture. Damage is not thrown:
  ///   it is kept in ``readProblem`` and reading stops there.
  @discardableResult
  public func update(fileMayGrow: Bool = true) throws(CaptureError) -> ReadProgress? {
    if case .damaged = readProblem { return nil }
    do {
      let progress = try reader.read(into: &profiler, fileMayGrow: fileMayGrow)
      readProblem = progress.warning
      return progress
    } catch {
      guard case .damaged = error else { throw error }
      readProblem = error
      return nil
    }
  }

  /// The heap and resident size at every tick so far.
  public var timeline: [TimelinePoint] { profiler.timeline }
  /// The heap bytes now.
  public var heapBytes: UInt64 { profiler.heapBytes }
  /// The largest heap so far.
  public var peakBytes: UInt64 { profiler.peakBytes }

  /// The full figures so far.
  ///
  /// - Complexity: O(*s* log *s* + *b*) for *s* stacks and *b* live blocks.
  public func profile() -> MemoryProfile {
    profiler.profile(frames: reader.frames, readProblem: readProblem)
  }
}
