import Rendering
import Testing

/// The top stacks' frame lines: recursion folded as heaptrack folds it, at most a few lines.
@Suite("StatsText.StackEntry")
struct StackEntryTests {
  let entry = StatsText.StackEntry(
    bytes: 1024, count: 1,
    frames: ["Array.append(_:) (libswiftCore.so+0x10)"] + (0..<40).map { "walk(_:) (Tree.swift:\($0 == 0 ? 9 : 12))" }
      + ["main (main.swift:3)"])

  @Test("a run of one function is one line with its depth and the innermost frame's line")
  func folded() {
    #expect(
      entry.frameLines(foldingRecursion: true) == [
        "       #0 Array.append(_:) (libswiftCore.so+0x10)",
        "       #1-#40 (40 deep) walk(_:) (Tree.swift:9)",
        "       #41 main (main.swift:3)",
      ])
    #expect(entry.frameLines.count == 42, "unfolded: every frame")
  }

  @Test("past the limit, the last line says how many frames are left out")
  func limited() {
    #expect(
      entry.frameLines(foldingRecursion: false, limit: 3) == [
        "       #0 Array.append(_:) (libswiftCore.so+0x10)",
        "       #1 walk(_:) (Tree.swift:9)",
        "       ... 40 more frames (#2-#41)",
      ])
    #expect(entry.frameLines(foldingRecursion: true, limit: 3).count == 3)
  }
}
