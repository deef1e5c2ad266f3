// The second layout of a packed chunk: ALLOCs whose address nobody needs are written without it.
//
// On the random churn the addresses were 45 % of the packed capture (17-18 bits an ALLOC: glibc hands
// back blocks from all over its bins, and only 44 % of them at an address freed before), and no
// prediction from recently freed addresses got them under 8 bits. But most of them are never needed:
// an ALLOC freed by a FREE_BACK of the same chunk, with no record of any thread numbered in between
// and no other record of the chunk naming the address in between, is seen by nothing but its own
// FREE_BACK. Such an ALLOC goes out without its address, and a reader gives it a stand-in address
// above every user-space address, unique among the blocks alive at the time; every report counts
// blocks by stack and size, so it reads the same (docs/capture-format.md, "Packed chunks").
//
// The packer needs each stream's history across chunks (which address each earlier ALLOC had, and
// which a reader gave it) to resolve FREE_BACKs into earlier chunks, so both sides keep it: the
// packer in ``PackedStreamHistory``, the reader in its ``RecentAllocations``.

/// The stand-in addresses of ALLOCs written without theirs.
enum ElidedAddresses {
  /// The kinds of an ALLOC tag in the tag column that says its address is left out: 14 for malloc,
  /// 15 for calloc (the only kinds whose address is ever left out; real kinds stop at 8).
  static let firstElidedKind: UInt8 = 14

  /// The address a reader gives the `ordinal`-th ALLOC of `stream` (counted as FREE_BACK counts)
  /// when it was written without one: bit 63 set, so above every user-space address; different
  /// for every stream and ALLOC, so unique among the blocks alive at once.
  @inline(__always)
  static func standIn(stream: UInt64, ordinal: Int) -> UInt64 {
    1 << 63 | (stream & 0xF_FFFF) << 42 | (UInt64(truncatingIfNeeded: ordinal) & ((1 << 38) - 1)) << 4
  }

  /// Whether a reader's address is a stand-in (then nothing but its own FREE_BACK names it).
  @inline(__always)
  static func isStandIn(_ address: UInt64) -> Bool { address >> 63 != 0 }

  /// The byte count of `value` as a varint.
  @inline(__always)
  static func varintLength(_ value: UInt64) -> Int {
    value == 0 ? 1 : (64 - value.leadingZeroBitCount + 6) / 7
  }
}

/// One stream's ALLOCs so far, as the packer of the second layout needs them: the address each
/// had and the one a reader gives it (its stand-in when it went out without). Counted like the
/// reader's ``RecentAllocations``, from the start or the last EXEC or LOST.
struct PackedStreamHistory {
  var actual = RecentAllocations()
  var decoded = RecentAllocations()
}

/// Which ALLOCs of a chunk may go out without their address (the packer's first pass over it),
/// and every address its records name.
struct ChunkAddressAnalysis {
  /// What the analysis knows of one ALLOC of the chunk.
  struct Allocation {
    /// The address the program got.
    var actual: UInt64
    /// Its number, and the numbered records of the chunk before it.
    var number: UInt64
    var numberedBefore: Int32
    /// Its ordinal among the chunk's ALLOC, FREE and FREE_BACK records.
    var ordinal: Int32
    /// THREAD records of the chunk before it.
    var threadSwitches: Int32
    /// The ordinal of the FREE_BACK that frees it when it goes without its address, else -1.
    var elidedUntil: Int32
    var kind: UInt8
    var elided: Bool { elidedUntil >= 0 }
  }

  /// The chunk's ALLOCs, in order.
  private(set) var allocations: [Allocation] = []
  /// Per ALLOC, FREE and FREE_BACK of the chunk, in order: the address it names.
  private(set) var addresses: [UInt64] = []
  private var touches = AddressTouches()

  mutating func deallocate() { touches.deallocate() }

