import MemoryAnalysis
import Symbols
import Testing
import TextWidth

@testable import Rendering

/// Trees designed to stress the icicle layout.
enum StressTrees {
  static func frame(_ name: String, _ line: Int = 1, module: String = "/home/me/app") -> SymbolizedFrame {
    SymbolizedFrame(function: name, file: "main.swift", line: line, location: CodeLocation(module: module, offset: 1))
  }

  /// Stacks as `a;b;c` strings.
  static func tree(_ stacks: [(String, UInt64)]) -> AllocationTree {
    var builder = AllocationTree.Builder(rootLabel: "app")
    for (stack, bytes) in stacks {
      builder.add(stack: stack.split(separator: ";").map { frame(String($0)) }, bytes: bytes, count: 1)
    }
    return builder.build()
  }

  static let dominantPath = tree([("main;load;parse;decode", 990_000), ("main;log", 10_000)])

  static let tinySiblings = tree(
    [("main;big", 100_000)] + (0..<300).map { ("main;tiny\($0)", UInt64(10 + $0 % 7)) })

  static let deepRecursion = tree([
    ((["main"] + Array(repeating: "recurse", count: 400)).joined(separator: ";"), 4096), ("main;other", 1024),
  ])

  static let wideNames = tree([
    ("main;SomeVeryLongTypeName.someEvenLongerMethodName(withLabel:andAnotherLabel:)", 600),
    ("main;AnotherQuiteLongName.doTheThing(_:)", 400),
  ])

  static let all: [(String, AllocationTree)] = [
    ("dominantPath", dominantPath), ("tinySiblings", tinySiblings), ("deepRecursion", deepRecursion),
    ("wideNames", wideNames),
  ]
}

@Suite struct IcicleTests {
  func render(_ tree: AllocationTree, width: Int, depth: Int? = nil, unicode: Bool = false) -> String {
    Icicle.render(
      tree, width: width,
      options: IcicleOptions(maxDepth: depth, capabilities: TerminalCapabilities(colours: .none, unicode: unicode))
    ).plainText()
  }

