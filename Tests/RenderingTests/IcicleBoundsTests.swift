import MemoryAnalysis
import Symbols
import Testing

@testable import Rendering

/// A tree built only as far as an icicle can show (``AllocationTree/IcicleBounds``) draws the same
/// icicle as the whole tree, at every width, depth limit and colouring.
@Suite struct IcicleBoundsTests {
  static let app = "/home/me/app"
  static let core = "/opt/swift/usr/lib/swift/linux/libswiftCore.so"
  static let tracker = "/build/libworkshop_tracker.so"

  /// Stack nodes numbered densely from 0 (0 the empty stack), as a capture's are.
  struct Stacks: StackNodes {
    var parents: [Int] = [0]
    var locations: [CodeLocation] = [CodeLocation(module: "[unknown]", offset: 0)]
    var nodeCount: Int? { parents.count }
    func parent(of node: Int) -> Int { parents[node] }
    func location(of node: Int) -> CodeLocation { locations[node] }
    func locationKey(of node: Int) -> StackLocationKey? {
      StackLocationKey(module: locations[node].module == IcicleBoundsTests.app ? 0 : 1, address: locations[node].offset)
    }

    mutating func add(parent: Int, module: String, offset: UInt64) -> Int {
      parents.append(parent)
      locations.append(CodeLocation(module: module, offset: offset))
      return parents.count - 1
    }
  }

  /// Names each offset: the user's functions (some with an inlined callee), library frames the filter
  /// folds, the allocator it hides, and two functions of one name and line in two files of one name.
  struct Resolver: SymbolResolving {
    func resolve(_ locations: [CodeLocation]) throws -> [[SymbolizedFrame]] {
      locations.map { location in
        let offset = Int(location.offset)
        if location.module == IcicleBoundsTests.tracker {
          return [SymbolizedFrame(function: "malloc", file: "hooks.c", line: 3, location: location)]
        }
        if location.module == IcicleBoundsTests.core {
          return [SymbolizedFrame(function: "Array.append\(offset % 3)(_:)", location: location)]
        }
        if offset >= 900 {
          // Same label, different files: ties between them depend on the order nodes are made in.
          let file = offset % 2 == 0 ? "/src/a/util.swift" : "/src/b/util.swift"
          return [SymbolizedFrame(function: "helper", file: file, line: 7, location: location)]
        }
        let main = SymbolizedFrame(
          function: "f\(offset % 11)", file: "main.swift", line: offset % 5, location: location)
        guard offset % 4 == 0 else { return [main] }
        let inlined = SymbolizedFrame(
          function: "inlined\(offset % 3)", file: "main.swift", line: 40, location: location, isInlined: true)
        return [inlined, main]
      }
    }
  }

  /// A reproducible pseudo-random sequence (the tests must not change from run to run).
  struct Sequence {
    var state: UInt64
    mutating func next(_ bound: Int) -> Int {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Int((state >> 33) % UInt64(bound))
    }
  }

  /// A random capture: `nodes` stack nodes in a tree, samples on some of them (sizes from a few
  /// values, so that many siblings weigh the same).
  static func capture(seed: UInt64, nodes: Int, ties: Bool) -> (Stacks, [StackSample]) {
    var random = Sequence(state: seed)
    var stacks = Stacks()
    for _ in 1..<nodes {
      let parent = random.next(stacks.parents.count)
      let kind = random.next(20)
      let (module, offset): (String, Int) =
        kind == 0
        ? (tracker, 1)
        : kind < 4 ? (core, random.next(6)) : (app, ties && kind == 4 ? 900 + random.next(2) : random.next(60))
      _ = stacks.add(parent: parent, module: module, offset: UInt64(offset))
    }
    var samples: [StackSample] = []
    for node in 0..<nodes where random.next(3) != 0 {
      let sizes: [UInt64] = [16, 16, 32, 48, 4096, 100_000]
      samples.append(
        StackSample(stack: node, bytes: sizes[random.next(sizes.count)], count: UInt64(1 + random.next(3))))
    }
    return (stacks, samples)
  }

  static func tree(
    _ capture: (Stacks, [StackSample]), native: Bool, bounds: AllocationTree.IcicleBounds?
  ) throws -> AllocationTree {
    try AllocationTree.build(
      stacks: capture.0, samples: capture.1, symbolizer: Symbolizer(resolver: Resolver()),
      filter: native ? nil : FrameFilter(), rootLabel: "app", drawnWithin: bounds)
  }

  static func icicle(_ tree: AllocationTree, width: Int, maxDepth: Int?, colour: Bool) -> String {
    let capabilities = colour ? TerminalCapabilities(colours: .extended, unicode: true) : .plain
    let options = IcicleOptions(maxDepth: maxDepth, capabilities: capabilities)
    return Icicle.render(tree, width: width, options: options).text(for: capabilities)
  }

