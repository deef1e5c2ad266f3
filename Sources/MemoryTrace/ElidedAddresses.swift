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
  /// for every stream and for 2^33 ALLOCs in a row (a stand-in lives within one chunk, which
  /// holds far fewer), so unique among the blocks alive at once. Each in a 512-byte span of its
  /// own: readers' tables hash blocks by span (``LiveBlockTable``), and 32 stand-ins to a span
  /// (16 bytes apart) made runs of slots there that cost `stats` 0.03 s on the random churn.
  @inline(__always)
  static func standIn(stream: UInt64, ordinal: Int) -> UInt64 {
    1 << 63 | (stream & 0xF_FFFF) << 42 | (UInt64(truncatingIfNeeded: ordinal) & ((1 << 33) - 1)) << 9
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

/// One stream's ALLOCs so far, as the packer of the second layout needs them to resolve a
/// FREE_BACK into an earlier chunk: the address each had, and whether a reader gives it a stand-in
/// instead (it went out without its address). Counted like the reader's ``RecentAllocations``, from
/// the start or the last EXEC or LOST, and reaching as far back (the latest 2^20).
final class PackedStreamHistory {
  /// Each ALLOC's address, with ``elidedBit`` set when it went out without it (the packer takes
  /// only addresses below 2^63, as every user-space address is).
  private var entries: UnsafeMutablePointer<UInt64>
  /// A power of two, up to the FREE_BACK limit; each ALLOC sits at its count modulo it.
  private var capacity = 64
  /// ALLOCs of the stream so far.
  private(set) var count = 0

  static let elidedBit: UInt64 = 1 << 63

  init() {
    entries = .allocate(capacity: capacity)
  }

  deinit {
    entries.deallocate()
  }

  /// Appends an ALLOC's address (below 2^63), and whether it went out without it.
  @inline(__always)
  func append(_ address: UInt64, elided isElided: Bool) {
    if count == capacity && capacity < CaptureFormat.freeBackLimit { grow() }
    entries[count & (capacity - 1)] = address | (isElided ? Self.elidedBit : 0)
    count += 1
  }

  /// Grows the ring 64-fold up to the limit (64, 4096, 2^18, then 2^20: a stream that went past a
  /// few thousand ALLOCs is likely to go on, and doubling copied every entry again and again, 3 %
  /// of the packing of 8 threads), keeping every ALLOC at its count modulo the new capacity. Only
  /// the pages written are ever touched, so a large ring costs what its ALLOCs fill.
  @inline(never)
  private func grow() {
    let grown = min(capacity << 6, CaptureFormat.freeBackLimit)
    let newEntries = UnsafeMutablePointer<UInt64>.allocate(capacity: grown)
    for ordinal in max(0, count - capacity)..<count {
      newEntries[ordinal & (grown - 1)] = entries[ordinal & (capacity - 1)]
    }
    entries.deallocate()
    entries = newEntries
    capacity = grown
  }

  /// Appends the first `count` of `allocations` (a packed chunk's ALLOCs, in order), as
  /// ``append(_:elided:)`` one by one would: the ring's size is settled once, and the count kept in
  /// a register, where appending one at a time stored it back on every ALLOC.
  func append(_ allocations: UnsafePointer<PendingAllocation>, count added: Int) {
    var index = 0
    while index < added {
      if count == capacity && capacity < CaptureFormat.freeBackLimit { grow() }
      // Up to the ring's end, or the next point where it may grow.
      let room = capacity < CaptureFormat.freeBackLimit ? capacity - count : added - index
      let run = min(added - index, room)
      let mask = capacity - 1
      var ordinal = count
      for offset in index..<(index + run) {
        let allocation = allocations[offset]
        entries[ordinal & mask] = allocation.actual | (allocation.elided ? Self.elidedBit : 0)
        ordinal &+= 1
      }
      count = ordinal
      index += run
    }
  }

  /// The ALLOC `distance` back (1: the latest): its address and whether it went out without it;
  /// nil when out of reach.
  @inline(__always)
  func allocation(back distance: UInt64) -> (actual: UInt64, elided: Bool)? {
    guard distance >= 1, distance <= UInt64(min(count, capacity)) else { return nil }
    let entry = entries[(count - Int(distance)) & (capacity - 1)]
    return (entry & ~Self.elidedBit, entry & Self.elidedBit != 0)
  }
}

/// What the one-pass packer keeps of one ALLOC of the chunk until its FREE_BACK decides whether it
/// goes out without its address: 16 bytes, since a FREE_BACK reads its ALLOC's from anywhere in
/// the last few hundred.
struct PendingAllocation {
  /// The address the program got.
  var actual: UInt64
  /// The run of records it belongs to: a THREAD record or a number other than the previous + 1
  /// starts a new one, and only a FREE_BACK of the same run may free it unseen. ``elidedRun`` once
  /// it goes out without its address (no run is that one).
  var run: Int32
  /// Where its tag is in the tag column (which also orders the records naming addresses, for
  /// ``AddressTouches``), times 16, plus its kind.
  private var tagIndexAndKind: UInt32

  static let elidedRun = Int32.min

  init(actual: UInt64, run: Int32, tagIndex: Int32, kind: UInt8) {
    self.actual = actual
    self.run = run
    tagIndexAndKind = UInt32(truncatingIfNeeded: tagIndex) << 4 | UInt32(kind & CaptureFormat.kindMask)
  }

  var tagIndex: Int32 { Int32(truncatingIfNeeded: tagIndexAndKind >> 4) }
  var kind: UInt8 { UInt8(truncatingIfNeeded: tagIndexAndKind & 15) }
  var elided: Bool { run == Self.elidedRun }
}

/// An ALLOC, FREE or FREE_BACK whose address coding waits for the end of the chunk: ALLOC and FREE
/// addresses are coded from the last address a reader knows, which depends on whether ALLOCs still
/// open go out without theirs.
struct PendingAddress {
  /// The address (for a FREE_BACK, the one a reader gives the block: maybe a stand-in).
  var address: UInt64
  /// For an ALLOC its index among the chunk's ALLOCs, else ``free`` or ``freeBack``.
  var allocation: Int32
  var tagIndex: Int32
  static let free: Int32 = -1
  static let freeBack: Int32 = -2
}

/// The one-pass packer's memory, reused from chunk to chunk: the chunk's ALLOCs, its address
/// records, the last record naming each address, and the open ALLOCs.
struct ElisionScratch {
  private(set) var allocations: UnsafeMutablePointer<PendingAllocation>
  private(set) var addresses: UnsafeMutablePointer<PendingAddress>
  private(set) var addressCount = 0
  private var allocationCapacity = 0
  private var addressCapacity = 0
  var touches = AddressTouches()
  /// Which of the chunk's ALLOCs a FREE_BACK named; it counts them too.
  var closed = ClosedAllocations()

  /// The chunk's ALLOCs so far.
  var allocationCount: Int { closed.count }

  init() {
    allocations = .allocate(capacity: 1)
    addresses = .allocate(capacity: 1)
  }

  mutating func deallocate() {
    allocations.deallocate()
    addresses.deallocate()
    touches.deallocate()
    closed.deallocate()
  }

  /// Empties it for a chunk of `recordBytes`, with room for as many records as that can hold (an
  /// ALLOC takes at least 4 bytes, a FREE or FREE_BACK 2), so that appending never checks.
  mutating func reset(for recordBytes: Int) {
    addressCount = 0
    if recordBytes / 4 + 1 > allocationCapacity {
      allocations.deallocate()
      allocationCapacity = recordBytes / 4 + 1
      allocations = .allocate(capacity: allocationCapacity)
    }
    closed.reset(capacity: allocationCapacity)
    if recordBytes / 2 + 1 > addressCapacity {
      addresses.deallocate()
      addressCapacity = recordBytes / 2 + 1
      addresses = .allocate(capacity: addressCapacity)
    }
  }

  /// The chunk's next ALLOC, open.
  @inline(__always)
  mutating func append(_ allocation: PendingAllocation) {
    (allocations + allocationCount).initialize(to: allocation)
    closed.append()
  }

  @inline(__always)
  mutating func append(_ address: PendingAddress) {
    (addresses + addressCount).initialize(to: address)
    addressCount += 1
  }

  /// Appends each of the chunk's ALLOCs to `history`, as they went out in the packed chunk.
  func record(in history: PackedStreamHistory) {
    history.append(allocations, count: allocationCount)
  }
}

/// The last address record of a chunk naming each address, or one sharing its slot: a small
/// direct-mapped table (64 KiB, so it stays in cache; an exact table of every address missed the
/// cache on every record and cost more than the rest of the packing). Two addresses sharing a slot
/// only keep an ALLOC's address in the capture: the answer errs on the side of "seen". A record is
/// known by the index of its tag in the tag column, of which a slot keeps the low 16 bits (half
/// the table of whole indices, which was 128 KiB: the packer's stores there missed the cache).
struct AddressTouches {
  private static let slotCount = 1 << 15
  /// How many tags after its ALLOC a record may be for ``isLast(_:_:before:)`` to be sure: below
  /// that, no later record has the same low 16 bits.
  static let reach: Int32 = 1 << 16
  private let slots: UnsafeMutablePointer<UInt16>

  init() {
    slots = .allocate(capacity: Self.slotCount)
    slots.initialize(repeating: 0, count: Self.slotCount)
  }

  func deallocate() { slots.deallocate() }

  // Each chunk's tag indices start at 0 again, but the ALLOC asked about has always set its own
  // slot earlier in the chunk, so what the table held before does not matter.

  @inline(__always)
  private func slot(_ address: UInt64) -> Int {
    Int(truncatingIfNeeded: ((address >> 4) &* 0x9E37_79B9_7F4A_7C15) >> 49)
  }

  /// Whether the record at `tagIndex` (which named `address`) is the last one of the chunk to
  /// name it or an address sharing its slot, asked by a record at `now`: only once the ALLOC has
  /// set its slot, and less than ``reach`` tags later (every record between set its slot with a
  /// tag index between the two, whose low 16 bits then differ from the ALLOC's).
  @inline(__always)
  func isLast(_ address: UInt64, _ tagIndex: Int32, before now: Int32) -> Bool {
    now &- tagIndex < Self.reach && slots[slot(address)] == UInt16(truncatingIfNeeded: tagIndex)
  }

  @inline(__always)
  func set(_ address: UInt64, _ tagIndex: Int32) { slots[slot(address)] = UInt16(truncatingIfNeeded: tagIndex) }
}

/// The stack nodes of a chunk's latest ALLOCs, the latest first, so that an ALLOC can name its
/// node by its place here: a program that allocates from a few call sites in turn pays about the
/// logarithm of their number (the random churn's 3 depths: 1.6 bits, where the difference from the
/// previous node took 2.2). A node not here is coded as the difference from the predicted one,
/// after the places.
struct RecentNodes {
  static let count = 8
  private var nodes: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)

  // Both sides use the list on every ALLOC. The shift was a loop lowered to a `memmove` call of
  // the place's length; every slot is now moved by selects instead. The search stops at the match:
  // comparing every place cost threads (the same two call sites in turn, well predicted) 10 % of
  // their packing.

  /// Moves `node` to the front; returns where it was, or nil when it was not here (it is now).
  @inline(__always)
  mutating func use(_ node: UInt64) -> Int? {
    withUnsafeMutableBytes(of: &nodes) { raw in
      let nodes = raw.bindMemory(to: UInt64.self)
      var index = 0
      while index < Self.count && nodes[index] != node { index += 1 }
      if index == 0 { return 0 }
      Self.moveToFront(nodes, from: min(index, Self.count - 1), node)
      return index < Self.count ? index : nil
    }
  }

  /// The node at `place` (below ``count``), moved to the front.
  @inline(__always)
  mutating func use(at place: Int) -> UInt64 {
    if place == 0 { return nodes.0 }
    return withUnsafeMutableBytes(of: &nodes) { raw in
      let nodes = raw.bindMemory(to: UInt64.self)
      let node = nodes[place]
      Self.moveToFront(nodes, from: place, node)
      return node
    }
  }

  /// Moves the places before `place` back one, and `node` to the front.
  @inline(__always)
  private static func moveToFront(_ nodes: UnsafeMutableBufferPointer<UInt64>, from place: Int, _ node: UInt64) {
    var slot = Self.count - 1
    while slot > 0 {
      nodes[slot] = slot <= place ? nodes[slot - 1] : nodes[slot]
      slot -= 1
    }
    nodes[0] = node
  }
}

