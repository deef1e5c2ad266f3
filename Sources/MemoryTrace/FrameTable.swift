/// One frame of a stack, with its instruction pointer resolved against the modules table that was
/// in force when its FRAME record was read.
public struct StackFrame: Sendable, Hashable {
  /// The return address as libunwind reported it (call site + 1, except for the innermost frame).
  public var ip: UInt64
  /// The module containing `ip`, or `nil` if no module did (JIT code, a stale table).
  public var module: Module?
  /// `ip` minus the module's load bias, or `ip` itself when there is no module.
  public var offset: UInt64

  /// Creates a frame.
  public init(ip: UInt64, module: Module?, offset: UInt64) {
    self.ip = ip
    self.module = module
    self.offset = offset
  }

  /// The module's path, or `nil`.
  public var modulePath: String? { module?.path }
}

/// The stack nodes of a capture: node *n* is the *n*-th FRAME record, node 0 the root.
///
/// A stack is named by its innermost node; following `parent` links to the root yields its frames
/// innermost first. Storage is three flat arrays, so a table of millions of nodes stays compact.
public struct FrameTable: Sendable {
  private var parents: [UInt32] = [0]
  private var ips: [UInt64] = [0]
  private var moduleIndices: [Int32] = [-1]
  /// Every distinct module ever in force, indexed by `moduleIndices`.
  public private(set) var modules: [Module] = []
  private var moduleIDs: [Module: Int32] = [:]
  /// The module interned last and its index: runs of frames lie in one module, and hashing the
  /// module's path for every FRAME record was a tenth of reading a capture of two million stacks.
  private var lastInterned: (module: Module, id: Int32)?
  /// The last module lookup: the table asked (its ``ModuleTable/identity``), the addresses that
  /// get the same answer from it, and the answer.
  private var lastLookup: (table: Int, sameAnswer: Range<UInt64>, id: Int32) = (-1, 0..<0, -1)

  /// Creates a table holding only the root.
  public init() {}

  /// The number of nodes including the root, so valid node ids are `0..<count`.
  public var count: Int { parents.count }

  /// Whether `node` is defined (0, the root, always is).
  public func contains(_ node: UInt32) -> Bool { Int(node) < parents.count }

  /// The caller's node of `node` (0 for the root and for unknown nodes).
  public func parent(of node: UInt32) -> UInt32 { contains(node) ? parents[Int(node)] : 0 }

  /// The frame at `node` alone, or `nil` for the root or an unknown node.
  public func frame(_ node: UInt32) -> StackFrame? {
    guard node != 0, contains(node) else { return nil }
    let ip = ips[Int(node)]
    let moduleIndex = moduleIndices[Int(node)]
    guard moduleIndex >= 0 else { return StackFrame(ip: ip, module: nil, offset: ip) }
    let module = modules[Int(moduleIndex)]
    return StackFrame(ip: ip, module: module, offset: ip &- module.loadBias)
  }

  /// The stack named by `node`, innermost frame first; empty for 0 or an unknown node.
  ///
  /// - Complexity: O(*d*) for a stack *d* frames deep.
  public func stack(_ node: UInt32) -> [StackFrame] {
    var frames: [StackFrame] = []
    var current = node
    while let frame = frame(current) {
      frames.append(frame)
      current = parents[Int(current)]
    }
    return frames
  }

  /// The node ids of the stack named by `node`, innermost first (root excluded).
  public func path(_ node: UInt32) -> [UInt32] {
    var nodes: [UInt32] = []
    var current = node
    while current != 0 && contains(current) {
      nodes.append(current)
      current = parents[Int(current)]
    }
    return nodes
  }

  /// The instruction pointer of `node` (0 for the root or an unknown node).
  public func ip(of node: UInt32) -> UInt64 { contains(node) ? ips[Int(node)] : 0 }

  /// The index in ``modules`` of the module holding `node`'s instruction, -1 when none did (and
  /// for the root or an unknown node). With ``ip(of:)``, a key for the node's location that costs
  /// no string (the tree builder memoises by it).
  public func moduleIndex(of node: UInt32) -> Int32 { contains(node) ? moduleIndices[Int(node)] : -1 }

  /// Appends the next node; the caller has checked that `parent < count`.
  mutating func append(parent: UInt32, ip: UInt64, in table: ModuleTable) -> UInt32 {
    let node = UInt32(parents.count)
    if parents.count == parents.capacity { reserveAhead() }
    parents.append(parent)
    ips.append(ip)
    moduleIndices.append(moduleIndex(of: ip, in: table))
    return node
  }

  /// The index in ``modules`` of the module of `table` holding `ip`, interning the module.
  @inline(__always)
  private mutating func moduleIndex(of ip: UInt64, in table: ModuleTable) -> Int32 {
    // A stack's frames lie mostly in one module: while they stay in the addresses the last lookup
    // answered for, the answer is the same. Searching the table and interning its module (copying
    // it, comparing paths) for every FRAME record was a tenth of following a run of two million
    // new stacks.
    if table.identity == lastLookup.table && lastLookup.sameAnswer.contains(ip) { return lastLookup.id }
    guard let (index, sameAnswer) = table.lookup(ip) else { return -1 }
    let id = intern(table.modules[index])
    lastLookup = (table.identity, sameAnswer, id)
    return id
  }

  /// Makes room for many more nodes at once when the table is large: growing twofold copied each
  /// node about once more and wrote it into fresh pages again (half of appending a node on a run
  /// of two million new stacks). Room not written to costs no memory, only addresses.
  private mutating func reserveAhead() {
    guard parents.count >= 1 << 16 else { return }
    // No further ahead than the most nodes a capture may hold (then twofold again, as before).
    let capacity = min(parents.count * 8, max(parents.count * 2, Int(CaptureFormat.maximumFrames) + 1))
    parents.reserveCapacity(capacity)
    ips.reserveCapacity(capacity)
    moduleIndices.reserveCapacity(capacity)
  }

  private mutating func intern(_ module: Module) -> Int32 {
    if let last = lastInterned, last.module == module { return last.id }
    let id: Int32
    if let known = moduleIDs[module] {
      id = known
    } else {
      id = Int32(modules.count)
      modules.append(module)
      moduleIDs[module] = id
    }
    lastInterned = (module, id)
    return id
  }
}