  /// Reads the chunk's records; false on anything the tracker does not write, or a FREE_BACK out
  /// of the history's reach.
  mutating func analyse(_ records: UnsafeRawBufferPointer, history: PackedStreamHistory) -> Bool {
    allocations.removeAll(keepingCapacity: true)
    addresses.removeAll(keepingCapacity: true)
    guard let base = records.baseAddress else { return true }
    touches.prepare(for: records.count)
    var reader = FieldReader(base: base.assumingMemoryBound(to: UInt8.self), end: records.count)
    var running: UInt64 = 0
    var sequence: UInt64 = 0
    var numberedCount: Int32 = 0
    var threadCount: Int32 = 0
    while !reader.atEnd {
      let tag = reader.base[reader.position]
      reader.position += 1
      let type = tag & CaptureFormat.typeMask & ~CaptureFormat.nextNumberFlag
      if type == 0 {
        switch tag {
        case CaptureFormat.frameTag:
          guard ColumnWriter.skipUnsigned(&reader, 2) else { return false }
        case CaptureFormat.threadTag:
          guard ColumnWriter.skipUnsigned(&reader, 1) else { return false }
          threadCount += 1
        default:
          guard let delta = reader.canonicalUnsigned(), ColumnWriter.skipRareFields(tag, &reader) else { return false }
          sequence &+= delta
          numberedCount += 1
        }
        continue
      }
      guard tag & PackedChunk.misalignedFlag == 0 else { return false }
      if tag & CaptureFormat.nextNumberFlag != 0 {
        sequence &+= 1
      } else {
        guard let delta = reader.canonicalUnsigned() else { return false }
        sequence &+= delta
      }
      let ordinal = Int32(addresses.count)
      switch type {
      case CaptureFormat.allocTag:
        guard let raw = reader.canonicalUnsigned(), ColumnWriter.skipUnsigned(&reader, 2) else { return false }
        running &+= UInt64(bitPattern: PackedChunk.unZigZag(raw))
        allocations.append(
          Allocation(
            actual: running, number: sequence, numberedBefore: numberedCount, ordinal: ordinal,
            threadSwitches: threadCount, elidedUntil: -1, kind: tag & CaptureFormat.kindMask))
      case CaptureFormat.freeTag:
        guard let raw = reader.canonicalUnsigned() else { return false }
        running &+= UInt64(bitPattern: PackedChunk.unZigZag(raw))
      default:
        guard let back = reader.canonicalUnsigned(), back >= 1 else { return false }
        let inChunk = UInt64(allocations.count)
        if back <= inChunk {
          let index = allocations.count - Int(back)
          let allocation = allocations[index]
          running = allocation.actual
          // Nothing but this FREE_BACK sees the address: a plain free of the ALLOC's own block,
          // no record of the chunk naming the address since, no other thread's record in between
          // (the numbers run on without a gap), no THREAD switch (temporary allocations are per
          // thread).
          if tag & CaptureFormat.kindMask == 0 && allocation.kind <= 1
            && touches.last(running) == allocation.ordinal
            && sequence &- allocation.number == UInt64(numberedCount - allocation.numberedBefore)
            && threadCount == allocation.threadSwitches
          {
            allocations[index].elidedUntil = ordinal
          }
        } else {
          guard let address = history.actual.address(back: back - inChunk) else { return false }
          running = address
        }
      }
      numberedCount += 1
      touches.set(running, ordinal)
      addresses.append(running)
    }
    return true
  }
}

/// The last address record of a chunk naming each address, or one sharing its slot: a small
/// direct-mapped table (128 KiB, so it stays in cache; an exact table of every address missed the
/// cache on every record and cost more than the rest of the packing). Two addresses sharing a slot
/// only keep an ALLOC's address in the capture: the answer errs on the side of "seen".
private struct AddressTouches {
  private static let slotCount = 1 << 15
  private var slots: UnsafeMutablePointer<Int32>? = nil

  mutating func deallocate() {
    slots?.deallocate()
    slots = nil
  }

  /// Each chunk's ordinals start at 0, but the ALLOC asked about has always set its own slot
  /// earlier in the chunk, so what the table held before does not matter.
  mutating func prepare(for recordBytes: Int) {
    if slots == nil {
      slots = .allocate(capacity: Self.slotCount)
      slots!.initialize(repeating: -1, count: Self.slotCount)
    }
  }