// MARK: - Packing

extension ChunkPacker {
  /// Packs `records`, the next chunk of `stream`, into ``packed`` in the second layout, in one
  /// pass. Returns the byte count of the records a reader unpacks (stand-ins change address
  /// deltas), or nil when the records cannot be packed. On success `scratch` holds the chunk's
  /// ALLOCs for ``ElisionScratch/record(in:)``. With `clockKeys` (a version 6 capture) a chunk with
  /// a clock key is refused, and `clockKeyMet` says so: its records carry stripe numbers, which a
  /// stand-in's stripe would contradict.
  mutating func packElidingAddresses(
    _ records: UnsafeRawBufferPointer, stream: UInt64, history: PackedStreamHistory, scratch: inout ElisionScratch,
    clockKeys: Bool = false, clockKeyMet: inout Bool
  ) -> Int? {
    scratch.reset(for: records.count)
    var unpackedLength = records.count
    var met = false
    let packed = packColumns(records, marker: PackedChunk.elidedAddressesMarker) { writer, reader in
      writer.packElidedRecords(
        &reader, stream: stream, history: history, scratch: &scratch, unpackedLength: &unpackedLength,
        clockKeys: clockKeys, clockKeyMet: &met)
    }
    clockKeyMet = met
    return packed ? unpackedLength : nil
  }

