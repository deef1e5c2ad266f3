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
}

extension StackNodes {
  /// True: see the requirement.
  public var innermostFrameIsReturnAddress: Bool { true }
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
    var seen = Set<Int>([0])
    var locations: [CodeLocation] = []
    for sample in samples where sample.stack != 0 {
      var leaf = stacks.location(of: sample.stack)
      leaf.isReturnAddress = stacks.innermostFrameIsReturnAddress
      locations.append(leaf)
      var node = sample.stack
      while seen.insert(node).inserted {
        locations.append(stacks.location(of: node))
        node = stacks.parent(of: node)
      }
    }
    try symbolizer.resolve(locations)

    var builder = Builder(rootLabel: rootLabel)
    builder.reserveCapacity(seen.count)
    // Where each node lands when it is a caller (not the innermost frame of a sample).
    var memo: [Int: (tree: Int, state: FrameFilter.State)] = [0: (AllocationTree.rootIndex, .start)]
    memo.reserveCapacity(seen.count)
    // Each location's frames, outermost inlined function first, with what the filter and the
    // builder need of them worked out once: a tree of a million stacks has a few dozen locations.
    typealias PlannedFrame = (
      frame: SymbolizedFrame, role: FrameFilter.Role?, identity: SymbolizedFrame.Identity, identityHash: Int
    )
    var plans: [CodeLocation: [PlannedFrame]] = [:]
    func plan(_ location: CodeLocation) -> [PlannedFrame] {
      if let known = plans[location] { return known }
      let planned = symbolizer.frames(of: location).reversed().map { frame -> PlannedFrame in
        let identity = frame.identity
        return (frame, filter?.role(of: frame), identity, identity.hashValue)
      }
      plans[location] = planned
      return planned
    }
    func descend(from start: (tree: Int, state: FrameFilter.State), through location: CodeLocation)
      -> (tree: Int, state: FrameFilter.State)
    {
      var current = start
      for planned in plan(location) {
        if let filter, let role = planned.role {
          let (keep, next) = filter.step(current.state, role: role)
          current.state = next
          if !keep { continue }
        }
        current.tree = builder.child(
          of: current.tree, frame: planned.frame, identity: planned.identity, identityHash: planned.identityHash)
      }
      return current
    }
    func callerPosition(_ node: Int) -> (tree: Int, state: FrameFilter.State) {
      if let known = memo[node] { return known }
      var pending: [Int] = []
      var ancestor = node
      while memo[ancestor] == nil {
        pending.append(ancestor)
        ancestor = stacks.parent(of: ancestor)
      }
      var position = memo[ancestor]!
      for pendingNode in pending.reversed() {
        position = descend(from: position, through: stacks.location(of: pendingNode))
        memo[pendingNode] = position
      }
      return position
    }
    for sample in samples {
      guard sample.stack != 0 else {
        builder.add(bytes: sample.bytes, count: sample.count, to: AllocationTree.rootIndex)
        continue
      }
      let above = callerPosition(stacks.parent(of: sample.stack))
      var leaf = stacks.location(of: sample.stack)
      leaf.isReturnAddress = stacks.innermostFrameIsReturnAddress
      let position = descend(from: above, through: leaf)
      builder.add(bytes: sample.bytes, count: sample.count, to: position.tree)
    }
    return builder.build()
  }
}
