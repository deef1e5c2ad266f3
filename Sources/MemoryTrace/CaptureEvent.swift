/// The allocator call that produced an ALLOC record (the low nibble of its tag).
public enum AllocationKind: UInt8, Sendable, CaseIterable, CustomStringConvertible {
  /// `malloc()`
  case malloc = 0
  /// `calloc()`
  case calloc = 1
  /// `realloc()`: the new block (the old one, if it moved, has its own FREE record).
  case realloc = 2
  /// `reallocarray()`
  case reallocarray = 3
  /// `posix_memalign()`
  case posixMemalign = 4
  /// `aligned_alloc()`
  case alignedAlloc = 5
  /// `memalign()`
  case memalign = 6
  /// `valloc()`
  case valloc = 7
  /// `pvalloc()`
  case pvalloc = 8

  /// The C function's name.
  public var description: String {
    switch self {
    case .malloc: "malloc"
    case .calloc: "calloc"
    case .realloc: "realloc"
    case .reallocarray: "reallocarray"
    case .posixMemalign: "posix_memalign"
    case .alignedAlloc: "aligned_alloc"
    case .memalign: "memalign"
    case .valloc: "valloc"
    case .pvalloc: "pvalloc"
    }
  }
}

/// The call that produced a FREE record (the low nibble of its tag).
public enum DeallocationKind: UInt8, Sendable, CaseIterable, CustomStringConvertible {
  /// `free()`
  case free = 0
  /// The old block of a `realloc()`/`reallocarray()` that moved or shrank to 0.
  case realloc = 1

  /// A short name.
  public var description: String {
    switch self {
    case .free: "free"
    case .realloc: "realloc"
    }
  }
}

/// The COMMAND record: what was run.
public struct CaptureCommand: Sendable, Equatable {
  /// The executable's path.
  public var executable: String
  /// `argv`, including `argv[0]`.
  public var arguments: [String]
  /// Creates a command.
  public init(executable: String, arguments: [String]) {
    self.executable = executable
    self.arguments = arguments
  }
}

/// A FRAME record: defines stack node `node` as `ip` called from `parent`.
public struct FrameEvent: Sendable, Equatable {
  /// The node this record defines (the first FRAME record defines node 1).
  public var node: UInt32
  /// The caller's node (0 is the root).
  public var parent: UInt32
  /// The return address as libunwind reported it (call site + 1, except for the innermost frame).
  public var ip: UInt64
  /// Creates a frame event.
  public init(node: UInt32, parent: UInt32, ip: UInt64) {
    self.node = node
    self.parent = parent
    self.ip = ip
  }
}

/// An ALLOC record.
public struct AllocationEvent: Sendable, Equatable {
  /// The allocator call.
  public var kind: AllocationKind
  /// The block's address.
  public var address: UInt64
  /// The size the program asked for.
  public var size: UInt64
  /// The stack node (0: no stack).
  public var stack: UInt32
  /// The kernel thread id of the allocating thread.
  public var thread: UInt64
  /// Creates an allocation event.
  public init(kind: AllocationKind, address: UInt64, size: UInt64, stack: UInt32, thread: UInt64) {
    self.kind = kind
    self.address = address
    self.size = size
    self.stack = stack
    self.thread = thread
  }
}

/// A FREE record.
public struct DeallocationEvent: Sendable, Equatable {
  /// The deallocation call.
  public var kind: DeallocationKind
  /// The freed block's address.
  public var address: UInt64
  /// The kernel thread id of the freeing thread.
  public var thread: UInt64
  /// Creates a deallocation event.
  public init(kind: DeallocationKind, address: UInt64, thread: UInt64) {
    self.kind = kind
    self.address = address
    self.thread = thread
  }
}

/// A TICK record, written every 10 ms.
public struct TickEvent: Sendable, Equatable {
  /// Microseconds since ``CaptureHeader/startMonotonicNanoseconds``.
  public var microseconds: UInt64
  /// The program's resident bytes (the tracker's own taken out).
  public var residentBytes: UInt64
  /// The tracker's own resident bytes.
  public var trackerBytes: UInt64
  /// Creates a tick.
  public init(microseconds: UInt64, residentBytes: UInt64, trackerBytes: UInt64) {
    self.microseconds = microseconds
    self.residentBytes = residentBytes
    self.trackerBytes = trackerBytes
  }
}

/// A MARKER record, written by `workshop_tracker_marker()`.
public struct MarkerEvent: Sendable, Equatable {
  /// The marker's name.
  public var name: String
  /// The kernel thread id of the thread that placed it.
  public var thread: UInt64
  /// Creates a marker event.
  public init(name: String, thread: UInt64) {
    self.name = name
    self.thread = thread
  }
}

/// An EXEC record: the process replaced its program with `exec()`, and the new program's records
/// follow in the same capture, starting with its COMMAND.
///
/// Every block alive before it ended with the old program. The reader numbers the new program's
/// stack nodes after the old ones', so node ids stay unique across the whole capture.
public struct ExecEvent: Sendable, Equatable {
  /// When the new program started, in microseconds since the capture's start.
  public var microseconds: UInt64
  /// Creates an exec event.
  public init(microseconds: UInt64) { self.microseconds = microseconds }
}