  /// Appends the ALLOCs of a chunk that goes out as it is to `history`; false on anything the
  /// tracker does not write (the stream's history is then lost). Each FREE_BACK naming an ALLOC
  /// that went out without its address goes into `freesOfElided` (emptied first): a reader gives
  /// that ALLOC a stand-in, so the chunk cannot go out as it is (``FreeOfElided``).
  /// With `clockKeys` (a version 6 capture) clock-keyed records' stripe numbers and STRIPE records
  /// are skipped.
  static func recordAllocations(
    _ records: UnsafeRawBufferPointer, in history: PackedStreamHistory, freesOfElided: inout [FreeOfElided],
    clockKeys: Bool = false
  ) -> Bool {
    freesOfElided.removeAll(keepingCapacity: true)
    guard let base = records.baseAddress else { return true }
    var reader = FieldReader(base: base.assumingMemoryBound(to: UInt8.self), end: records.count)
    var running: UInt64 = 0
    // The chunk's running key (version 6: it says which records end with a stripe number).
    var key: UInt64 = 0
    // A numbered record's number: skipped, or (`clockKeys`) added to the key.
    func skipNumber(_ reader: inout FieldReader) -> Bool {
      guard clockKeys else { return ColumnWriter.skipUnsigned(&reader, 1) }
      guard let delta = reader.anyUnsigned() else { return false }
      key &+= delta
      return true
    }
    while !reader.atEnd {
      let tagPosition = reader.position
      let tag = reader.base[reader.position]
      reader.position += 1
      let type = tag & CaptureFormat.typeMask & ~CaptureFormat.nextNumberFlag
      switch type {
      case 0:
        switch tag {
        case CaptureFormat.frameTag:
          guard ColumnWriter.skipUnsigned(&reader, 2) else { return false }
        case CaptureFormat.threadTag:
          guard ColumnWriter.skipUnsigned(&reader, 1) else { return false }
        case CaptureFormat.stripeTag where clockKeys:
          guard skipNumber(&reader), ColumnWriter.skipUnsigned(&reader, 2) else { return false }
        default:
          guard skipNumber(&reader), ColumnWriter.skipRareFields(tag, &reader) else { return false }
        }
        continue
      case CaptureFormat.allocTag, CaptureFormat.freeTag, CaptureFormat.freeBackTag:
        break
      default:
        return false
      }
      if tag & CaptureFormat.nextNumberFlag == 0 {
        guard skipNumber(&reader) else { return false }
      } else if clockKeys && key < CaptureFormat.clockKeyBase {
        key &+= 1
      }
      let fieldStart = reader.position
      guard let field = reader.canonicalUnsigned() else { return false }
      switch type {
      case CaptureFormat.allocTag:
        running &+= UInt64(bitPattern: PackedChunk.unZigZag(field))
        // The history has no room for an address above every user-space one (nor has the tracker).
        guard running < PackedStreamHistory.elidedBit else { return false }
        history.append(running, elided: false)
        guard ColumnWriter.skipUnsigned(&reader, 2) else { return false }
      case CaptureFormat.freeTag:
        running &+= UInt64(bitPattern: PackedChunk.unZigZag(field))
      default:
        // Only the running address matters here, and no ALLOC address is a delta from a FREE_BACK's
        // without a FREE or ALLOC delta depending on it: resolve it like the reader.
        guard let named = history.allocation(back: field) else { return false }
        if named.elided {
          freesOfElided.append(
            FreeOfElided(
              tagPosition: tagPosition, fieldStart: fieldStart, fieldEnd: reader.position,
              delta: Int64(bitPattern: named.actual &- running)))
        }
        running = named.actual
      }
      // A FREE of the same address has the same stripe: the number stays as it is after a rewrite.
      if clockKeys && key >= CaptureFormat.clockKeyBase {
        guard ColumnWriter.skipUnsigned(&reader, 1) else { return false }
      }
    }
    return true
  }

