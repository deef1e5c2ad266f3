import MemoryAnalysis
import MemoryTrace
import ProfileUI
import Rendering
import Symbols
import TerminalUI
import Testing
import WorkshopKit

/// The explorer's and the live screen's state driven by keys, drawn by ProfileScreen: no terminal.
@Suite("profile screens as plain state")
struct ProfileStateTests {
  static func frame(_ function: String, _ line: Int, file: String = "work.c") -> SymbolizedFrame {
    SymbolizedFrame(function: function, file: file, line: line, location: CodeLocation(module: "/tmp/grow", offset: 1))
  }

  /// main → grow_steadily (3 MiB) and main → make_scratch (1 MiB).
  static func explorer() -> IcicleExplorer {
    var builder = AllocationTree.Builder(rootLabel: "grow")
    builder.add(stack: [frame("main", 1), frame("grow_steadily", 10)], bytes: 3 << 20, count: 3)
    builder.add(stack: [frame("main", 2), frame("make_scratch", 20)], bytes: 1 << 20, count: 1)
    return IcicleExplorer(tree: builder.build(), title: "peak memory")
  }

  static func state(width: Int = 100, height: Int = 30, capabilities: TerminalCapabilities = .plain)
    -> ProfileExplorerState
  {
    let points = (0...100).map { MemoryChart.Point(milliseconds: Double($0) * 30, heapBytes: UInt64($0) << 15) }
    let chart = LiveChart.Input(
      points: points, durationMilliseconds: 3000, peak: MemoryChart.Peak(bytes: 100 << 15, milliseconds: 3000))
    var state = ProfileExplorerState(
      heading: "workshop view capture.bin", chart: chart,
      markers: [.init(label: "warm-up", milliseconds: 0), .init(label: "growing", milliseconds: 1500)], width: width,
      height: height, capabilities: capabilities)
    state.show(explorer(), for: .peak)
    return state
  }

  @Test("/ searches as you type: the share the matching frames hold is on screen, Esc clears it")
  func search() {
    var state = Self.state()
    for key: Key in [.character("/"), .character("g"), .character("r"), .character("o"), .character("w")] {
      #expect(state.handle(key).isEmpty)
    }
    #expect(state.mode == .searching)
    let result = state.explorer?.searchResult
    #expect(result?.frames == 1)
    #expect(result?.bytes == 3 << 20)
    #expect(result.map { abs($0.share - 0.75) < 1e-9 } == true)
    var text = ProfileScreen.render(state).plainText()
    #expect(text.contains("search: grow_"), "the text typed:\n\(text)")
    #expect(text.contains("matching \"grow\": 1 frame, 3.0 MiB (75.0%)"), "the share:\n\(text)")
    _ = state.handle(.enter)
    #expect(state.mode == .exploring)
    text = ProfileScreen.render(state).plainText()
    #expect(text.contains("matching \"grow\""))
    // Lit: with colour, the matching box has a background; the others do not.
    let rich = ProfileScreen.render(Self.searched(Self.state(capabilities: .rich), "scratch"))
    let lit = (0..<rich.height).flatMap { row in (0..<rich.width).map { rich[row, $0] } }.filter {
      $0.style.background == TerminalColor(220)
    }
    #expect(!lit.isEmpty && lit.count < rich.width * 2, "make_scratch's box only is lit")
    // Esc leaves the search: a search kept across views, cleared by Esc while exploring.
    _ = state.handle(.escape)
    #expect(state.searchText.isEmpty)
    #expect(state.explorer?.searchResult == nil)
  }

  static func searched(_ state: ProfileExplorerState, _ text: String) -> ProfileExplorerState {
    var state = state
    _ = state.handle(.character("/"))
    for character in text { _ = state.handle(.character(character)) }
    _ = state.handle(.enter)
    return state
  }

  @Test("p, l, t and v ask for views; the same view twice asks nothing")
  func views() {
    var state = Self.state()
    #expect(state.handle(.character("p")).isEmpty)
    #expect(state.handle(.character("l")) == [.show(.leaks)])
    #expect(state.handle(.character("t")) == [.show(.temporary)])
    #expect(state.handle(.character("v")) == [.show(.leaks)])
    #expect(state.handle(.character("q")) == [.quit])
  }

  @Test("N shows every frame once the view's native tree has come, and only for the view it was made for")
  func nativeTreeComesLater() {
    var state = Self.state()
    var native = AllocationTree.Builder(rootLabel: "grow")
    native.add(
      stack: [Self.frame("main", 1), Self.frame("grow_steadily", 10), Self.frame("malloc", 3)], bytes: 3 << 20, count: 3
    )
    native.add(stack: [Self.frame("main", 2), Self.frame("make_scratch", 20)], bytes: 1 << 20, count: 1)
    #expect(state.explorer?.hasNativeTree == false)
    _ = state.handle(.character("N"))
    #expect(state.explorer?.showingNative == false, "nothing to show yet")
    state.attachNativeTree(native.build(), for: .leaks)
    #expect(state.explorer?.hasNativeTree == false, "made for another view")
    state.attachNativeTree(native.build(), for: .peak)
    _ = state.handle(.character("N"))
    #expect(state.explorer?.showingNative == true)
    #expect(state.explorer?.tree.nodes.contains { $0.frame?.function == "malloc" } == true)
  }