  @inline(__always)
  private func slot(_ address: UInt64) -> Int {
    Int(truncatingIfNeeded: ((address >> 4) &* 0x9E37_79B9_7F4A_7C15) >> 49)
  }

  /// The ordinal of the last record naming `address` or an address sharing its slot.
  @inline(__always)
  func last(_ address: UInt64) -> Int32 { slots.map { $0[slot(address)] } ?? -1 }

  @inline(__always)
  mutating func set(_ address: UInt64, _ ordinal: Int32) { slots?[slot(address)] = ordinal }
}

/// The stack nodes of a chunk's latest ALLOCs, the latest first, so that an ALLOC can name its
/// node by its place here: a program that allocates from a few call sites in turn pays about the
/// logarithm of their number (the random churn's 3 depths: 1.6 bits, where the difference from the
/// previous node took 2.2). A node not here is coded as the difference from the predicted one,
/// after the places.
struct RecentNodes {
  static let count = 8
  private var nodes: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)

  /// Moves `node` to the front; returns where it was, or nil when it was not here (it is now).
  @inline(__always)
  mutating func use(_ node: UInt64) -> Int? {
    withUnsafeMutableBytes(of: &nodes) { raw in
      let nodes = raw.bindMemory(to: UInt64.self)
      var index = 0
      while index < Self.count && nodes[index] != node { index += 1 }
      let found = index < Self.count
      var slot = min(index, Self.count - 1)
      while slot > 0 {
        nodes[slot] = nodes[slot - 1]
        slot -= 1
      }
      nodes[0] = node
      return found ? index : nil
    }
  }

  /// The node at `place`, moved to the front.
  @inline(__always)
  mutating func use(at place: Int) -> UInt64 {
    let node = withUnsafeBytes(of: &nodes) { $0.load(fromByteOffset: place * 8, as: UInt64.self) }
    _ = use(node)
    return node
  }
}

// MARK: - Packing

extension ChunkPacker {
  /// Packs `records`, the next chunk of `stream`, into ``packed`` in the second layout, after
  /// `analysis` has read them. `decoded` gets the address a reader gives each of the chunk's
  /// ALLOCs; returns the byte count of the records a reader unpacks (stand-ins change address
  /// deltas), or nil when the records cannot be packed.
  mutating func packElidingAddresses(
    _ records: UnsafeRawBufferPointer, stream: UInt64, history: PackedStreamHistory, analysis: ChunkAddressAnalysis,
    open: inout OpenAllocations, decoded: inout [UInt64]
  ) -> Int? {
    decoded.removeAll(keepingCapacity: true)
    open.reset()
    var unpackedLength = records.count
    let packed = packColumns(records, marker: PackedChunk.elidedAddressesMarker) { writer, reader in
      writer.packElidedRecords(
        &reader, stream: stream, history: history, analysis: analysis, open: &open, decoded: &decoded,
        unpackedLength: &unpackedLength)
    }
    return packed ? unpackedLength : nil
  }
}