  /// `records` with each of `frees` (in order, from ``recordAllocations(_:in:freesOfElided:)``)
  /// written as a FREE of the real address, into `output`.
  static func rewrite(
    _ records: UnsafeRawBufferPointer, freesOfElided frees: [FreeOfElided], into output: inout [UInt8]
  ) {
    var copied = 0
    for free in frees {
      output.append(contentsOf: records[copied..<free.tagPosition])
      let tag = records[free.tagPosition]
      output.append((tag & ~CaptureFormat.typeMask) | CaptureFormat.freeTag | (tag & CaptureFormat.nextNumberFlag))
      // The sequence number, if the tag has one, stays.
      output.append(contentsOf: records[(free.tagPosition + 1)..<free.fieldStart])
      appendUnsigned(PackedChunk.zigZag(free.delta), to: &output)
      copied = free.fieldEnd
    }
    output.append(contentsOf: records[copied...])
  }
}

/// A FREE_BACK, in a chunk that goes out as it is, naming an ALLOC of an earlier packed chunk that
/// went out without its address: another thread got the block's address after its free and this
/// one freed it again, as ``ColumnWriter/packElidedRecords`` turns into a FREE inside packed chunks.
/// A reader would resolve it to the ALLOC's stand-in and take the chunk's next address deltas from
/// that (a capture that read as damaged, or with made-up addresses), so it goes out as a FREE of
/// the real address: the tracker's running address after it is the same.
struct FreeOfElided {
  /// Where the record's tag, its distance and the end of its distance are in the chunk's records.
  var tagPosition: Int
  var fieldStart: Int
  var fieldEnd: Int
  /// The FREE's address delta: the real address less the running address before the record.
  var delta: Int64
}