  @Test("an icicle weighed by count is as wide as the allocations made, and says so")
  func weighedByCount() {
    var builder = AllocationTree.Builder(rootLabel: "app")
    builder.add(stack: [StressTrees.frame("main"), StressTrees.frame("churn")], bytes: 1_000, count: 900)
    builder.add(stack: [StressTrees.frame("main"), StressTrees.frame("big")], bytes: 99_000, count: 100)
    var options = IcicleOptions(title: "allocations", capabilities: .plain)
    options.weight = .allocations
    let text = Icicle.render(builder.build().weightedByCount(), width: 60, options: options).plainText()
    #expect(
      text == """
        [app 1,000 allocations                                     ]
        [main (main.swift:1) 1,000 allocations                     ]
        [churn (main.swift:1) 900 allocations                ][bi..]
        allocations: 1,000 allocations; 1 column ~ 16 allocations

        """)
  }

  @Test func oneDominantPath() {
    #expect(
      render(StressTrees.dominantPath, width: 60) == """
        [app 976.6 KiB                                             ]
        [main (main.swift:1) 976.6 KiB                             ]
        [load (main.swift:1) 966.8 KiB                            ].
        [parse (main.swift:1) 966.8 KiB                           ]
        [decode (main.swift:1) 966.8 KiB                          ]
        peak memory: 976.6 KiB in 2 allocations; 1 column ~ 16.3 KiB
        .. frames too narrow to show

        """)
  }

  @Test func hundredsOfTinySiblingsMergeIntoOneVisibleBox() {
    let text = render(StressTrees.tinySiblings, width: 40, unicode: true)
    #expect(
      text == """
        [app 101.5 KiB                         ]
        [main (main.swift:1) 101.5 KiB         ]
        [big (main.swift:1) 97.7 KiB         ]|…
        peak memory: 101.5 KiB in 301
        allocations; 1 column ≈ 2.5 KiB
        … frames too narrow to show

        """)
  }

  @Test func deepRecursionIsCutAtTheDepthLimit() {
    let text = render(StressTrees.deepRecursion, width: 30, depth: 4)
    #expect(
      text == """
        [app 5.0 KiB                 ]
        [main (main.swift:1) 5.0 KiB ]
        [recurse (main.swift:1)][ot..]
        [recurse (main.swift:1)]
        [recurse (main.swift:1)]
        peak memory: 5.0 KiB in 2
        allocations; 1 column ~ 170 B
        deeper frames not shown

        """)
    let full = Icicle.render(StressTrees.deepRecursion, width: 30)
    #expect(full.height == 402 + 2)  // root, main, 400 × recurse; two lines of legend
  }

  @Test func namesWiderThanTheirBoxAreCut() {
    #expect(
      render(StressTrees.wideNames, width: 50, unicode: true) == """
        [app 1000 B                                      ]
        [main (main.swift:1) 1000 B                      ]
        [SomeVeryLongTypeName.som… :1][AnotherQuiteLo… :1]
        peak memory: 1000 B in 2 allocations; 1 column ≈
        20 B

        """)
  }

  /// Issue 9, item 3: `summarizeReadings(… summarizeReadings(…` told nothing; the lines tell the
  /// two calls apart.
  @Test("a label cut to its box keeps the line: the argument labels go first, then the size, the file, the name's end")
  func cutLabelsKeepTheLine() {
    var builder = AllocationTree.Builder(rootLabel: "app")
    for (line, bytes) in [(19, UInt64(600)), (27, 400)] {
      let summarize = SymbolizedFrame(
        function: "Readings.summarizeReadings(_:into:)", file: "/src/Readings.swift", line: line,
        location: CodeLocation(module: "/home/me/app", offset: 1))
      builder.add(stack: [StressTrees.frame("main"), summarize], bytes: bytes, count: 1)
    }
    let lines = Icicle.render(builder.build(), width: 60, options: IcicleOptions(capabilities: .plain)).lines()
    #expect(lines[2] == "[Readings.summarizeReadings(..) :19][Readings.summari.. :27]")
    #expect(
      FrameLabelText.fit(
        "Readings.summarizeReadings(_:into:) (Readings.swift:19)", detail: "1.2 KiB", to: 80, unicode: true)
        == "Readings.summarizeReadings(_:into:) (Readings.swift:19) 1.2 KiB")
    let cuts = [60, 50, 35, 30, 12, 6].map {
      FrameLabelText.fit(
        "Readings.summarizeReadings(_:into:) (Readings.swift:19)", detail: "1.2 KiB", to: $0, unicode: true)
    }
    #expect(
      cuts == [
        "Readings.summarizeReadings(…) (Readings.swift:19) 1.2 KiB",
        "Readings.summarizeReadings(…) (Readings.swift:19)",
        "Readings.summarizeReadings(…) :19", "Readings.summarizeReading… :19", "Reading… :19", "Readi…",
      ])
    #expect(FrameLabelText.fit("libc.so.6+0x1f2e3", to: 8, unicode: false) == "libc.s..")
    #expect(FrameLabelText.fit("main (main.swift)", to: 12, unicode: true) == "main (main.…")
  }

  /// At every width, for every tree: boxes stay inside their parent and apart from their siblings,
  /// and every child with bytes is in a box of its own or in a merged one.
  @Test(arguments: [20, 21, 33, 47, 60, 80, 99, 120, 157, 200, 251, 300])
  func layoutInvariants(width: Int) throws {
    for (name, tree) in StressTrees.all {
      let layout = IcicleLayout(tree: tree, width: width)
      var shown = Set<Int>()
      for box in layout.boxes {
        #expect(box.width >= 1 && box.column >= 0 && box.column + box.width <= width, "\(name) \(box)")
        switch box.content {
        case .node(let node): shown.insert(node)
        case .merged(let nodes): shown.formUnion(nodes)
        }
      }
      for box in layout.boxes {
        guard let node = box.node, box.row + 1 < layout.rows || tree[node].children.isEmpty else { continue }
        let children = layout.boxes.filter {
          $0.row == box.row + 1 && box.column <= $0.column && $0.column < box.column + box.width
        }
        for child in children {
          #expect(child.column + child.width <= box.column + box.width, "\(name) width \(width)")
        }
        for pair in zip(children, children.dropFirst()) { #expect(pair.0.column + pair.0.width <= pair.1.column) }
        for child in tree[node].children {
          #expect(shown.contains(child), "\(name): node \(child) vanished at width \(width)")
        }
      }
      let text = Icicle.render(tree, width: width).plainText()
      #expect(text.split(separator: "\n").allSatisfy { DisplayWidth.of($0) <= width }, "\(name) overflows at \(width)")
    }
  }

  @Test func zoomSpansTheFocusAcrossTheWidth() throws {
    let tree = StressTrees.dominantPath
    let load = try #require(tree.nodes.indices.first { tree[$0].frame?.function == "load" })
    let text = Icicle.render(tree, width: 40, options: IcicleOptions(focus: load)).plainText()
    #expect(
      text.hasPrefix(
        """
        [app 976.6 KiB                         ]
        [main (main.swift:1) 976.6 KiB         ]
        [load (main.swift:1) 966.8 KiB         ]
        [parse (main.swift:1) 966.8 KiB        ]
        [decode (main.swift:1) 966.8 KiB       ]
        """))
    #expect(text.contains("zoomed into load (main.swift:1) (99.0%)"))
  }

  @Test func colourUsesAnsiBackgroundsAndResets() {
    let grid = Icicle.render(
      StressTrees.wideNames, width: 40,
      options: IcicleOptions(capabilities: TerminalCapabilities(colours: .extended, unicode: true)))
    let ansi = grid.text(for: .rich)
    #expect(ansi.contains("\u{1B}[0;38;5;16;48;5;"))
    #expect(ansi.split(separator: "\n").allSatisfy { $0.hasSuffix("\u{1B}[0m") || !$0.contains("\u{1B}") })
    #expect(grid.plainText().contains(" main (main.swift:1) 1000 B"))
  }

  @Test func selectionIsInverse() throws {
    let tree = StressTrees.wideNames
    let main = tree.root.children[0]
    let grid = Icicle.render(tree, width: 40, options: IcicleOptions(selected: main))
    #expect(grid[1, 0].style.inverse && !grid[0, 0].style.inverse)
  }
}

