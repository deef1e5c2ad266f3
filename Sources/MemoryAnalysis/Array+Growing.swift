extension Array {
  /// Makes `index` a valid index, filling new places with `filler`.
  ///
  /// Per-stack tables are indexed by stack node, and a program that keeps making new stacks (a
  /// recursive tree: two million of them) asks for one more place at almost every event. Growing
  /// the count 4,096 places at a time makes that one append per 4,096 new stacks instead of one
  /// each (the appends were 14 % of `stats` on a depth-20 tree); growing it twofold instead
  /// filled twice the memory the stacks need and cost as much in page faults. The extra places
  /// stay at `filler`, which every reader of these tables skips (`ranked(count:_:)` drops
  /// empty totals).
  @inline(__always)
  mutating func ensureIndex(_ index: Int, filler: Element) {
    if index >= count { grow(toInclude: index, filler: filler) }
  }

  @inline(never)
  private mutating func grow(toInclude index: Int, filler: Element) {
    append(contentsOf: repeatElement(filler, count: Swift.max(index + 1, count + 4_096) - count))
  }
}
