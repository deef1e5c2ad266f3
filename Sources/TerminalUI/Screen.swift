// The one file that calls ncurses: it takes the terminal, puts cell grids on it and gives it back.
import CNcursesw
import CTerminalGuard
import Rendering

/// The terminal as a full screen of cells. ``draw(_:)`` writes only the cells that differ from
/// the last grid drawn, and ncurses sends only what differs from what the terminal shows.
///
/// Colours follow the capabilities and what the terminal has: 256 where both allow, the 8 basic
/// ones (richer colours brought down to them) where the terminal has no more, none for
/// `NO_COLOR`. Colour pairs are made as styles need them and cached; when the terminal's pairs
/// run out, they are made afresh and the screen redrawn.
///
/// Keys are not read here: ``EventLoop`` reads them from the descriptor. Start the event loop
/// (with its signal handlers) before the screen, so that ncurses leaves SIGWINCH, SIGINT and
/// SIGTERM to it.
public final class Screen {
  /// Columns.
  public private(set) var width: Int
  /// Rows.
  public private(set) var height: Int

  private let colours: TerminalCapabilities.Colours
  private var previous: CellGrid?
  private var pairs: [Int: Int32] = [:]
  private var nextPair: Int32 = 1
  private let pairLimit: Int32
  private var pairsRanOut = false
  private var running = true
  /// What one run of cells is written from: reused, so that drawing allocates nothing per cell.
  private var text: [wchar_t] = []

  /// Takes the terminal on standard input and output; drawing in `capabilities`' colours.
  ///
  /// - Throws: ``TerminalUIError/screenUnavailable(term:)`` when ncurses cannot use it.
  public init(capabilities: TerminalCapabilities, term: String) throws(TerminalUIError) {
    terminal_guard_save_modes()
    guard cn_start() == 0 else { throw .screenUnavailable(term: term) }
    let available = cn_colors()
    let terminalColours: TerminalCapabilities.Colours =
      available >= 256 ? .extended : available >= 8 ? .basic : .none
    colours = min(capabilities.colours, terminalColours)
    pairLimit = cn_color_pairs()
    width = Int(cn_cols())
    height = Int(cn_lines())
    text.reserveCapacity(512)
    Self.guardTerminal()
  }

  deinit { stop() }

  /// Gives the terminal back as it was (the shell's screen, the cursor, the line discipline).
  /// Safe to call more than once.
  public func stop() {
    guard running else { return }
    running = false
    terminal_guard_disarm()
    cn_stop()
  }

  /// Takes the new size of the window: the next draw repaints everything.
  public func resize(width: Int, height: Int) {
    _ = cn_resize(Int32(height), Int32(width))
    self.width = Int(cn_cols())
    self.height = Int(cn_lines())
    previous = nil
  }

  /// Puts `grid` on the screen from the top-left corner (what lies beyond the screen is left out,
  /// the screen beyond the grid is blank), writing only what changed since the last grid.
  public func draw(_ grid: CellGrid) {
    guard running else { return }
    let fitted = grid.width == width && grid.height == height ? grid : grid.window(row: 0, width: width, height: height)
    write(fitted, since: previous)
    if pairsRanOut {
      // Pairs were redefined under cells already on the screen: paint them all again.
      pairsRanOut = false
      write(fitted, since: nil)
    }
    previous = fitted
    cn_refresh()
  }

  /// Gives the terminal to another program for a while (an editor): as ``stop()``, but ``resume()``
  /// takes it back with the same screen.
  public func suspend() {
    guard running else { return }
    running = false
    terminal_guard_disarm()
    cn_stop()
  }

  /// Takes the terminal back after ``suspend()``, at its size now; the next draw repaints it all.
  public func resume() {
    guard !running else { return }
    running = true
    cn_refresh()
    Self.guardTerminal()
    width = Int(cn_cols())
    height = Int(cn_lines())
    invalidate()
  }

  /// Has a fatal signal (a trap, a crash, Ctrl-\) give the terminal back before the process
  /// dies: what leaves the full screen, as this terminal spells it, is prepared now, because a
  /// signal handler may only write bytes.
  private static func guardTerminal() {
    var giveBack: [CChar] = []
    for capability in ["sgr0", "rmcup", "cnorm"] {
      guard let value = cn_capability(capability) else { continue }
      giveBack.append(contentsOf: UnsafeBufferPointer(start: value, count: strlen(value)))
    }
    terminal_guard_arm(giveBack, giveBack.count)
  }

  /// Repaints the whole screen on the next draw (after something else wrote to the terminal).
  public func invalidate() {
    previous = nil
    cn_clear()
  }

  private func write(_ grid: CellGrid, since old: CellGrid?) {
    if old == nil { cn_erase() }
    for row in 0..<grid.height {
      var first = 0
      var last = grid.width - 1
      if let old {
        while first < grid.width && grid[row, first] == old[row, first] { first += 1 }
        guard first < grid.width else { continue }
        while last > first && grid[row, last] == old[row, last] { last -= 1 }
        // Whole characters: a wide character's continuation is written with it.
        if first > 0 && grid[row, first].width == 0 { first -= 1 }
        if last + 1 < grid.width && grid[row, last + 1].width == 0 { last += 1 }
      }
      writeRun(grid, row: row, from: first, through: last)
    }
  }

  /// Writes cells `from...through` of `row`, one ncurses call per run of one style.
  private func writeRun(_ grid: CellGrid, row: Int, from first: Int, through last: Int) {
    _ = cn_move(Int32(row), Int32(first))
    var style: CellStyle? = nil
    for column in first...last {
      let cell = grid[row, column]
      guard cell.width > 0 else { continue }
      if cell.style != style {
        flush()
        setStyle(cell.style)
        style = cell.style
      }
      for scalar in cell.character.unicodeScalars { text.append(wchar_t(bitPattern: scalar.value)) }
    }
    flush()
  }

  private func flush() {
    guard !text.isEmpty else { return }
    _ = text.withUnsafeBufferPointer { cn_add_wide($0.baseAddress, Int32($0.count)) }
    text.removeAll(keepingCapacity: true)
  }

  private func setStyle(_ style: CellStyle) {
    var attributes = cn_a_normal()
    if style.bold { attributes |= cn_a_bold() }
    if style.dim { attributes |= cn_a_dim() }
    if style.italic { attributes |= cn_a_italic() }
    if style.underline || style.link != nil && colours == .none { attributes |= cn_a_underline() }
    if style.inverse { attributes |= cn_a_reverse() }
    cn_set_style(attributes, pair(foreground: style.foreground, background: style.background))
  }

  /// The colour pair for `foreground` on `background` (nil: the terminal's own), made if needed.
  private func pair(foreground: TerminalColor?, background: TerminalColor?) -> Int32 {
    guard colours != .none, foreground != nil || background != nil else { return 0 }
    func shown(_ colour: TerminalColor?) -> Int {
      guard let colour else { return -1 }
      return Int(colours == .extended ? colour.index : colour.basic.index)
    }
    let foreground = shown(foreground)
    let background = shown(background)
    let key = (foreground + 1) << 16 | (background + 1)
    if let pair = pairs[key] { return pair }
    if nextPair >= pairLimit {
      pairs.removeAll()
      nextPair = 1
      pairsRanOut = true
    }
    let pair = nextPair
    nextPair += 1
    _ = cn_init_pair(pair, Int32(foreground), Int32(background))
    pairs[key] = pair
    return pair
  }
}
