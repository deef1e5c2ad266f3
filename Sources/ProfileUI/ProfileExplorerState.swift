import MemoryAnalysis
import Rendering
import TerminalUI

/// What a key asks the app to do (the state changes itself for everything else).
public enum ProfileCommand: Sendable, Equatable {
  /// Leave the screen.
  case quit
  /// Make the icicle of `view` and give it to ``ProfileExplorerState/show(_:for:)``: it may need the
  /// capture read again (a chosen time) and its frames named.
  case show(ProfileView)
}

/// The explorer of a finished capture (`workshop view`, and `workshop run --live` once its program
/// has ended) as plain state: the chart with its markers, the icicle of the view chosen, the
/// search, and the moment or range being chosen on the chart. Keys go in through ``handle(_:)``,
/// commands come out; ``ProfileScreen/render(_:)`` draws it. No terminal, no files.
public struct ProfileExplorerState: Sendable {
  /// What the keys do at the moment.
  public enum Mode: Sendable, Equatable {
    /// Keys move in the icicle and switch views.
    case exploring
    /// Keys type the text searched for (`/`), shown live.
    case searching
    /// Keys move a cursor on the chart (`c`); Space starts a range; Enter shows it.
    case choosingTime
  }

  /// The screen's size.
  public private(set) var width: Int
  /// The screen's height.
  public private(set) var height: Int
  /// What the terminal can show.
  public let capabilities: TerminalCapabilities
  /// The first line: what is explored.
  public var heading: String
  /// The chart's samples, peak and markers.
  public var chart: LiveChart.Input
  /// The markers the program wrote, as bands on the chart.
  public var markers: [LiveChart.Overlay.Marker]
  /// The view of the icicle shown (or being made).
  public private(set) var view: ProfileView = .peak
  /// The icicle, once made.
  public private(set) var explorer: IcicleExplorer?
  /// What the keys do.
  public private(set) var mode: Mode = .exploring
  /// The text being typed after `/`, or searched for.
  public private(set) var searchText = ""
  /// The time the chart's cursor is at, in milliseconds.
  public private(set) var cursorMilliseconds: Double
  /// Where the range being chosen starts, in milliseconds.
  public private(set) var rangeStart: Double?
  /// A line for the user: what went wrong, what is being made.
  public private(set) var note: String?

  /// The explorer of a capture whose chart is `chart`, sized `width` × `height`; the icicle comes
  /// with the first ``show(_:for:)``.
  public init(
    heading: String, chart: LiveChart.Input, markers: [LiveChart.Overlay.Marker], width: Int, height: Int,
    capabilities: TerminalCapabilities
  ) {
    self.heading = heading
    self.chart = chart
    self.markers = markers
    self.width = width
    self.height = height
    self.capabilities = capabilities
    cursorMilliseconds = chart.peak?.milliseconds ?? 0
  }

  /// The chart's span in milliseconds.
  public var spanMilliseconds: Double { chart.durationMilliseconds ?? chart.points.last?.milliseconds ?? 0 }

  /// The overlay the chart draws: the markers, and the cursor and range while a time is chosen (the
  /// range of the view shown otherwise).
  public var overlay: LiveChart.Overlay {
    var overlay = LiveChart.Overlay(markers: markers)
    switch mode {
    case .choosingTime:
      overlay.cursorMilliseconds = cursorMilliseconds
      if let rangeStart {
        overlay.range = min(rangeStart, cursorMilliseconds)...max(rangeStart, cursorMilliseconds)
      }
    case .exploring, .searching:
      switch view {
      case .moment(let microseconds): overlay.cursorMilliseconds = Double(microseconds) / 1000
      case .range(let from, let to): overlay.range = Double(from) / 1000...Double(to) / 1000
      case .peak, .leaks, .temporary: break
      }
    }
    return overlay
  }

  /// How far one step of the cursor moves: about a column of the chart.
  var cursorStep: Double { spanMilliseconds / Double(max(width - 12, 1)) }

  /// Takes a new size.
  public mutating func resize(width: Int, height: Int) {
    self.width = width
    self.height = height
  }

