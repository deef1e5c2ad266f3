import Foundation
import MemoryAnalysis
import Rendering
import Symbols
import Testing

/// The icicle explorer's moves, zoom history, native toggle and drawing, on small hand-made trees.
@Suite struct IcicleExplorerTests {
  static func frame(_ function: String, _ line: Int, file: String = "Work.swift", module: String = "/home/me/app")
    -> SymbolizedFrame
  {
    SymbolizedFrame(function: function, file: file, line: line, location: CodeLocation(module: module, offset: 1))
  }

  static let main = frame("main", 1, file: "main.swift")
  static let load = frame("load(path:)", 10)
  static let parse = frame("parse(_:)", 20)
  static let read = frame("read(_:)", 30)
  static let fib = frame("fib(_:)", 40, file: "Fib.swift")
  static let log = frame("log(_:)", 50)
  static let append = frame("Array.append(_:)", 0, file: "Array.swift", module: "/opt/swift/lib/libswiftCore.so")
  static let allocObject = SymbolizedFrame(
    function: "swift_allocObject", location: CodeLocation(module: "/opt/swift/lib/libswiftCore.so", offset: 2))
  static let start = SymbolizedFrame(function: "_start", location: CodeLocation(module: "/home/me/app", offset: 3))
  static let libcMain = SymbolizedFrame(
    function: "__libc_start_main", location: CodeLocation(module: "/usr/lib/libc.so.6", offset: 4))

  /// The stacks as a report shows them (frames filtered) and as they are (`--native`).
  static let stacks: [(filtered: [SymbolizedFrame], native: [SymbolizedFrame], bytes: UInt64, count: UInt64)] = [
    ([main, load, parse, append], [start, libcMain, main, load, parse, append, allocObject], 40 << 10, 4),
    ([main, load, read], [start, libcMain, main, load, read], 20 << 10, 2),
    ([main, fib, fib, fib, fib], [start, libcMain, main, fib, fib, fib, fib], 30 << 10, 30),
    ([main, log], [start, libcMain, main, log], 10 << 10, 1),
  ]

  static func trees() -> (filtered: AllocationTree, native: AllocationTree) {
    var filtered = AllocationTree.Builder(rootLabel: "app")
    var native = AllocationTree.Builder(rootLabel: "app")
    for stack in stacks {
      filtered.add(stack: stack.filtered, bytes: stack.bytes, count: stack.count)
      native.add(stack: stack.native, bytes: stack.bytes, count: stack.count)
    }
    return (filtered.build(), native.build())
  }

  static func explorer() -> IcicleExplorer {
    let (filtered, native) = trees()
    return IcicleExplorer(tree: filtered, nativeTree: native, title: "peak memory")
  }

  func walk(_ explorer: inout IcicleExplorer, _ moves: [IcicleExplorer.Move]) -> [String] {
    moves.map { move in
      explorer.apply(move)
      return explorer.selection.function
    }
  }