extension ColumnWriter {
  /// The second layout's records: as ``packRecords(_:)``, but ALLOC and FREE addresses are coded
  /// from the last address a reader knows (the model address), ALLOCs the analysis found unseen
  /// go without theirs, a FREE_BACK naming such an ALLOC a second time becomes a FREE, and a
  /// FREE_BACK names an open ALLOC of the chunk's latest 4096 by its rank among the open ones
  /// (``OpenAllocations``), any other by 0 and its distance.
  mutating func packElidedRecords(
    _ reader: inout FieldReader, stream: UInt64, history: PackedStreamHistory, analysis: ChunkAddressAnalysis,
    open: inout OpenAllocations, decoded: inout [UInt64], unpackedLength: inout Int
  ) -> Bool {
    var predictedNode: UInt64 = 0
    var previousParent: UInt64 = 0
    // The last address whose value a reader has (never a stand-in), which addresses are coded
    // from; and the running address a reader decodes the unpacked records with.
    var model: UInt64 = 0
    var running: UInt64 = 0
    var ordinal = 0
    let ordinalBase = history.decoded.count
    var recentNodes = RecentNodes()
    while true {
      let next = nextAddressedTag(&reader, predictedNode: &predictedNode, previousParent: &previousParent)
      guard case .tag(let tag) = next else { return next == .end && ordinal == analysis.addresses.count }
      let type = tag & CaptureFormat.typeMask & ~CaptureFormat.nextNumberFlag
      guard tag & PackedChunk.misalignedFlag == 0, ordinal < analysis.addresses.count else { return false }
      let tagIndex = counts[PackedColumn.tag]
      put(tag, PackedColumn.tag)
      if tag & CaptureFormat.nextNumberFlag == 0 {
        guard movePlanes(&reader, PackedColumn.number) else { return false }
      }
      let address = analysis.addresses[ordinal]
      let fieldStart = reader.position
      guard let field = reader.canonicalUnsigned() else { return false }
      let fieldLength = reader.position - fieldStart
      var newTag = tag
      switch type {
      case CaptureFormat.allocTag:
        let allocation = decoded.count
        if analysis.allocations[allocation].elided {
          let standIn = ElidedAddresses.standIn(stream: stream, ordinal: ordinalBase + allocation)
          newTag = tag &+ ElidedAddresses.firstElidedKind
          unpackedLength += ElidedAddresses.varintLength(PackedChunk.zigZag(Int64(bitPattern: standIn &- running)))
          running = standIn
        } else {
          newTag |= putAddressDelta(Int64(bitPattern: address &- model), PackedColumn.allocAddress)
          unpackedLength += ElidedAddresses.varintLength(PackedChunk.zigZag(Int64(bitPattern: address &- running)))
          running = address
          model = address
        }
        decoded.append(running)
        open.append()
        guard movePlanes(&reader, PackedColumn.size), let node = reader.canonicalUnsigned() else {
          return false
        }
        if let index = recentNodes.use(node) {
          putPlanes(UInt64(index), PackedColumn.node)
        } else {
          putPlanes(
            UInt64(RecentNodes.count) &+ PackedChunk.zigZag(Int64(bitPattern: node &- predictedNode)), PackedColumn.node
          )
        }
        predictedNode = node
      case CaptureFormat.freeTag:
        newTag |= putAddressDelta(Int64(bitPattern: address &- model), PackedColumn.freeAddress)
        unpackedLength += ElidedAddresses.varintLength(PackedChunk.zigZag(Int64(bitPattern: address &- running)))
        running = address
        model = address
      default:
        let inChunk = UInt64(decoded.count)
        let named: UInt64
        let namedTwice: Bool
        if field <= inChunk {
          let allocation = decoded.count - Int(field)
          named = decoded[allocation]
          namedTwice =
            analysis.allocations[allocation].elided && analysis.allocations[allocation].elidedUntil != Int32(ordinal)
        } else {
          guard let address = history.decoded.address(back: field - inChunk) else { return false }
          named = address
          namedTwice = ElidedAddresses.isStandIn(named)
        }
        if namedTwice {
          // Its stand-in is gone with the first free; the reader needs the address itself.
          newTag = (tag & ~CaptureFormat.typeMask) | CaptureFormat.freeTag | (tag & CaptureFormat.nextNumberFlag)
          newTag |= putAddressDelta(Int64(bitPattern: address &- model), PackedColumn.freeAddress)
          unpackedLength += ElidedAddresses.varintLength(PackedChunk.zigZag(Int64(bitPattern: address &- running)))
          running = address
          model = address
        } else {
          if field <= inChunk, let rank = open.rank(of: decoded.count - Int(field)) {
            putPlanes(UInt64(rank), PackedColumn.back)
            open.close(rank: rank)
          } else {
            putPlanes(0, PackedColumn.back)
            putPlanes(field, PackedColumn.back)
          }
          unpackedLength += fieldLength
          running = named
          if !ElidedAddresses.isStandIn(named) { model = named }
        }
      }
      unpackedLength -= fieldLength
      if newTag != tag && !overflowed { base[tagIndex] = newTag }
      ordinal += 1
    }
  }
}

