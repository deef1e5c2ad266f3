import Symbols

/// A capture's stacks as the tracker wrote them: a prefix tree of frames, node 0 the empty stack.
/// The reader provides it; the tree builder only needs each node's parent and instruction.
public protocol StackNodes {
  /// The parent of `node`: the frame that called it, 0 when `node` is the outermost frame.
  func parent(of node: Int) -> Int
  /// Where `node`'s instruction is, with ``CodeLocation/isReturnAddress`` true: the builder clears
  /// it for the innermost frame of each sample unless ``innermostFrameIsReturnAddress``. An
  /// instruction outside every module should come back with the module `[unknown]` and the raw
  /// address as its offset.
  func location(of node: Int) -> CodeLocation
  /// Whether a sample's innermost frame is a return address too. It is for the workshop tracker,
  /// which drops its own frames (where unwinding began): the innermost frame it records is the
  /// caller of `malloc`, a return address like the others. True unless a stack source says otherwise.
  var innermostFrameIsReturnAddress: Bool { get }
  /// A key for `node`'s location cheaper to hash than its ``CodeLocation``, or nil: nodes with
  /// equal keys must have equal locations (the builder names each key's location once).
  func locationKey(of node: Int) -> StackLocationKey?
  /// How many nodes there are when they are numbered densely from 0 (the builder then keeps flat
  /// arrays instead of hash tables), or nil.
  var nodeCount: Int? { get }
}

extension StackNodes {
  /// True: see the requirement.
  public var innermostFrameIsReturnAddress: Bool { true }

  /// Nil: see the requirement.
  public var nodeCount: Int? { nil }

  /// Nil: see the requirement.
  public func locationKey(of node: Int) -> StackLocationKey? { nil }
}

/// A stack node's location as numbers: its module's number in the stack source and the raw
/// instruction pointer (see ``StackNodes/locationKey(of:)``).
public struct StackLocationKey: Hashable, Sendable {
  /// The module's number, -1 for none.
  public var module: Int32
  /// The instruction pointer.
  public var address: UInt64

  /// The key of an instruction at `address` in module number `module`.
  public init(module: Int32, address: UInt64) {
    self.module = module
    self.address = address
  }
}

/// Bytes and allocations attributed to one stack (its innermost node).
public struct StackSample: Sendable, Equatable {
  /// The stack's innermost node in ``StackNodes``; 0 for an allocation without a stack.
  public var stack: Int
  /// Bytes.
  public var bytes: UInt64
  /// Allocations.
  public var count: UInt64

  /// A sample of `bytes` in `count` allocations at `stack`.
  public init(stack: Int, bytes: UInt64, count: UInt64) {
    self.stack = stack
    self.bytes = bytes
    self.count = count
  }
}