  @Test("up, down, left, right: the caller, the heaviest callee, the siblings in drawn order, stopping at the ends")
  func moves() {
    var explorer = Self.explorer()
    #expect(explorer.selection.function == "app" && explorer.selection.depth == 0)
    #expect(
      walk(
        &explorer,
        [
          .caller, .heaviestCallee, .heaviestCallee, .heaviestCallee, .nextSibling, .nextSibling, .previousSibling,
          .caller, .nextSibling, .nextSibling, .nextSibling, .previousSibling, .caller, .caller, .previousSibling,
        ])
        == [
          "app", "main", "load(path:)", "parse(_:)", "read(_:)", "read(_:)", "parse(_:)", "load(path:)", "fib(_:)",
          "log(_:)", "log(_:)", "fib(_:)", "main", "app", "app",
        ])
  }

  @Test("the selection's facts: function, file, line, module, bytes, share, allocations, depth, recursion")
  func selection() {
    var explorer = Self.explorer()
    _ = walk(&explorer, [.heaviestCallee, .heaviestCallee, .nextSibling])
    #expect(
      explorer.selection
        == IcicleExplorer.Selected(
          function: "fib(_:)", file: "Fib.swift", line: 40, module: "app", bytes: 30 << 10, share: 0.3, allocations: 30,
          depth: 2, recursionDepth: 4))
    #expect(
      explorer.render(width: 80, height: 24, capabilities: .plain).lines().last
        == "fib(_:) x4; Fib.swift:40; 30.0 KiB (30.0%); 30 allocations")
    _ = walk(&explorer, [.heaviestCallee])
    #expect(explorer.selection.function == "fib(_:)", "a leaf: no callee to go to")
  }

  @Test("Enter zooms into the selection, Backspace back out through the history; up stops at the top of the view")
  func zoom() {
    var explorer = Self.explorer()
    #expect(!explorer.canZoomOut)
    explorer.apply(.zoomIn)
    #expect(!explorer.canZoomOut, "the root is already the top")
    _ = walk(&explorer, [.heaviestCallee, .zoomIn, .heaviestCallee, .zoomIn, .heaviestCallee])
    #expect(explorer.canZoomOut && explorer.selection.function == "parse(_:)")
    #expect(
      explorer.render(width: 60, height: 6, capabilities: .plain).lines()[0].hasPrefix("[load(path:) (Work.swift:10)"))
    _ = walk(&explorer, [.caller, .caller, .previousSibling])
    #expect(explorer.selection.function == "load(path:)", "not past the frame zoomed into, nor beside it")
    explorer.apply(.zoomOut)
    #expect(explorer.render(width: 60, height: 6, capabilities: .plain).lines()[0].hasPrefix("[main (main.swift:1)"))
    _ = walk(&explorer, [.caller, .caller])
    #expect(explorer.selection.function == "main")
    explorer.apply(.zoomOut)
    #expect(!explorer.canZoomOut && explorer.selection.function == "main")
    #expect(explorer.render(width: 60, height: 6, capabilities: .plain).lines()[0].hasPrefix("[app 100.0 KiB"))
  }

  @Test("N shows every frame and back, keeping the selection on the same frames, else the nearest caller")
  func nativeToggle() {
    var explorer = Self.explorer()
    _ = walk(&explorer, [.heaviestCallee, .zoomIn, .heaviestCallee, .heaviestCallee])
    #expect(explorer.selection.function == "parse(_:)" && !explorer.showingNative)
    explorer.apply(.toggleNative)
    #expect(explorer.showingNative && explorer.selection.function == "parse(_:)" && explorer.selection.depth == 5)
    #expect(explorer.canZoomOut, "the zoom into main kept")
    _ = walk(&explorer, [.heaviestCallee, .heaviestCallee])
    #expect(explorer.selection.function == "swift_allocObject")
    explorer.apply(.toggleNative)
    #expect(!explorer.showingNative && explorer.selection.function == "Array.append(_:)")
    explorer.apply(.zoomOut)
    #expect(!explorer.canZoomOut && explorer.selection.function == "Array.append(_:)")
    var single = IcicleExplorer(tree: Self.trees().filtered, title: "peak memory")
    single.apply(.toggleNative)
    #expect(!single.showingNative && !single.hasNativeTree)
  }

  @Test("drawn at 80 × 24: the selection between >brackets<, the status and info lines")
  func render80x24() {
    var explorer = Self.explorer()
    _ = walk(&explorer, [.heaviestCallee, .heaviestCallee])
    let text = explorer.render(width: 80, height: 24, capabilities: .plain).plainText()
    #expect(
      text == """
        [app 100.0 KiB                                                                 ]
        [main (main.swift:1) 100.0 KiB                                                 ]
        >load(path:) (Work.swift:10) 60.0 KiB          <[fib(_:) x4 :40        ][log(..]
        [parse(..) (Work.swift:20)     ][read(..) :30  ]
        [Array.append(..) :0           ]

















        peak memory: 100.0 KiB in 37 allocations; runtime frames hidden
        load(path:); Work.swift:10; 60.0 KiB (60.0%); 6 allocations

        """)
  }

  @Test("drawn at 200 × 60 in colour and Unicode: inverse selection, recursion folded")
  func render200x60() throws {
    var explorer = Self.explorer()
    _ = walk(&explorer, [.heaviestCallee, .heaviestCallee, .nextSibling])
    let grid = explorer.render(
      width: 200, height: 60, capabilities: TerminalCapabilities(colours: .extended, unicode: true))
    #expect(
      grid.plainText() == """
         app 100.0 KiB
         main (main.swift:1) 100.0 KiB
         load(path:) (Work.swift:10) 60.0 KiB                                                                                    fib(_:) ×4 (Fib.swift:40) 30.0 KiB                          log(…) :50
         parse(_:) (Work.swift:20) 40.0 KiB                                              read(_:) (Work.swift:30) 20.0 KiB
         Array.append(_:) (Array.swift:0) 40.0 KiB





















































        peak memory: 100.0 KiB in 37 allocations · runtime frames hidden
        fib(_:) ×4 · Fib.swift:40 · 30.0 KiB (30.0%) · 30 allocations

        """)
    let fib = try #require(grid.lines()[2].firstRange(of: "fib(_:)")).lowerBound
    let column = grid.lines()[2].distance(from: grid.lines()[2].startIndex, to: fib)
    #expect(grid[2, column].style.inverse && grid[2, column - 1].style.inverse && !grid[2, 0].style.inverse)
    #expect(grid.text(for: .rich).contains("\u{1B}[0;1;7;38;5;16;48;5;"), "the selection bold and inverse")
  }

  @Test("a selection deeper than the rows scrolls the view down, a row of callees under it")
  func deepSelectionScrolls() {
    var builder = AllocationTree.Builder(rootLabel: "app")
    let chain = (1...30).map { Self.frame("level\($0)()", $0) }
    builder.add(stack: chain, bytes: 3 << 10, count: 1)
    builder.add(stack: Array(chain.prefix(10)) + [Self.frame("side()", 99)], bytes: 1 << 10, count: 1)
    var explorer = IcicleExplorer(tree: builder.build(), title: "peak memory")
    _ = walk(&explorer, Array(repeating: .heaviestCallee, count: 12))
    let text = explorer.render(width: 60, height: 8, capabilities: .plain).plainText()
    #expect(
      text == """
        [level8() (Work.swift:8) 4.0 KiB                           ]
        [level9() (Work.swift:9) 4.0 KiB                           ]
        [level10() (Work.swift:10) 4.0 KiB                         ]
        [level11() (Work.swift:11) 3.0 KiB          ][side() :99   ]
        >level12() (Work.swift:12) 3.0 KiB          <
        [level13() (Work.swift:13) 3.0 KiB          ]
        peak memory: 4.0 KiB in 2 allocations; 8 levels above
        level12(); Work.swift:12; 3.0 KiB (75.0%); 1 allocation

        """)
  }

  @Test("an empty tree and the smallest sizes still draw, within their rows")
  func edges() {
    let empty = IcicleExplorer(tree: AllocationTree.Builder(rootLabel: "app").build(), title: "leaked at exit")
    #expect(
      empty.render(width: 40, height: 3, capabilities: .plain).lines() == [
        ">app 0 B                               <", "leaked at exit: 0 B in 0 allocations",
        "app; the whole program; 0 B (0.0%); 0 ..",
      ])
    for (width, height) in [(0, 0), (1, 1), (20, 2), (20, 5)] {
      let grid = Self.explorer().render(width: width, height: height, capabilities: .rich)
      #expect(grid.width == max(width, 1) && grid.height == max(height, 1))
    }
  }
}
