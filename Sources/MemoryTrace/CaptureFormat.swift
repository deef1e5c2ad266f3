import TrackerFormat

/// Constants of the capture format, taken from `workshop_capture.h`, plus the reader's sanity limits.
public enum CaptureFormat {
  /// The 8 bytes every capture starts with.
  public static let magic: [UInt8] = Array("WSHPCAP1".utf8)
  /// The version of a compressed capture whose chunks workshop's compressor packed: version 5, a
  /// version 3 capture whose chunks are packed column by column, in either COLUMNS layout.
  public static let version = UInt16(WORKSHOP_CAPTURE_PACKED_VERSION)
  /// The format version the tracker writes (3); a compressed capture is ``version``.
  public static let trackerVersion = UInt16(WORKSHOP_CAPTURE_VERSION)
  /// The version the tracker writes when its order may use clock keys (6); compressed, it becomes
  /// ``clockPackedVersion``.
  public static let clockVersion = UInt16(WORKSHOP_CAPTURE_CLOCK_VERSION)
  /// A compressed version 6 capture (7): its chunks packed where that pays, those with clock keys
  /// in the first layout with stripe columns (``PackedChunk/stripeColumnsMarker``).
  public static let clockPackedVersion = UInt16(WORKSHOP_CAPTURE_CLOCK_PACKED_VERSION)
  /// Every version this reader understands (version 1 is version 2 without the EXEC record;
  /// version 3 writes each thread's records in chunks of its own, numbered in one global order;
  /// version 4 is version 3 with packed chunks, COLUMNS records in the first layout; version 5
  /// allows the second layout too; version 6 is version 3 whose keys may be clock keys; version 7
  /// is version 6 with packed chunks).
  public static let readableVersions = UInt16(WORKSHOP_CAPTURE_OLDEST_VERSION)...UInt16(WORKSHOP_CAPTURE_NEWEST_VERSION)
  /// The size of the fixed header of this version.
  public static let headerSize = MemoryLayout<workshop_capture_header>.size
  /// Longest string (path, argument, marker name) accepted before the record is called damaged.
  public static let maximumStringLength: UInt64 = 1 << 20
  /// Most entries in a MODULES or COMMAND record accepted before the record is called damaged.
  public static let maximumCount: UInt64 = 1 << 20
  /// Longest record accepted (64 MiB): a record is decoded once it is whole in memory, and a
  /// crafted MODULES or COMMAND record could otherwise ask for a terabyte of buffer.
  public static let maximumRecordBytes = 64 << 20
  /// Most stack nodes accepted (2^24, 16.7 million: at 24 bytes a node, 400 MB of frame table).
  /// Real programs make a few hundred thousand distinct stacks.
  public static let maximumFrames: UInt64 = 1 << 24
  /// Largest block an ALLOC record may carry: 2^56 bytes, the whole user address space of a Linux
  /// process with five-level page tables. The tracker records only allocations that succeeded, so a
  /// larger size is damage, not a program.
  public static let maximumBlockSize: UInt64 = 1 << 56
  /// Largest sum of every ALLOC size in one capture: 2^62 bytes (4.6 EB, a year of allocating at
  /// 100 GB/s). Keeping the sum below it keeps every total, heap and share the analysis adds up
  /// within 63 bits, so nothing downstream can overflow or wrap.
  public static let maximumTotalBytes: UInt64 = 1 << 62

  /// Most bytes of chunks a version 3 reader holds while their records wait for smaller numbers or
  /// a SYNC (256 MiB, some 60 million records): a SYNC every 10 ms keeps a real capture's far
  /// below it (8 threads on 2 cores held about 10 MB); a crafted file could otherwise fill memory.
  public static let maximumHeldBytes = 1 << 28

  static let frameTag = UInt8(WORKSHOP_RECORD_FRAME)
  static let threadTag = UInt8(WORKSHOP_RECORD_THREAD)
  static let tickTag = UInt8(WORKSHOP_RECORD_TICK)
  static let modulesTag = UInt8(WORKSHOP_RECORD_MODULES)
  static let markerTag = UInt8(WORKSHOP_RECORD_MARKER)
  static let commandTag = UInt8(WORKSHOP_RECORD_COMMAND)
  static let endTag = UInt8(WORKSHOP_RECORD_END)
  static let lostTag = UInt8(WORKSHOP_RECORD_LOST)
  static let execTag = UInt8(WORKSHOP_RECORD_EXEC)
  static let chunkTag = UInt8(WORKSHOP_RECORD_CHUNK)
  static let syncTag = UInt8(WORKSHOP_RECORD_SYNC)
  static let columnsTag = UInt8(WORKSHOP_RECORD_COLUMNS)
  static let stripeTag = UInt8(WORKSHOP_RECORD_STRIPE)
  /// Version 6: keys at or above this are clock keys (the time stamp counter; they repeat).
  static let clockKeyBase = UInt64(WORKSHOP_CLOCK_KEY_BASE)
  /// Version 6: which stripe an address's events are numbered in.
  @inline(__always) static func stripe(of address: UInt64) -> Int {
    Int(truncatingIfNeeded: (address >> UInt64(WORKSHOP_STRIPE_SHIFT)) & UInt64(WORKSHOP_STRIPE_COUNT - 1))
  }
  static let stripeCount = Int(WORKSHOP_STRIPE_COUNT)
  /// The first version whose records come in numbered chunks, merged by the reader.
  static let firstSequencedVersion: UInt16 = 3
  static let allocTag = UInt8(WORKSHOP_RECORD_ALLOC)
  static let freeTag = UInt8(WORKSHOP_RECORD_FREE)
  static let freeBackTag = UInt8(WORKSHOP_RECORD_FREE_BACK)
  static let nextNumberFlag = UInt8(WORKSHOP_RECORD_NEXT_NUMBER)
  /// The farthest back a FREE_BACK record reaches, in ALLOC records of its stream.
  static let freeBackLimit = Int(WORKSHOP_FREE_BACK_LIMIT)
  static let kindMask = UInt8(WORKSHOP_RECORD_KIND_MASK)
  static let typeMask = UInt8(WORKSHOP_RECORD_TYPE_MASK)
}