extension AllocationTree {
  /// Builds the tree of `samples` (what was alive at the peak, leaked or temporary) over a capture's
  /// stacks: symbolizes every frame in one batch, expands inlined frames, and hides the frames
  /// `filter` hides (nil shows every frame, `--native`).
  ///
  /// - Complexity: O(s + n) for s samples over n distinct stack nodes (each node is symbolized and
  ///   walked once, however many samples share it), plus the symbolizer's batch and
  ///   ``Builder/build()``.
  public static func build(
    stacks: some StackNodes, samples: [StackSample], symbolizer: Symbolizer, filter: FrameFilter?,
    rootLabel: String
  ) throws -> AllocationTree {
    // Every node the samples reach, and every location to name, in one batch for the symbolizer.
    // Stack nodes are numbered densely from 0 by the reader, so flat arrays stand for sets and
    // maps when their count is known (a hash set of two million nodes was a good part of a tree).
    let nodeCount = stacks.nodeCount
    var seenFlags = [Bool](repeating: false, count: nodeCount ?? 0)
    var seenSet = Set<Int>()
    func firstVisit(_ node: Int) -> Bool {
      if node >= 0 && node < seenFlags.count {
        if seenFlags[node] { return false }
        seenFlags[node] = true
        return true
      }
      return seenSet.insert(node).inserted
    }
    _ = firstVisit(0)
    // Each location once where the source gives keys: the symbolizer's batch then holds a few
    // dozen locations for a tree of millions of nodes, not one per node.
    var keyed = Set<StackLocationKey>()
    var leafKeyed = Set<StackLocationKey>()
    var locations: [CodeLocation] = []
    var visited = 0
    for sample in samples where sample.stack != 0 {
      if stacks.locationKey(of: sample.stack).map({ leafKeyed.insert($0).inserted }) ?? true {
        var leaf = stacks.location(of: sample.stack)
        leaf.isReturnAddress = stacks.innermostFrameIsReturnAddress
        locations.append(leaf)
      }
      var node = sample.stack
      while firstVisit(node) {
        visited += 1
        if stacks.locationKey(of: node).map({ keyed.insert($0).inserted }) ?? true {
          locations.append(stacks.location(of: node))
        }
        node = stacks.parent(of: node)
      }
    }
    try symbolizer.resolve(locations)

    var builder = Builder(rootLabel: rootLabel)
    builder.reserveCapacity(visited + 1)
    // Where each node lands when it is a caller (not the innermost frame of a sample): the tree
    // node (-1 while unknown) and the filter's state.
    typealias Position = (tree: Int, state: FrameFilter.State)
    var memoTree = [Int32](repeating: -1, count: nodeCount ?? 0)
    var memoState = [FrameFilter.State](repeating: .start, count: nodeCount ?? 0)
    var memoOther: [Int: Position] = [:]
    func memo(_ node: Int) -> Position? {
      if node >= 0 && node < memoTree.count {
        return memoTree[node] < 0 ? nil : (Int(memoTree[node]), memoState[node])
      }
      return memoOther[node]
    }
    func setMemo(_ node: Int, _ position: Position) {
      if node >= 0 && node < memoTree.count {
        memoTree[node] = Int32(position.tree)
        memoState[node] = position.state
      } else {
        memoOther[node] = position
      }
    }
    setMemo(0, (AllocationTree.rootIndex, .start))
    // Each location's frames, outermost inlined function first, with what the filter and the
    // builder need of them worked out once: a tree of a million stacks has a few dozen locations.
    typealias PlannedFrame = (frame: Builder.RegisteredFrame, role: FrameFilter.Role?)
    var plans: [CodeLocation: [PlannedFrame]] = [:]
    func plan(_ location: CodeLocation) -> [PlannedFrame] {
      if let known = plans[location] { return known }
      let planned = symbolizer.frames(of: location).reversed().map { frame -> PlannedFrame in
        (builder.register(frame), filter?.role(of: frame))
      }
      plans[location] = planned
      return planned
    }
    // The plans of stack nodes, as callers and as innermost frames, by location key.
    var callerPlans: [StackLocationKey: [PlannedFrame]] = [:]
    var leafPlans: [StackLocationKey: [PlannedFrame]] = [:]
    func callerPlan(_ node: Int) -> [PlannedFrame] {
      guard let key = stacks.locationKey(of: node) else { return plan(stacks.location(of: node)) }
      if let known = callerPlans[key] { return known }
      let planned = plan(stacks.location(of: node))
      callerPlans[key] = planned
      return planned
    }
    func leafPlan(_ node: Int) -> [PlannedFrame] {
      func located() -> [PlannedFrame] {
        var leaf = stacks.location(of: node)
        leaf.isReturnAddress = stacks.innermostFrameIsReturnAddress
        return plan(leaf)
      }
      guard let key = stacks.locationKey(of: node) else { return located() }
      if let known = leafPlans[key] { return known }
      let planned = located()
      leafPlans[key] = planned
      return planned
    }
    func descend(from start: Position, through planned: [PlannedFrame]) -> Position {
      var current = start
      for planned in planned {
        if let filter, let role = planned.role {
          let (keep, next) = filter.step(current.state, role: role)
          current.state = next
          if !keep { continue }
        }
        current.tree = builder.child(of: current.tree, registered: planned.frame)
      }
      return current
    }
    var pending: [Int] = []
    func callerPosition(_ node: Int) -> Position {
      if let known = memo(node) { return known }
      pending.removeAll(keepingCapacity: true)
      var ancestor = node
      while memo(ancestor) == nil {
        pending.append(ancestor)
        ancestor = stacks.parent(of: ancestor)
      }
      var position = memo(ancestor)!
      for pendingNode in pending.reversed() {
        position = descend(from: position, through: callerPlan(pendingNode))
        setMemo(pendingNode, position)
      }
      return position
    }
    for sample in samples {
      guard sample.stack != 0 else {
        builder.add(bytes: sample.bytes, count: sample.count, to: AllocationTree.rootIndex)
        continue
      }
      let above = callerPosition(stacks.parent(of: sample.stack))
      let position = descend(from: above, through: leafPlan(sample.stack))
      builder.add(bytes: sample.bytes, count: sample.count, to: position.tree)
    }
    return builder.build()
  }
}
