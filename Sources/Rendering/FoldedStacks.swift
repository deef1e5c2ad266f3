import MemoryAnalysis

/// Folded stacks (`frame;frame;frame bytes`), the input of flamegraph.pl, inferno and speedscope.
public enum FoldedStacks {
  /// One line per node with bytes of its own: the frames from the outermost down to it, then its own
  /// bytes. The counts add up to the tree's total exactly; bytes attributed to the root (allocations
  /// without a stack) are on a line naming the root alone.
  ///
  /// - Complexity: O(n × depth) characters written.
  public static func render(_ tree: AllocationTree) -> String {
    var output = ""
    var path: [String] = []
    var walk: [(node: Int, entering: Bool)] = [(AllocationTree.rootIndex, true)]
    while let (node, entering) = walk.popLast() {
      let item = tree[node]
      guard entering else {
        if node != AllocationTree.rootIndex { path.removeLast() }
        continue
      }
      if node != AllocationTree.rootIndex { path.append(sanitized(tree.label(of: node))) }
      if item.ownBytes > 0 {
        let frames = node == AllocationTree.rootIndex ? sanitized(tree.rootLabel) : path.joined(separator: ";")
        output += "\(frames) \(item.ownBytes)\n"
      }
      walk.append((node, false))
      for child in item.children.reversed() { walk.append((child, true)) }
    }
    return output
  }

  /// A label the folded format can carry: `;` separates frames, a line is one stack, and no
  /// escape sequence from the capture reaches the terminal.
  static func sanitized(_ label: String) -> String {
    String(TerminalText.stripped(label).map { $0 == ";" ? ":" : ($0.isNewline ? " " : $0) })
  }
}
