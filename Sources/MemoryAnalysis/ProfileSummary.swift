/// The headline figures of a profile, as `workshop stats --json` prints them.
///
/// Encodes with snake-case keys: `peak_bytes`, `peak_time_ms`, `total_allocations`, `total_frees`,
/// `total_bytes_allocated`, `leaked_bytes`, `leaked_allocations`, `duration_ms`, `threads`.
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
  }
}

extension MemoryProfile {
  /// The headline figures, for `workshop stats --json`.
  public var summary: ProfileSummary {
    ProfileSummary(
      peakBytes: peak.bytes, peakTimeMilliseconds: peak.milliseconds, totalAllocations: totals.allocations,
      totalFrees: totals.frees, totalBytesAllocated: totals.bytesAllocated, leakedBytes: leakedBytes,
      leakedAllocations: leakedAllocations, durationMilliseconds: totals.durationMilliseconds, threads: totals.threads)
  }
}