// MARK: - Unpacking

extension ChunkUnpacker {
  /// The second layout's records, written back as the tracker's records with each left-out
  /// address replaced by its stand-in; `recent` is the reader's history of `stream` before the
  /// chunk.
  mutating func unpackElidedRecords(stream: UInt64, recent: RecentAllocations) -> Bool {
    var predictedNode: UInt64 = 0
    var previousParent: UInt64 = 0
    var model: UInt64 = 0
    var running: UInt64 = 0
    var decoded: [UInt64] = []
    decoded.reserveCapacity(ends[PackedColumn.tag] - positions[PackedColumn.tag])
    let ordinalBase = recent.count
    var open = OpenAllocations()
    open.reset()
    var recentNodes = RecentNodes()
    while let tag = nextAddressedTag(predictedNode: &predictedNode, previousParent: &previousParent) {
      let type = tag & 0x30
      let misaligned = tag & PackedChunk.misalignedFlag != 0
      let kind = tag & CaptureFormat.kindMask
      let elided = type == CaptureFormat.allocTag && kind >= ElidedAddresses.firstElidedKind
      guard type != 0, !(misaligned && (type == CaptureFormat.freeBackTag || elided)) else { return false }
      let plainTag = elided ? tag &- ElidedAddresses.firstElidedKind : tag & ~PackedChunk.misalignedFlag
      guard emit(plainTag) else { return false }
      if tag & CaptureFormat.nextNumberFlag == 0 {
        guard copyPlanes(PackedColumn.number) else { return false }
      }
      switch type {
      case CaptureFormat.allocTag:
        let address: UInt64
        if elided {
          address = ElidedAddresses.standIn(stream: stream, ordinal: ordinalBase + decoded.count)
        } else {
          guard let delta = readAddressDelta(PackedColumn.allocAddress, misaligned: misaligned) else { return false }
          address = model &+ UInt64(bitPattern: delta)
          model = address
        }
        guard emitUnsigned(PackedChunk.zigZag(Int64(bitPattern: address &- running))) else { return false }
        running = address
        decoded.append(address)
        open.append()
        guard copyPlanes(PackedColumn.size), let code = readPlanes(PackedColumn.node) else {
          return false
        }
        let node: UInt64
        if code < UInt64(RecentNodes.count) {
          node = recentNodes.use(at: Int(code))
        } else {
          node = predictedNode &+ UInt64(bitPattern: PackedChunk.unZigZag(code - UInt64(RecentNodes.count)))
          _ = recentNodes.use(node)
        }
        predictedNode = node
        guard emitUnsigned(node) else { return false }
      case CaptureFormat.freeTag:
        guard let delta = readAddressDelta(PackedColumn.freeAddress, misaligned: misaligned) else { return false }
        let address = model &+ UInt64(bitPattern: delta)
        guard emitUnsigned(PackedChunk.zigZag(Int64(bitPattern: address &- running))) else { return false }
        running = address
        model = address
      default:
        guard let code = readPlanes(PackedColumn.back) else { return false }
        let inChunk = UInt64(decoded.count)
        let back: UInt64
        if code == 0 {
          guard let distance = readPlanes(PackedColumn.back), distance >= 1 else { return false }
          back = distance
        } else {
          guard code <= UInt64(OpenAllocations.window), let allocation = open.allocation(ofRank: Int(code)) else {
            return false
          }
          open.close(rank: Int(code))
          back = UInt64(decoded.count - allocation)
        }
        guard emitUnsigned(back) else { return false }
        if back <= inChunk {
          running = decoded[decoded.count - Int(back)]
        } else {
          guard let named = recent.address(back: back - inChunk) else { return false }
          running = named
        }
        if !ElidedAddresses.isStandIn(running) { model = running }
      }
    }
    return columnsUsedUp
  }
}