@Suite struct FoldedStacksTests {
  @Test(arguments: StressTrees.all.map(\.0))
  func countsAddUpToTheTotalExactly(name: String) throws {
    let tree = try #require(StressTrees.all.first { $0.0 == name }?.1)
    let folded = FoldedStacks.render(tree)
    let sum = folded.split(separator: "\n").reduce(UInt64(0)) { $0 + UInt64($1.split(separator: " ").last!)! }
    #expect(sum == tree.totalBytes)
  }

  @Test func linesNameTheFramesFromTheOutermost() {
    #expect(
      FoldedStacks.render(StressTrees.dominantPath) == """
        main (main.swift:1);load (main.swift:1);parse (main.swift:1);decode (main.swift:1) 990000
        main (main.swift:1);log (main.swift:1) 10000

        """)
  }

  @Test func semicolonsInNamesCannotSplitFrames() {
    var builder = AllocationTree.Builder(rootLabel: "app")
    builder.add(stack: [StressTrees.frame("f;g")], bytes: 3, count: 1)
    builder.add(stack: [], bytes: 2, count: 1)
    #expect(FoldedStacks.render(builder.build()) == "app 2\nf:g (main.swift:1) 3\n")
  }
}

@Suite struct SummaryTableTests {
  @Test("a location cut to the column keeps its line")
  func cutLocationsKeepTheLine() {
    var builder = AllocationTree.Builder(rootLabel: "app")
    for line in [19, 27] {
      let frame = SymbolizedFrame(
        function: "Readings.summarizeReadings(_:into:)", file: "Readings.swift", line: line,
        location: CodeLocation(module: "/home/me/app", offset: 1))
      builder.add(stack: [frame], bytes: UInt64(line), count: 1)
    }
    let lines = SummaryTable.render(LocationSummary(tree: builder.build()), order: .own, width: 80).lines()
    #expect(lines[1].hasPrefix("Readings.summarizeReadings(..) :27 "))
    #expect(lines[2].hasPrefix("Readings.summarizeReadings(..) :19 "))
  }

  @Test func rowsShowTotalsOwnSharesAndCounts() {
    let text = SummaryTable.render(LocationSummary(tree: StressTrees.dominantPath), order: .own, maxRows: 3, width: 100)
      .plainText()
    #expect(
      text == """
        Location                   Total  Total %        Own  Own %  Allocations
        decode (main.swift:1)  966.8 KiB    99.0%  966.8 KiB  99.0%            1
        log (main.swift:1)       9.8 KiB     1.0%    9.8 KiB   1.0%            1
        main (main.swift:1)    976.6 KiB   100.0%        0 B   0.0%            2
        3 of 5 locations; 976.6 KiB in 2 allocations

        """)
  }
}