  @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8] as [UInt64])
  func drawsTheSameIcicleAsTheWholeTree(seed: UInt64) throws {
    let capture = Self.capture(seed: seed, nodes: 3_000, ties: false)
    for native in [false, true] {
      let whole = try Self.tree(capture, native: native, bounds: nil)
      for width in [20, 37, 120, 301] {
        for maxDepth in [nil, 1, 4] as [Int?] {
          let bounds = AllocationTree.IcicleBounds(width: width, minimumWidth: 3, maxDepth: maxDepth)
          let drawn = try Self.tree(capture, native: native, bounds: bounds)
          #expect(drawn.totalBytes == whole.totalBytes && drawn.totalCount == whole.totalCount)
          for colour in [false, true] {
            #expect(
              Self.icicle(drawn, width: width, maxDepth: maxDepth, colour: colour)
                == Self.icicle(whole, width: width, maxDepth: maxDepth, colour: colour),
              "seed \(seed), native \(native), width \(width), depth \(String(describing: maxDepth))")
          }
        }
      }
    }
  }

  @Test func makesOnlyTheNodesAnIcicleCanShow() throws {
    // A binary tree of depth 14: each call allocates and calls itself twice (two call sites).
    var stacks = Stacks()
    var samples: [StackSample] = []
    func grow(_ parent: Int, _ depth: Int) {
      for site in 0..<2 {
        let node = stacks.add(parent: parent, module: Self.app, offset: UInt64(1 + site))
        samples.append(StackSample(stack: node, bytes: 64, count: 1))
        if depth < 14 { grow(node, depth + 1) }
      }
    }
    grow(0, 1)
    let whole = try Self.tree((stacks, samples), native: false, bounds: nil)
    let drawn = try Self.tree(
      (stacks, samples), native: false, bounds: AllocationTree.IcicleBounds(width: 120, minimumWidth: 3))
    #expect(whole.nodes.count > 30_000)
    #expect(drawn.nodes.count < 1_000)
    #expect(
      Self.icicle(drawn, width: 120, maxDepth: nil, colour: false)
        == Self.icicle(whole, width: 120, maxDepth: nil, colour: false))
  }

  @Test(arguments: [11, 12, 13] as [UInt64])
  func randomTreesWithSiblingsOfOneLabelDrawTheSame(seed: UInt64) throws {
    // Two `helper (util.swift:7)` of two directories, often of equal bytes under one caller.
    let capture = Self.capture(seed: seed, nodes: 2_000, ties: true)
    let whole = try Self.tree(capture, native: false, bounds: nil)
    for width in [40, 120] {
      let drawn = try Self.tree(
        capture, native: false, bounds: AllocationTree.IcicleBounds(width: width, minimumWidth: 3))
      #expect(
        Self.icicle(drawn, width: width, maxDepth: nil, colour: true)
          == Self.icicle(whole, width: width, maxDepth: nil, colour: true))
    }
  }

  @Test func siblingsOfOneLabelAndSizeUnderHiddenFramesKeepTheOrderOfTheSamples() throws {
    // main calls `helper (util.swift:7)` of two directories through two allocator frames the filter
    // hides, each with bytes alike but a different callee: the whole tree makes b's helper first
    // (its sample comes first), and so must the icicle of a tree built for its bounds.
    var stacks = Stacks()
    let main = stacks.add(parent: 0, module: Self.app, offset: 10)
    let hiddenA = stacks.add(parent: main, module: Self.tracker, offset: 1)
    let hiddenB = stacks.add(parent: main, module: Self.tracker, offset: 2)
    let helperB = stacks.add(parent: hiddenB, module: Self.app, offset: 901)
    let helperA = stacks.add(parent: hiddenA, module: Self.app, offset: 900)
    let underB = stacks.add(parent: helperB, module: Self.app, offset: 1)
    let underA = stacks.add(parent: helperA, module: Self.app, offset: 2)
    let capture = (
      stacks, [StackSample(stack: underB, bytes: 100, count: 1), StackSample(stack: underA, bytes: 100, count: 1)]
    )
    let whole = try Self.tree(capture, native: false, bounds: nil)
    let drawn = try Self.tree(capture, native: false, bounds: AllocationTree.IcicleBounds(width: 60, minimumWidth: 3))
    let icicle = Self.icicle(drawn, width: 60, maxDepth: nil, colour: false)
    #expect(icicle == Self.icicle(whole, width: 60, maxDepth: nil, colour: false))
    #expect(icicle.split(separator: "\n")[3].hasPrefix("[f1 (main.swift:1)"))
  }

  @Test func aTreeWithoutBytesIsBuiltWhole() throws {
    var stacks = Stacks()
    let node = stacks.add(parent: 0, module: Self.app, offset: 3)
    let capture = (stacks, [StackSample(stack: node, bytes: 0, count: 2)])
    let drawn = try Self.tree(capture, native: false, bounds: AllocationTree.IcicleBounds(width: 80, minimumWidth: 3))
    let whole = try Self.tree(capture, native: false, bounds: nil)
    #expect(drawn.nodes == whole.nodes && drawn.totalCount == 2)
  }
}