  /// Shows `explorer` as the icicle of `view`, searching for what was searched for before.
  public mutating func show(_ explorer: IcicleExplorer, for view: ProfileView) {
    var explorer = explorer
    explorer.search(searchText.isEmpty ? nil : searchText)
    self.explorer = explorer
    self.view = view
    note = nil
  }

  /// The tree of every frame of `view`, made after its explorer: `N` shows it from now on (nothing
  /// when another view is shown by now).
  public mutating func attachNativeTree(_ tree: AllocationTree, for view: ProfileView) {
    guard view == self.view else { return }
    explorer?.attachNativeTree(tree)
  }

  /// The icicle of `view` could not be made: one sentence.
  public mutating func failed(_ sentence: String) { note = sentence }

  /// Notes that the icicle of `view` is being made (drawn before the app makes it).
  public mutating func making(_ view: ProfileView) { note = "reading \(view.title)…" }

  /// What `key` does: the state changes, and what the app must do.
  public mutating func handle(_ key: Key) -> [ProfileCommand] {
    switch mode {
    case .searching: return handleSearch(key)
    case .choosingTime: return handleTime(key)
    case .exploring: return handleExplore(key)
    }
  }

  private mutating func handleExplore(_ key: Key) -> [ProfileCommand] {
    switch key {
    case .character("q"): return [.quit]
    case .character("p"): return switchTo(.peak)
    case .character("l"): return switchTo(.leaks)
    case .character("t"): return switchTo(.temporary)
    case .character("v"): return switchTo(view.next)
    case .character("/"):
      mode = .searching
    case .character("c"), .tab:
      mode = .choosingTime
      rangeStart = nil
    case .character("N"): explorer?.apply(.toggleNative)
    case .up: explorer?.apply(.caller)
    case .down: explorer?.apply(.heaviestCallee)
    case .left: explorer?.apply(.previousSibling)
    case .right: explorer?.apply(.nextSibling)
    case .enter: explorer?.apply(.zoomIn)
    case .backspace, .escape:
      if explorer?.canZoomOut == true {
        explorer?.apply(.zoomOut)
      } else if !searchText.isEmpty {
        search("")
      }
    default: break
    }
    return []
  }

  private mutating func switchTo(_ view: ProfileView) -> [ProfileCommand] {
    guard view != self.view || explorer == nil else { return [] }
    return [.show(view)]
  }

  private mutating func handleSearch(_ key: Key) -> [ProfileCommand] {
    switch key {
    case .character(let character): search(searchText + String(character))
    case .backspace: search(String(searchText.dropLast()))
    case .enter: mode = .exploring
    case .escape:
      search("")
      mode = .exploring
    default: break
    }
    return []
  }

  private mutating func search(_ text: String) {
    searchText = text
    explorer?.search(text.isEmpty ? nil : text)
  }

  private mutating func handleTime(_ key: Key) -> [ProfileCommand] {
    let span = spanMilliseconds
    func move(_ steps: Double) {
      cursorMilliseconds = min(max(cursorMilliseconds + steps * cursorStep, 0), span)
    }
    switch key {
    case .left: move(-1)
    case .right: move(1)
    case .pageUp, .character("["): move(-10)
    case .pageDown, .character("]"): move(10)
    case .home: cursorMilliseconds = 0
    case .end: cursorMilliseconds = span
    case .character("m"):
      // To the next marker's time, round to the first.
      let times = markers.map(\.milliseconds).sorted()
      cursorMilliseconds = times.first { $0 > cursorMilliseconds + 1e-9 } ?? times.first ?? cursorMilliseconds
    case .character(" "): rangeStart = rangeStart == nil ? cursorMilliseconds : nil
    case .enter:
      mode = .exploring
      let cursor = Self.microseconds(cursorMilliseconds)
      if let rangeStart {
        let start = Self.microseconds(rangeStart)
        self.rangeStart = nil
        return [.show(.range(min(start, cursor), max(start, cursor)))]
      }
      return [.show(.moment(cursor))]
    case .escape, .character("c"), .tab:
      mode = .exploring
      rangeStart = nil
    case .character("q"): return [.quit]
    default: break
    }
    return []
  }

  private static func microseconds(_ milliseconds: Double) -> UInt64 {
    UInt64(max(milliseconds, 0) * 1000)
  }
}