/// Receives a capture's records in file order, one method per record kind.
///
/// The reader is generic over the visitor, so a struct visitor is specialized and inlined: the hot
/// records (alloc, free) cost no allocation and no dynamic dispatch. Every method has an empty
/// default, so a visitor implements only what it needs.
public protocol CaptureVisitor {
  /// The file header (once, before any record).
  mutating func visit(_ header: CaptureHeader)
  /// The COMMAND record.
  mutating func visit(_ command: CaptureCommand)
  /// A MODULES record: the whole table now in force.
  mutating func visit(_ modules: ModuleTable)
  /// A FRAME record.
  mutating func visit(_ frame: FrameEvent)
  /// A THREAD record: the records that follow belong to `thread`.
  mutating func visitThread(_ thread: UInt64)
  /// An ALLOC record.
  mutating func visit(_ allocation: AllocationEvent)
  /// A FREE record.
  mutating func visit(_ deallocation: DeallocationEvent)
  /// A TICK record.
  mutating func visit(_ tick: TickEvent)
  /// A MARKER record.
  mutating func visit(_ marker: MarkerEvent)
  /// The END record: the program exited normally after `microseconds`.
  mutating func visitEnd(microseconds: UInt64)
  /// A LOST record: the tracker dropped `count` events.
  mutating func visitLost(count: UInt64)
  /// An EXEC record: the program replaced itself; its blocks ended here.
  mutating func visit(_ exec: ExecEvent)
  /// A reader is about to deliver records; it holds the visitor alone (no copy of it can be made)
  /// until ``endRecords()``. A visitor with copy-on-write storage can make it its own once here
  /// instead of asking at every record.
  mutating func beginRecords()
  /// The reader is done delivering records for now (also when it stopped at damage).
  mutating func endRecords()
}

extension CaptureVisitor {
  /// Does nothing.
  public mutating func beginRecords() {}
  /// Does nothing.
  public mutating func endRecords() {}
  /// Ignores the header.
  public mutating func visit(_ header: CaptureHeader) {}
  /// Ignores the command.
  public mutating func visit(_ command: CaptureCommand) {}
  /// Ignores the module table.
  public mutating func visit(_ modules: ModuleTable) {}
  /// Ignores the frame.
  public mutating func visit(_ frame: FrameEvent) {}
  /// Ignores the thread switch.
  public mutating func visitThread(_ thread: UInt64) {}
  /// Ignores the allocation.
  public mutating func visit(_ allocation: AllocationEvent) {}
  /// Ignores the deallocation.
  public mutating func visit(_ deallocation: DeallocationEvent) {}
  /// Ignores the tick.
  public mutating func visit(_ tick: TickEvent) {}
  /// Ignores the marker.
  public mutating func visit(_ marker: MarkerEvent) {}
  /// Ignores the end.
  public mutating func visitEnd(microseconds: UInt64) {}
  /// Ignores the lost count.
  public mutating func visitLost(count: UInt64) {}
  /// Ignores the exec.
  public mutating func visit(_ exec: ExecEvent) {}
}

/// One decoded record, for callers that want values rather than a visitor (tests, small tools).
///
/// Collecting events into an array costs memory per event; analyses of real captures should use a
/// ``CaptureVisitor`` instead.
public enum CaptureEvent: Sendable, Equatable {
  /// The file header.
  case header(CaptureHeader)
  /// The COMMAND record.
  case command(CaptureCommand)
  /// A MODULES record.
  case modules(ModuleTable)
  /// A FRAME record.
  case frame(FrameEvent)
  /// A THREAD record.
  case thread(UInt64)
  /// An ALLOC record.
  case alloc(AllocationEvent)
  /// A FREE record.
  case free(DeallocationEvent)
  /// A TICK record.
  case tick(TickEvent)
  /// A MARKER record.
  case marker(MarkerEvent)
  /// The END record (microseconds since start).
  case end(UInt64)
  /// A LOST record (events dropped).
  case lost(UInt64)
  /// An EXEC record.
  case exec(ExecEvent)
}

/// A visitor that appends every record to ``events``.
public struct CaptureEventCollector: CaptureVisitor {
  /// The records seen so far, in file order.
  public var events: [CaptureEvent] = []
  /// Creates an empty collector.
  public init() {}
  /// Appends the header.
  public mutating func visit(_ header: CaptureHeader) { events.append(.header(header)) }
  /// Appends the command.
  public mutating func visit(_ command: CaptureCommand) { events.append(.command(command)) }
  /// Appends the module table.
  public mutating func visit(_ modules: ModuleTable) { events.append(.modules(modules)) }
  /// Appends the frame.
  public mutating func visit(_ frame: FrameEvent) { events.append(.frame(frame)) }
  /// Appends the thread switch.
  public mutating func visitThread(_ thread: UInt64) { events.append(.thread(thread)) }
  /// Appends the allocation.
  public mutating func visit(_ allocation: AllocationEvent) { events.append(.alloc(allocation)) }
  /// Appends the deallocation.
  public mutating func visit(_ deallocation: DeallocationEvent) { events.append(.free(deallocation)) }
  /// Appends the tick.
  public mutating func visit(_ tick: TickEvent) { events.append(.tick(tick)) }
  /// Appends the marker.
  public mutating func visit(_ marker: MarkerEvent) { events.append(.marker(marker)) }
  /// Appends the end.
  public mutating func visitEnd(microseconds: UInt64) { events.append(.end(microseconds)) }
  /// Appends the lost count.
  public mutating func visitLost(count: UInt64) { events.append(.lost(count)) }
  /// Appends the exec.
  public mutating func visit(_ exec: ExecEvent) { events.append(.exec(exec)) }
}
