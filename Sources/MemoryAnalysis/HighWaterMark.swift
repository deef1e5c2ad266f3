/// Finds a high-water mark of a level (the heap, or a region's growth) in one pass and keeps,
/// per stack, the bytes and blocks alive at that mark — without replaying the events.
///
/// The lazy technique (after memray's high-water-mark aggregator): each stack keeps its current
/// bytes and count, plus a copy saved at the peak and the peak *epoch* of that copy. Reaching the
/// level's maximum only sets ``atPeak``; the first decrease after it commits the peak by bumping
/// the epoch. A stack modified after the commit first saves its current value (which is its value
/// at the peak, since it has not changed since), tagged with the epoch. At the end, a stack whose
/// saved epoch is the last epoch reports the saved copy; any other stack was not modified since
/// the last peak and reports its current value. Ties (`level >= peak`) move the peak forward, so
/// the peak is the *last* time the maximum is reached.
///
/// - Complexity: O(1) per event; O(*s*) for ``aliveAtPeak()`` with *s* stacks.
package struct HighWaterMark: Sendable {
  struct Usage: Sendable {
    var bytes: UInt64 = 0
    var count: UInt64 = 0
    var savedBytes: UInt64 = 0
    var savedCount: UInt64 = 0
    var savedEpoch: UInt64 = 0
  }

  /// Per stack; a new stack's record is all zeros, as `Usage()` is.
  private var usage = PerStackTable<Usage>()
  private var epoch: UInt64 = 0
  /// Whether the current state is the last peak reached (no decrease since).
  package private(set) var atPeak = false
  /// Whether any peak was reached at all.
  package private(set) var hasPeak = false
  /// The maximum level.
  package private(set) var peak: Int64 = 0
  /// The event index at which the maximum was last reached.
  package private(set) var peakEvent: UInt64 = 0
  /// The time of the latest tick before that event, in microseconds.
  package private(set) var peakTime: UInt64 = 0

  /// Creates a mark with no stacks and no peak.
  package init() {}

  /// `stack`'s record, its value at the last committed peak saved first if this is its first
  /// change since.
  @inline(__always)
  private mutating func touch(_ stack: UInt32) -> UnsafeMutablePointer<Usage> {
    let entry = usage.place(Int(stack))
    if entry.pointee.savedEpoch != epoch {
      entry.pointee.savedBytes = entry.pointee.bytes
      entry.pointee.savedCount = entry.pointee.count
      entry.pointee.savedEpoch = epoch
    }
    return entry
  }

  /// A block of `bytes` now lives at `stack`. Call ``reached(_:event:time:)`` after the level rises.
  @inline(__always)
  package mutating func add(stack: UInt32, bytes: UInt64) {
    let entry = touch(stack)
    entry.pointee.bytes &+= bytes
    entry.pointee.count &+= 1
  }

  /// A block of `bytes` at `stack` is gone. Call ``leaving()`` first.
  @inline(__always)
  package mutating func remove(stack: UInt32, bytes: UInt64) {
    let entry = touch(stack)
    entry.pointee.bytes &-= bytes
    entry.pointee.count &-= 1
  }

  /// The state is about to change other than by growing: commit the pending peak, if any.
  @inline(__always)
  package mutating func leaving() {
    if atPeak {
      epoch &+= 1
      atPeak = false
    }
  }

  /// The level is now `level` after an event that may have raised it.
  @inline(__always)
  package mutating func reached(_ level: Int64, event: UInt64, time: UInt64) {
    if level >= peak || !hasPeak {
      peak = level
      peakEvent = event
      peakTime = time
      atPeak = true
      hasPeak = true
    }
  }

  /// The current bytes and count of `stack`.
  package func current(_ stack: Int) -> (bytes: UInt64, count: UInt64) {
    stack < usage.count ? (usage[stack].bytes, usage[stack].count) : (0, 0)
  }

  /// The blocks alive at the peak, grouped by stack, largest first; only the `largest` first
  /// stacks (all by default).
  package func aliveAtPeak(largest: Int = .max) -> [StackTotal] {
    let finalEpoch = atPeak ? epoch &+ 1 : epoch
    return .ranked(count: usage.count, limit: largest) { node in
      let entry = usage[node]
      return entry.savedEpoch == finalEpoch ? (entry.savedBytes, entry.savedCount) : (entry.bytes, entry.count)
    }
  }

  /// The blocks alive now, grouped by stack, largest first.
  package func aliveNow() -> [StackTotal] {
    .ranked(count: usage.count) { node in (usage[node].bytes, usage[node].count) }
  }
}
