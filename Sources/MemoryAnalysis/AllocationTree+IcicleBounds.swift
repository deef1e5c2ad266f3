extension AllocationTree {
  /// What an icicle drawn from a tree can show: its columns, the narrowest box that gets a label of
  /// its own (narrower siblings are merged into one box whose frames are not read) and how many
  /// levels below the root it draws. A tree built for these bounds
  /// (``build(stacks:samples:symbolizer:filter:rootLabel:drawnWithin:)``) draws the same icicle as
  /// the whole tree, and makes only the nodes such an icicle can read.
  public struct IcicleBounds: Sendable, Equatable {
    /// The icicle's columns.
    public var width: Int
    /// The narrowest box drawn as a node (Rendering's `IcicleOptions.minimumWidth`).
    public var minimumWidth: Int
    /// The deepest level drawn below the root, or nil for all.
    public var maxDepth: Int?

    /// The bounds of an icicle of `width` columns whose boxes narrower than `minimumWidth` are
    /// merged, `maxDepth` levels deep.
    public init(width: Int, minimumWidth: Int, maxDepth: Int? = nil) {
      self.width = width
      self.minimumWidth = minimumWidth
      self.maxDepth = maxDepth
    }
  }
}
