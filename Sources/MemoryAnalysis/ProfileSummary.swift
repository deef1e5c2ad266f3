/// The headline figures of a profile, as `workshop stats --json` prints them.
///
/// Encodes with snake-case keys: `peak_bytes`, `peak_time_ms`, `total_allocations`, `total_frees`,
/// `total_bytes_allocated`, `leaked_bytes`, `leaked_allocations`, `duration_ms`, `threads`, `lost_events`,
/// `complete`.
public struct ProfileSummary: Sendable, Equatable, Codable {
  /// Heap bytes at the peak.
  public var peakBytes: UInt64
  /// The latest tick before the (last) peak, in milliseconds.
  public var peakTimeMilliseconds: Double
  /// ALLOC records.
  public var totalAllocations: UInt64
  /// FREE records of known blocks.
  public var totalFrees: UInt64
  /// The sum of all allocation sizes.
  public var totalBytesAllocated: UInt64
  /// Bytes still alive at the end.
  public var leakedBytes: UInt64
  /// Blocks still alive at the end.
  public var leakedAllocations: UInt64
  /// The run's duration in milliseconds.
  public var durationMilliseconds: Double
  /// Distinct threads seen.
  public var threads: Int
  /// Events the tracker could not write (LOST records, usually a full disk): the figures miss them.
  public var lostEvents: UInt64 = 0
  /// Whether the capture holds the whole run: it reaches its END record and lost no event. A full
  /// disk can keep even the LOST record out, and then only this says the figures are short.
  public var complete = true
  /// The measures of a region between markers, when one was asked for.
  public var region: RegionSummary?

  enum CodingKeys: String, CodingKey {
    case peakBytes = "peak_bytes"
    case peakTimeMilliseconds = "peak_time_ms"
    case totalAllocations = "total_allocations"
    case totalFrees = "total_frees"
    case totalBytesAllocated = "total_bytes_allocated"
    case leakedBytes = "leaked_bytes"
    case leakedAllocations = "leaked_allocations"
    case durationMilliseconds = "duration_ms"
    case threads
    case lostEvents = "lost_events"
    case complete
    case region
  }
}

/// The measures of a region between two markers, as `workshop stats --from-marker --json` prints them.
public struct RegionSummary: Sendable, Equatable, Codable {
  /// The markers.
  public var fromMarker: String
  /// The end marker, if the region ends at one.
  public var toMarker: String?
  /// Whether the end marker was found.
  public var endedAtMarker: Bool
  /// The most bytes allocated within the region alive at once.
  public var peakBytes: UInt64
  /// Allocations made within the region.
  public var allocations: UInt64
  /// Bytes allocated within the region, in all.
  public var bytesAllocated: UInt64
  /// Temporary allocations made within the region.
  public var temporaryAllocations: UInt64
  /// Bytes allocated within the region and still alive at the end.
  public var leakedBytes: UInt64
  /// Blocks allocated within the region and still alive at the end.
  public var leakedAllocations: UInt64

  /// The summary of `region`.
  public init(_ region: RegionPeak) {
    fromMarker = region.request.startMarker
    toMarker = region.request.endMarker
    endedAtMarker = region.endedAtMarker
    peakBytes = region.peakBytes
    allocations = region.allocations
    bytesAllocated = region.bytesAllocated
    temporaryAllocations = region.temporaryAllocations
    leakedBytes = region.leakedBytes
    leakedAllocations = region.leakedAllocations
  }

  enum CodingKeys: String, CodingKey {
    case fromMarker = "from_marker"
    case toMarker = "to_marker"
    case endedAtMarker = "ended_at_marker"
    case peakBytes = "peak_bytes"
    case allocations
    case bytesAllocated = "bytes_allocated"
    case temporaryAllocations = "temporary_allocations"
    case leakedBytes = "leaked_bytes"
    case leakedAllocations = "leaked_allocations"
  }
}

extension MemoryProfile {
  /// The headline figures, for `workshop stats --json`.
  public var summary: ProfileSummary {
    ProfileSummary(
      peakBytes: peak.bytes, peakTimeMilliseconds: peak.milliseconds, totalAllocations: totals.allocations,
      totalFrees: totals.frees, totalBytesAllocated: totals.bytesAllocated, leakedBytes: leakedBytes,
      leakedAllocations: leakedAllocations, durationMilliseconds: totals.durationMilliseconds, threads: totals.threads,
      lostEvents: totals.lostEvents, complete: sawEnd && totals.lostEvents == 0, region: nil)
  }
}
