// A FREE_BACK names its ALLOC by how many ALLOCs back it is; in a program that keeps n blocks alive
// and frees them in any order, that distance runs far past n (the random churn's 64 live blocks:
// 7.5 bits a FREE_BACK). Counting only the ALLOCs still open (not yet named by a FREE_BACK) makes it
// a number below n (6 bits there). Both sides of a packed chunk keep the count, within the chunk.

/// The ALLOCs of one chunk that no FREE_BACK of the chunk has named yet, among the latest
/// ``window``, so that a FREE_BACK can name one by its rank among them (1: the latest open one).
///
/// The unpacker's side: a list of their indices in order, so that the ALLOC of a rank is found in
/// O(1), and naming one shifts the open ALLOCs on its shorter side, four at a time. (A bitset
/// counted a word at a time cost 48 ns a FREE_BACK to unpack: the build has no `popcnt`.) The
/// packer, which knows the ALLOC and wants its rank, counts instead (``ClosedAllocations``). The
/// list is raw memory sized for the chunk: the unpacker appends and shifts on every record, and an
/// array's uniqueness and bounds checks were a tenth of its time.
struct OpenAllocations {
  /// How far back a rank reaches; a FREE_BACK further back keeps its distance.
  static let window = 4096
  /// Places of slack on either side of the list: a shift moves four places at a time, so it reads
  /// and writes up to three beyond the part it moves (those places hold nothing open).
  private static let slack = 4
  /// Open ALLOCs' indices, increasing, from `start` up to `end` (those before `start` left the
  /// window), with room for `capacity` and the slack on either side.
  private let open: UnsafeMutablePointer<Int32>
  private let capacity: Int
  private var start = 0
  private var end = 0
  /// ALLOCs appended.
  private(set) var count = 0

  /// Room for a chunk of at most `capacity` ALLOCs; ``deallocate()`` gives it back.
  init(capacity: Int) {
    self.capacity = max(capacity, 1)
    let memory = UnsafeMutablePointer<Int32>.allocate(capacity: self.capacity + 2 * Self.slack)
    // The places between are written before they are read as open ALLOCs (shifts carry
    // whatever the slack holds only into places beyond the list).
    memory.initialize(repeating: 0, count: Self.slack)
    (memory + Self.slack + self.capacity).initialize(repeating: 0, count: Self.slack)
    open = memory + Self.slack
  }

  func deallocate() { (open - Self.slack).deallocate() }

  /// The chunk's next ALLOC, open; false when there is no room (more ALLOCs than the chunk can
  /// hold: damage). Every ALLOC appended had room (`end` never passes `count`), so a caller may
  /// keep one value per ALLOC in memory of the same capacity.
  @inline(__always)
  mutating func append() -> Bool {
    guard count < capacity else { return false }
    open[end] = Int32(truncatingIfNeeded: count)
    end += 1
    count += 1
    return true
  }

  /// Drops the open ALLOCs that left the window.
  @inline(__always)
  private mutating func trim() {
    let oldest = count - Self.window
    while start < end && Int(open[start]) < oldest { start += 1 }
  }

  /// The open ALLOC of that rank within the window, or nil.
  @inline(__always)
  mutating func allocation(ofRank rank: Int) -> Int? {
    trim()
    guard rank >= 1, rank <= end - start else { return nil }
    return Int(open[end - rank])
  }

  /// A FREE_BACK named the open ALLOC of that rank: it is open no more.
  @inline(__always)
  mutating func close(rank: Int) {
    let index = end - rank
    if index - start < rank - 1 {
      // Nearer the oldest end (a program that frees in the order it allocated): the older ones
      // move up one instead of the newer ones down.
      Self.moveUp(open + start, count: index - start)
      start += 1
    } else {
      Self.moveDown(open + index + 1, count: rank - 1)
      end -= 1
    }
  }

  // The shifts are short (the random churn's: 16 places on average) and of random length, and a
  // `memmove` call for each was most of the unpacker's cost of a FREE_BACK (7 % of `stats` on the
  // churn); four places a move, in line, leave one branch to mispredict.

