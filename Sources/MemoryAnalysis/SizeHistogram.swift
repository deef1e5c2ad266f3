/// Allocation sizes in power-of-two buckets.
///
/// Bucket 0 holds zero-byte allocations; bucket *k* ≥ 1 holds sizes in 2^(k-1) ..< 2^k, so
/// bucket 1 is exactly 1 byte, bucket 2 is 2–3 bytes, bucket 11 is 1024–2047 bytes.
public struct SizeHistogram: Sendable, Equatable {
  /// One bucket.
  public struct Bucket: Sendable, Equatable {
    /// The smallest size in the bucket.
    public var lowerBound: UInt64
    /// The largest size in the bucket.
    public var upperBound: UInt64
    /// Allocations in the bucket.
    public var count: UInt64
    /// Their total bytes.
    public var bytes: UInt64

    /// Creates a bucket.
    public init(lowerBound: UInt64, upperBound: UInt64, count: UInt64, bytes: UInt64) {
      self.lowerBound = lowerBound
      self.upperBound = upperBound
      self.count = count
      self.bytes = bytes
    }
  }

  private var counts = [UInt64](repeating: 0, count: 65)
  private var bytes = [UInt64](repeating: 0, count: 65)

  /// Creates an empty histogram.
  public init() {}

  /// The bucket index of `size`: 0 for 0, else the number of significant bits.
  @inline(__always)
  public static func bucketIndex(of size: UInt64) -> Int { 64 - size.leadingZeroBitCount }

  /// Counts one allocation of `size` bytes.
  @inline(__always)
  public mutating func add(_ size: UInt64) {
    let index = Self.bucketIndex(of: size)
    counts[index] &+= 1
    bytes[index] &+= size
  }

  /// Every bucket from 0 to the last non-empty one (empty buckets in between included).
  public var buckets: [Bucket] {
    guard let last = counts.lastIndex(where: { $0 > 0 }) else { return [] }
    return (0...last).map { index in
      let lower: UInt64 = index == 0 ? 0 : 1 << (index - 1)
      let upper: UInt64 = index == 0 ? 0 : (index == 64 ? UInt64.max : (1 << index) - 1)
      return Bucket(lowerBound: lower, upperBound: upper, count: counts[index], bytes: bytes[index])
    }
  }

  /// The number of allocations counted.
  public var totalCount: UInt64 { counts.reduce(0, &+) }
}