  @Test("c chooses a moment on the chart, space a range; Enter asks for its icicle; the chart shows them")
  func timeRange() {
    var state = Self.state()
    _ = state.handle(.character("c"))
    #expect(state.mode == .choosingTime)
    #expect(state.cursorMilliseconds == 3000, "the cursor starts at the peak")
    _ = state.handle(.home)
    for _ in 0..<10 { _ = state.handle(.right) }
    let moment = state.cursorMilliseconds
    #expect(moment > 0 && moment < 3000)
    var text = ProfileScreen.render(state).plainText()
    #expect(text.contains("moment \(ByteCountText.duration(milliseconds: moment))"), "\(text)")
    #expect(text.contains("|"), "the cursor's rule")
    #expect(state.handle(.enter) == [.show(.moment(UInt64(moment * 1000)))])
    #expect(state.mode == .exploring)

    _ = state.handle(.character("c"))
    _ = state.handle(.character(" "))
    _ = state.handle(.pageDown)
    let end = state.cursorMilliseconds
    #expect(end > moment)
    text = ProfileScreen.render(state).plainText()
    #expect(text.contains("range \(ByteCountText.duration(milliseconds: moment)) to"), "\(text)")
    #expect(state.handle(.enter) == [.show(.range(UInt64(moment * 1000), UInt64(end * 1000)))])
    // `m` jumps to the markers.
    _ = state.handle(.character("c"))
    _ = state.handle(.home)
    _ = state.handle(.character("m"))
    #expect(state.cursorMilliseconds == 1500)
  }

  @Test("markers are labelled bands on the chart")
  func markerBands() {
    let text = ProfileScreen.render(Self.state()).plainText()
    #expect(text.contains("warm-up"), "\(text)")
    #expect(text.contains("growing"), "\(text)")
    #expect(text.contains(":"), "the band's rule")
  }

  @Test("the live screen: t/o/a sort the table, space holds the view while the program goes on")
  func liveKeys() {
    var state = LiveProfileState(heading: "workshop run --live: ./grow", width: 100, height: 30, capabilities: .plain)
    var builder = AllocationTree.Builder(rootLabel: "grow")
    builder.add(stack: [Self.frame("grow_steadily", 10)], bytes: 3 << 20, count: 3)
    builder.add(stack: [Self.frame("make_scratch", 20)], bytes: 1 << 20, count: 100)
    state.update(locations: LocationSummary(tree: builder.build()))
    var snapshot = LiveRun.Snapshot()
    snapshot.phase = .running
    snapshot.heapBytes = 4 << 20
    snapshot.peakHeapBytes = 4 << 20
    snapshot.allocations = 100
    snapshot.captureMicroseconds = 1_000_000
    state.update(snapshot)
    snapshot.allocations = 600
    snapshot.captureMicroseconds = 1_500_000
    state.update(snapshot)
    #expect(state.allocationRate == 1000)
    #expect(state.sortedLocations(limit: 3).map(\.frame.functionName) == ["grow_steadily", "make_scratch"])
    _ = state.handle(.character("o"))
    #expect(state.sortedLocations(limit: 3).first?.frame.functionName == "grow_steadily")
    _ = state.handle(.character("a"))
    #expect(state.sortedLocations(limit: 3).map(\.frame.functionName) == ["make_scratch", "grow_steadily"])
    _ = state.handle(.character("t"))
    #expect(state.order == .total)
    var text = ProfileScreen.render(state).plainText()
    #expect(text.contains("heap 4.0 MiB; peak 4.0 MiB; 1,000 allocations/s"), "\(text)")
    #expect(text.contains("grow_steadily (work.c:10)"))
    _ = state.handle(.character(" "))
    snapshot.heapBytes = 9 << 20
    state.update(snapshot)
    #expect(state.snapshot.heapBytes == 4 << 20, "held while paused")
    text = ProfileScreen.render(state).plainText()
    #expect(text.contains("PAUSED"))
    _ = state.handle(.character(" "))
    state.update(snapshot)
    #expect(state.snapshot.heapBytes == 9 << 20)
    #expect(state.handle(.character("q")) == [.detach])
  }

  @Test("a screen too small says so")
  func tooSmall() {
    let text = ProfileScreen.render(Self.state(width: 40, height: 10)).plainText()
    #expect(text.contains("needs at least 60x16"))
  }
}