  /// Moves the `count` places from `first` down one place, four at a time from the lowest (each
  /// move reads places no earlier move wrote); up to three places past them are overwritten.
  @inline(__always)
  private static func moveDown(_ first: UnsafeMutablePointer<Int32>, count: Int) {
    var moved = 0
    while moved < count {
      let four = UnsafeRawPointer(first + moved).loadUnaligned(as: SIMD4<Int32>.self)
      UnsafeMutableRawPointer(first + moved - 1).storeBytes(of: four, as: SIMD4<Int32>.self)
      moved += 4
    }
  }

  /// Moves the `count` places from `first` up one place, four at a time from the highest; up to
  /// three places before `first` are overwritten.
  @inline(__always)
  private static func moveUp(_ first: UnsafeMutablePointer<Int32>, count: Int) {
    var left = count
    while left > 0 {
      let four = UnsafeRawPointer(first + left - 4).loadUnaligned(as: SIMD4<Int32>.self)
      UnsafeMutableRawPointer(first + left - 3).storeBytes(of: four, as: SIMD4<Int32>.self)
      left -= 4
    }
  }
}

/// The packer's side of the same ranks: a bit per ALLOC of the chunk, set while it is open (no
/// FREE_BACK has named it). An open ALLOC's rank is the count of open ones from it to the end, a
/// population count of the words from its own. The packer knows which ALLOC each FREE_BACK names,
/// so it needs no list; keeping one sorted cost it a search and a shift on every FREE_BACK (a
/// quarter of the packing on the random churn). A byte per ALLOC, summed eight at a time, was 17 %
/// of the random churn's compression (its FREE_BACKs name ALLOCs about 64 back): a word of bits
/// holds as many ALLOCs as eight words of bytes, and its count (without `popcnt` in the build, a
/// dozen arithmetic steps) costs about as much as one of them.
struct ClosedAllocations {
  /// Bit *i* % 64 of word *i* / 64: whether ALLOC *i* is open. Bits past the last ALLOC are 0 (a
  /// word is started afresh by its first ALLOC), so a count may run to the end of the last word.
  private var openBits: UnsafeMutablePointer<UInt64>
  private var capacity = 0
  /// ALLOCs appended.
  private(set) var count = 0

  init() {
    openBits = .allocate(capacity: 1)
    openBits.initialize(to: 0)
  }

  mutating func deallocate() { openBits.deallocate() }

  /// Empties it for a chunk of at most `allocations` ALLOCs.
  mutating func reset(capacity allocations: Int) {
    count = 0
    guard allocations > capacity else { return }
    openBits.deallocate()
    capacity = allocations
    openBits = .allocate(capacity: capacity / 64 + 1)
    openBits.initialize(repeating: 0, count: capacity / 64 + 1)
  }

  /// The chunk's next ALLOC, open.
  @inline(__always)
  mutating func append() {
    let word = count &>> 6
    let bit = UInt64(1) &<< UInt64(count & 63)
    // The first ALLOC of a word starts it: what an earlier chunk left there is dropped.
    openBits[word] = (bit == 1 ? 0 : openBits[word]) | bit
    count += 1
  }

  /// A FREE_BACK named the ALLOC: it is open no more.
  @inline(__always)
  mutating func close(_ allocation: Int) {
    openBits[allocation &>> 6] &= ~(UInt64(1) &<< UInt64(allocation & 63))
  }

  /// The rank of `allocation` among the open ALLOCs of the window (as ``OpenAllocations`` gives
  /// it: 1 for the latest open one), or nil when it is closed or left the window.
  @inline(__always)
  func rank(of allocation: Int) -> Int? {
    let distance = count - allocation
    guard allocation >= 0, distance >= 1, distance <= OpenAllocations.window else { return nil }
    var word = allocation &>> 6
    // Its own bit and the open ALLOCs after it in its word.
    let own = openBits[word] &>> UInt64(allocation & 63)
    guard own & 1 != 0 else { return nil }
    var rank = own.nonzeroBitCount
    let last = (count - 1) &>> 6
    while word < last {
      word += 1
      rank += openBits[word].nonzeroBitCount
    }
    return rank
  }
}