extension ColumnWriter {
  /// The second layout's records, in one pass: as ``packRecords(_:)``, but an ALLOC that its own
  /// FREE_BACK turns out to be the only one to see goes without its address (its tag, already in
  /// the tag column, is marked then), a FREE_BACK naming such an ALLOC a second time becomes a
  /// FREE, and a FREE_BACK names an open ALLOC of the chunk's latest 4096 by its rank among the open
  /// ones (``OpenAllocations``), any other by 0 and its distance. ALLOC and FREE addresses are coded
  /// from the last address a reader knows (the model address), which depends on ALLOCs still
  /// open; so they wait in `scratch` and go into their columns at the end of the chunk
  /// (``putPendingAddresses(_:stream:ordinalBase:)``).
  ///
  /// With `clockKeys` (a version 6 capture) the keys are followed, and a chunk with a clock key is
  /// refused (`clockKeyMet`): only counter-keyed records, shaped as version 3's, go out so.
  mutating func packElidedRecords(
    _ reader: inout FieldReader, stream: UInt64, history: PackedStreamHistory, scratch: inout ElisionScratch,
    unpackedLength: inout Int, clockKeys: Bool, clockKeyMet: inout Bool
  ) -> Bool {
    var predictedNode: UInt64 = 0
    var previousParent: UInt64 = 0
    var key: UInt64 = 0
    // The tracker's running address, which the records' deltas are from.
    var running: UInt64 = 0
    var run: Int32 = 0
    let ordinalBase = history.count
    var recentNodes = RecentNodes()
    while !reader.atEnd {
      let tag = reader.base[reader.position]
      reader.position += 1
      let type = tag & CaptureFormat.typeMask & ~CaptureFormat.nextNumberFlag
      if type == 0 {
        // A THREAD record, or a number other than the previous + 1 (another thread's records
        // came in between), starts a new run.
        if tag == CaptureFormat.threadTag
          || (tag != CaptureFormat.frameTag && (reader.atEnd || reader.base[reader.position] != 1))
        {
          run &+= 1
        }
        guard
          packUnaddressed(
            tag, &reader, predictedNode: &predictedNode, previousParent: &previousParent, key: &key,
            clockKeys: clockKeys)
        else { return false }
        if clockKeys && key >= CaptureFormat.clockKeyBase {
          clockKeyMet = true
          return false
        }
        continue
      }
      // ALLOC, FREE, FREE_BACK (0x10, 0x20, 0x30 with the kind, and maybe the implicit-number bit).
      guard tag & PackedChunk.misalignedFlag == 0 else { return false }
      let tagIndex = Int32(truncatingIfNeeded: counts[PackedColumn.tag])
      put(tag, PackedColumn.tag)
      if tag & CaptureFormat.nextNumberFlag == 0 {
        if reader.atEnd || reader.base[reader.position] != 1 { run &+= 1 }
        guard moveNumber(&reader, key: &key, clockKeys: clockKeys) else { return false }
        if clockKeys && key >= CaptureFormat.clockKeyBase {
          clockKeyMet = true
          return false
        }
      } else if clockKeys {
        // Below the base (a clock key was refused at once): the previous key + 1.
        key &+= 1
      }
      let fieldStart = reader.position
      guard let field = reader.canonicalUnsigned() else { return false }
      let fieldLength = reader.position - fieldStart
      // Whether the record's address goes into the table of the last record naming each.
      var touches = true
      switch type {
      case CaptureFormat.allocTag:
        // Kinds 14 and 15 in the tag column say the address is left out: an ALLOC the tracker
        // never writes, which would read back as another.
        guard tag & CaptureFormat.kindMask < ElidedAddresses.firstElidedKind else { return false }
        running &+= UInt64(bitPattern: PackedChunk.unZigZag(field))
        guard running < PackedStreamHistory.elidedBit else { return false }
        scratch.append(
          PendingAddress(
            address: running, allocation: Int32(truncatingIfNeeded: scratch.allocationCount), tagIndex: tagIndex))
        scratch.append(
          PendingAllocation(actual: running, run: run, tagIndex: tagIndex, kind: tag & CaptureFormat.kindMask))
        unpackedLength -= fieldLength
        guard movePlanes(&reader, PackedColumn.size), let node = reader.canonicalUnsigned() else { return false }
        if let index = recentNodes.use(node) {
          putPlanes(UInt64(index), PackedColumn.node)
        } else {
          putPlanes(
            UInt64(RecentNodes.count) &+ PackedChunk.zigZag(Int64(bitPattern: node &- predictedNode)), PackedColumn.node
          )
        }
        predictedNode = node
      case CaptureFormat.freeTag:
        running &+= UInt64(bitPattern: PackedChunk.unZigZag(field))
        scratch.append(PendingAddress(address: running, allocation: PendingAddress.free, tagIndex: tagIndex))
        unpackedLength -= fieldLength
      default:
        guard field >= 1 else { return false }
        let inChunk = UInt64(scratch.allocationCount)
        // The address a reader gives the block, and whether its stand-in is gone already.
        var named: UInt64
        let namedTwice: Bool
        if field <= inChunk {
          let index = scratch.allocationCount - Int(field)
          let allocation = scratch.allocations[index]
          running = allocation.actual
          named = running
          namedTwice = allocation.elided
          // Nothing but this FREE_BACK sees the address: a plain free of the ALLOC's own block, no
          // record of the chunk naming the address since, and the same run (no other thread's
          // record in between, no THREAD switch: temporary allocations are per thread).
          if !namedTwice && tag & CaptureFormat.kindMask == 0 && allocation.kind <= 1 && allocation.run == run
            && scratch.touches.isLast(running, allocation.tagIndex, before: tagIndex)
          {
            scratch.allocations[index].run = PendingAllocation.elidedRun
            if !overflowed { base[Int(allocation.tagIndex)] &+= ElidedAddresses.firstElidedKind }
            named = ElidedAddresses.standIn(stream: stream, ordinal: ordinalBase + index)
            // Its slot keeps the ALLOC's index, which answers every later question as this
            // FREE_BACK's would: an earlier ALLOC of the slot was seen (by this ALLOC, after it),
            // a later one sets the slot itself. (Most FREE_BACKs are these: a store to a random
            // slot spared.)
            touches = false
          }
        } else {
          guard let earlier = history.allocation(back: field - inChunk) else { return false }
          running = earlier.actual
          named = running
          namedTwice = earlier.elided
        }
        if namedTwice {
          // Its stand-in is gone with the first free; the reader needs the address itself.
          if !overflowed {
            base[Int(tagIndex)] =
              (tag & ~CaptureFormat.typeMask) | CaptureFormat.freeTag | (tag & CaptureFormat.nextNumberFlag)
          }
          scratch.append(PendingAddress(address: running, allocation: PendingAddress.free, tagIndex: tagIndex))
          unpackedLength -= fieldLength
        } else {
          if field <= inChunk, let rank = scratch.closed.rank(of: scratch.allocationCount - Int(field)) {
            putPlanes(UInt64(rank), PackedColumn.back)
            scratch.closed.close(scratch.allocationCount - Int(field))
          } else {
            putPlanes(0, PackedColumn.back)
            putPlanes(field, PackedColumn.back)
          }
          scratch.append(PendingAddress(address: named, allocation: PendingAddress.freeBack, tagIndex: tagIndex))
        }
      }
      if touches { scratch.touches.set(running, tagIndex) }
    }
    unpackedLength += putPendingAddresses(scratch, stream: stream, ordinalBase: ordinalBase)
    return true
  }

