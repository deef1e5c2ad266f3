/// The squares of 0, 1, 2, … up to `count - 1`, made one at a time as the caller asks.
func squares(count: Int) -> LazyMapSequence<Range<Int>, Int> {
  (0..<count).lazy.map { $0 * $0 }
}
