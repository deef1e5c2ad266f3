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
    try build(
      stacks: stacks, samples: samples, symbolizer: symbolizer, filter: filter, rootLabel: rootLabel, drawnWithin: nil)
  }

  /// ``build(stacks:samples:symbolizer:filter:rootLabel:)`` for an icicle drawn within `bounds`:
  /// every node such an icicle can draw is made, with all of its children and the exact totals of
  /// each, and nothing below the others (their bytes stay on them as their own). Draw the tree
  /// within those bounds only: its own bytes, its folded stacks and its inversion are not the
  /// whole tree's. Nil `bounds` builds the whole tree.
  ///
  /// - Complexity: O(s + n) for s samples over n stack nodes, plus the tree's m nodes made times
  ///   the levels the icicle can reach.
  public static func build(
    stacks: some StackNodes, samples: [StackSample], symbolizer: Symbolizer, filter: FrameFilter?,
    rootLabel: String, drawnWithin bounds: IcicleBounds?
  ) throws -> AllocationTree {
    var assembly = StackTreeAssembly(stacks: stacks, filter: filter, rootLabel: rootLabel)
    try assembly.collect(samples, symbolizer: symbolizer)
    if let bounds {
      var visible = assembly  // the arrays are shared until placing writes to them
      if visible.placeVisible(samples, within: bounds) {
        let tree = visible.builder.build()
        // Siblings of equal bytes and equal labels keep the order their nodes were made in, and only
        // the whole tree makes them in the order of the samples: such a tree is built whole.
        if !tree.nodes.columns.hasLabelTies() { return tree }
      }
    }
    assembly.place(samples)
    return assembly.builder.build()
  }
}