  /// The chunk's ALLOC and FREE addresses into their columns, now that every ALLOC's fate is
  /// known: each kept one as the difference from the model address. Returns the byte count of the
  /// address deltas in the records a reader unpacks.
  @inline(__always)
  mutating func putPendingAddresses(_ scratch: ElisionScratch, stream: UInt64, ordinalBase: Int) -> Int {
    var model: UInt64 = 0
    // The reader's running address: stand-ins included.
    var running: UInt64 = 0
    var length = 0
    for index in 0..<scratch.addressCount {
      let pending = scratch.addresses[index]
      let column: Int
      switch pending.allocation {
      case PendingAddress.freeBack:
        running = pending.address
        if !ElidedAddresses.isStandIn(running) { model = running }
        continue
      case PendingAddress.free:
        column = PackedColumn.freeAddress
      default:
        if scratch.allocations[Int(pending.allocation)].elided {
          let standIn = ElidedAddresses.standIn(stream: stream, ordinal: ordinalBase + Int(pending.allocation))
          length += ElidedAddresses.varintLength(PackedChunk.zigZag(Int64(bitPattern: standIn &- running)))
          running = standIn
          continue
        }
        column = PackedColumn.allocAddress
      }
      let flag = putAddressDelta(Int64(bitPattern: pending.address &- model), column)
      if flag != 0 && !overflowed { base[Int(pending.tagIndex)] |= flag }
      length += ElidedAddresses.varintLength(PackedChunk.zigZag(Int64(bitPattern: pending.address &- running)))
      running = pending.address
      model = pending.address
    }
    return length
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
    // Every ALLOC has a tag: the tag column's length bounds their count. Raw memory, since an
    // array's uniqueness and bounds checks on every append were a tenth of the unpacking.
    let allocationCapacity = ends[PackedColumn.tag] - positions[PackedColumn.tag]
    let decoded = UnsafeMutablePointer<UInt64>.allocate(capacity: max(allocationCapacity, 1))
    defer { decoded.deallocate() }
    let ordinalBase = recent.count
    var open = OpenAllocations(capacity: allocationCapacity)
    defer { open.deallocate() }
    var recentNodes = RecentNodes()
    // Never a clock key (the packer refuses them in this layout): the key is not followed.
    var key: UInt64 = 0
    while let tag = nextAddressedTag(
      predictedNode: &predictedNode, previousParent: &previousParent, key: &key, clockKeys: false)
    {
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
          address = ElidedAddresses.standIn(stream: stream, ordinal: ordinalBase + open.count)
        } else {
          guard let delta = readAddressDelta(PackedColumn.allocAddress, misaligned: misaligned) else { return false }
          address = model &+ UInt64(bitPattern: delta)
          model = address
        }
        guard emitUnsigned(PackedChunk.zigZag(Int64(bitPattern: address &- running))) else { return false }
        running = address
        let index = open.count
        guard open.append() else { return false }
        decoded[index] = address
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
        let inChunk = UInt64(open.count)
        let back: UInt64
        if code == 0 {
          guard let distance = readPlanes(PackedColumn.back), distance >= 1 else { return false }
          back = distance
        } else {
          guard code <= UInt64(OpenAllocations.window), let allocation = open.allocation(ofRank: Int(code)) else {
            return false
          }
          open.close(rank: Int(code))
          back = UInt64(open.count - allocation)
        }
        guard emitUnsigned(back) else { return false }
        if back <= inChunk {
          running = decoded[open.count - Int(back)]
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
