import MemoryAnalysis
import Rendering
import TextWidth
import WorkshopKit

/// Draws ``CourseScreenState`` into a grid the size of the screen: a pure function, tested against
/// expected text; the app puts the grid on the terminal.
public enum CourseScreen {
  /// The whole screen.
  public static func render(_ state: CourseScreenState) -> CellGrid {
    let layout = state.layout
    var grid = CellGrid(width: state.width, height: state.height)
    if layout.isTooSmall {
      drawTooSmall(into: &grid, state: state)
      return grid
    }
    drawHeader(into: &grid, state: state)
    drawTabs(into: &grid, state: state)
    if layout.isWide {
      grid.draw(pane(.lesson, state: state, area: layout.left), row: layout.left.row, column: layout.left.column)
      let separator = state.capabilities.unicode ? "│" : "|"
      for row in layout.body.row..<(layout.body.row + layout.body.height) {
        grid.write(separator, row: row, column: layout.left.width, style: dim(state))
      }
      grid.draw(
        pane(state.sidePane, state: state, area: layout.right), row: layout.right.row, column: layout.right.column)
    } else {
      grid.draw(pane(state.focus, state: state, area: layout.left), row: layout.left.row, column: 0)
    }
    drawStatus(into: &grid, state: state)
    if let overlay = state.overlay { drawOverlay(overlay, into: &grid, state: state) }
    return grid
  }

  // MARK: - Header, tabs, status

  private static func drawHeader(into grid: inout CellGrid, state: CourseScreenState) {
    let bold = state.capabilities.colour ? CellStyle(bold: true) : .plain
    guard let card = state.card else {
      grid.write(" workshop: this course has no exercises yet", row: 0, column: 0, style: bold)
      return
    }
    let passed = state.exercises.filter { $0.state == .passed }.count
    let total = state.exercises.count
    let bar = progressBar(passed: passed, total: total, unicode: state.capabilities.unicode)
    let progress = "\(bar) \(passed)/\(total) passed "
    let title = " workshop · exercise \(card.number) of \(total): \(card.title)"
    grid.write(title, row: 0, column: 0, limit: state.width - DisplayWidth.of(progress) - 1, style: bold)
    grid.write(progress, row: 0, column: state.width - DisplayWidth.of(progress))
    let measure = measureName(card.limit.measure)
    var facts = [" limit: \(measure) \(value(card.limit.value, card.limit.measure))"]
    facts.append("last: " + (card.lastMeasured.map { value($0, card.limit.measure) } ?? "not checked yet"))
    facts.append(card.state == .passed ? "passed" : card.state == .failed ? "not passed yet" : "new")
    if card.hintCount > 0 { facts.append("hints \(min(card.hintsRevealed, card.hintCount))/\(card.hintCount)") }
    let column = grid.write(facts.joined(separator: " · "), row: 1, column: 0)
    drawAttempts(card, into: &grid, column: column, state: state)
  }

  /// After the header's facts, as room allows: `· 3 checks ▇▅▁ best 96 B`, the sparkline of the
  /// measure per attempt, red over the limit and green within it; on a narrow screen the best, then
  /// the count, give way to the sparkline.
  private static func drawAttempts(
    _ card: ExerciseCard, into grid: inout CellGrid, column: Int, state: CourseScreenState
  ) {
    guard !card.attempts.isEmpty else { return }
    let count = " · \(card.attempts.count) check\(card.attempts.count == 1 ? "" : "s") "
    let best = card.bestMeasured.map { " best \(value($0, card.limit.measure))" } ?? ""
    let choices = [(count, best), (count, ""), (" · ", "")]
    guard
      let (label, tail) = choices.first(where: {
        state.width - column - DisplayWidth.of($0.0) - DisplayWidth.of($0.1) - 1 >= min(card.attempts.count, 3)
      })
    else { return }
    let room = state.width - column - DisplayWidth.of(label) - DisplayWidth.of(tail) - 1
    var at = column + grid.write(label, row: 1, column: column)
    let line = Sparkline.render(
      card.attempts, limit: card.limit.value, width: min(room, 24), capabilities: state.capabilities)
    grid.draw(line, row: 1, column: at)
    at += line.width
    grid.write(tail, row: 1, column: at)
  }

  static func progressBar(passed: Int, total: Int, unicode: Bool) -> String {
    let done = String(repeating: unicode ? "█" : "#", count: passed)
    let left = String(repeating: unicode ? "░" : ".", count: max(0, total - passed))
    return "[" + done + left + "]"
  }

  private static func drawTabs(into grid: inout CellGrid, state: CourseScreenState) {
    var column = 1
    for pane in Pane.allCases {
      let shown = state.layout.isWide ? (pane == .lesson || pane == state.sidePane) : pane == state.focus
      let focused = pane == state.focus
      let label = focused ? "[\(pane.title)]" : " \(pane.title) "
      let style: CellStyle =
        state.capabilities.colour ? CellStyle(bold: focused, dim: !shown, inverse: focused) : .plain
      column += grid.write(label, row: 2, column: column, style: style) + 1
    }
    if let note = state.watchNote {
      let text = note + " "
      let start = max(column + 2, state.width - DisplayWidth.of(text))
      grid.write(text, row: 2, column: start, style: dim(state))
    }
  }

  private static func drawStatus(into grid: inout CellGrid, state: CourseScreenState) {
    let row = state.height - 1
    let style = state.capabilities.colour ? CellStyle(inverse: true) : .plain
    grid.fill(row: row, column: 0, width: state.width, height: 1, with: Cell(" ", style: style))
    let text: String
    if let guess = state.guessPrompt {
      text = " " + state.guessQuestion + guess
    } else if let prompt = state.prompt {
      text = " /" + prompt
    } else if let message = state.message {
      text = " " + message
    } else {
      text = " " + keyHelp(state, width: state.width - 1)
    }
    grid.write(text, row: row, column: 0, style: style)
  }

  /// The keys that apply now, as `c check  h hint …`, always ending with `? keys  q quit`; keys
  /// that do not fit are left out from the middle.
  static func keyHelp(_ state: CourseScreenState, width: Int) -> String {
    var keys: [String] = []
    let busy = state.phase.isBusy
    keys.append(busy ? "Esc stop" : "c check")
    if let card = state.card {
      if card.hintCount > 0 { keys.append("h hint") }
      keys.append("s solution")
      if !busy { keys.append("x reset") }
      if card.state == .passed && !busy {
        keys.append(state.current + 1 < state.exercises.count ? "n next" : "n finish")
      }
    }
    keys += ["l list", "Tab pane", "/ search", "e edit"]
    let ending = ["? keys", "q quit"]
    while !keys.isEmpty, DisplayWidth.of((keys + ending).joined(separator: "  ")) > width { keys.removeLast() }
    return (keys + ending).joined(separator: "  ")
  }

  // MARK: - Panes

  private static func pane(_ pane: Pane, state: CourseScreenState, area: CourseScreenLayout.Area) -> CellGrid {
    switch pane {
    case .lesson: return lessonPane(state, area: area)
    case .hints: return state.hintsView.render(width: area.width, height: area.height)
    case .check: return checkPane(state, area: area)
    }
  }

  /// The lesson, under the line a revealed hint points at when one does.
  private static func lessonPane(_ state: CourseScreenState, area: CourseScreenLayout.Area) -> CellGrid {
    guard !state.pointedLines.isEmpty, area.height > state.pointedLines.count + 4 else {
      return state.lessonView.render(width: area.width, height: area.height)
    }
    var grid = CellGrid(width: area.width, height: area.height)
    let bold = state.capabilities.colour ? CellStyle(bold: true) : .plain
    for (row, line) in state.pointedLines.enumerated() {
      grid.write(
        row == 0 ? "the hint points here: " + line : line, row: row, column: 0, limit: area.width - 1, style: bold)
    }
    let top = state.pointedLines.count + 1
    grid.draw(state.lessonView.render(width: area.width, height: area.height - top), row: top, column: 0)
    return grid
  }

  private static func checkPane(_ state: CourseScreenState, area: CourseScreenLayout.Area) -> CellGrid {
    let name = state.card?.name ?? "the exercise"
    switch state.phase {
    case .idle:
      let file = state.card.map { "Exercises/\($0.name)/" } ?? "the exercise's files"
      return CellGrid(
        lines: [
          "Press c to check \(name): its correctness cases, then its workload's memory.",
          "Saving a file in \(file) checks it too.",
        ], width: area.width)
    case .compiling(let variant):
      let what = variant == .learner ? name : "the reference solution of \(name)"
      return CellGrid(lines: ["Compiling \(what)…"], width: area.width)
    case .running(let variant, let snapshot):
      return livePane(state, snapshot: snapshot, variant: variant, area: area)
    case .finished(let report, _):
      guard let explorer = state.activeExplorer, !state.showingReport else {
        return state.checkView.render(width: area.width, height: area.height)
      }
      return verdictAndExplorer(report, explorer: explorer, state: state, area: area)
    case .failed:
      return state.checkView.render(width: area.width, height: area.height)
    }
  }

  /// After a check: the verdict and the measures beside the limit, then the icicle explorer of
  /// what the measure counts.
  private static func verdictAndExplorer(
    _ report: CheckReportText.Report, explorer: IcicleExplorer, state: CourseScreenState,
    area: CourseScreenLayout.Area
  ) -> CellGrid {
    var brief = report
    brief.chart = nil
    brief.icicle = nil
    brief.topStacks = []
    brief.output = nil
    let facts = CheckReportText.render(brief, width: area.width - 1, capabilities: state.capabilities)
    var rows = facts.lines()
    while rows.last?.isEmpty == true { rows.removeLast() }
    let factRows = min(rows.count, max(3, area.height / 3))
    var grid = CellGrid(width: area.width, height: area.height)
    grid.draw(facts.window(row: 0, width: area.width, height: factRows), row: 0, column: 0)
    // What changed since the last attempt, and the guess: right under the verdict.
    let notes = state.attemptNotes.flatMap { ReportLineWrap.wrap($0, width: max(area.width - 1, 10)) }
      .prefix(max(0, area.height / 2 - factRows))
    for (offset, note) in notes.enumerated() {
      grid.write(note, row: factRows + offset, column: 0, limit: area.width)
    }
    let shown = factRows + notes.count
    let hint =
      state.explorerHasKeys
      ? "arrows move · Enter zooms in · Backspace out · N runtime frames · "
        + (state.differenceExplorer == nil || state.explorer == nil
          ? "" : state.showingDifference ? "d your icicle · " : "d vs solution · ")
        + "e edit · r whole report"
      : "Tab to the check pane to explore · r whole report"
    grid.write(hint, row: shown, column: 0, limit: area.width, style: dim(state))
    let icicleTop = shown + 1
    grid.draw(
      explorer.render(width: area.width - 1, height: max(1, area.height - icicleTop), capabilities: state.capabilities),
      row: icicleTop, column: 0)
    return grid
  }

  /// While the program runs: its figures and the chart of its memory so far.
  private static func livePane(
    _ state: CourseScreenState, snapshot: LiveRun.Snapshot, variant: ExerciseVariant, area: CourseScreenLayout.Area
  ) -> CellGrid {
    let who = variant == .learner ? (state.card?.name ?? "the exercise") : "the reference solution"
    let seconds = ByteCountText.duration(milliseconds: snapshot.elapsedSeconds * 1000)
    let doing =
      snapshot.phase == .reading ? "\(who) has ended: reading its capture" : "Running \(who) under the tracker"
    var lines = [
      "\(doing) · \(seconds)",
      "heap \(ByteCountText.describe(snapshot.heapBytes)) · peak \(ByteCountText.describe(snapshot.peakHeapBytes)) at "
        + ByteCountText.duration(milliseconds: Double(snapshot.peakMicroseconds) / 1000) + " · resident "
        + ByteCountText.describe(snapshot.residentBytes)
        + " · \(ByteCountText.grouped(snapshot.allocations)) allocations",
    ]
    // The limit is the workload's; the chart is of the whole program, so it is drawn as a guide.
    var limit: UInt64?
    if let card = state.card, card.limit.measure == .peak, variant == .learner { limit = card.limit.value }
    let points = snapshot.timeline.allPoints.map {
      MemoryChart.Point(milliseconds: $0.milliseconds, heapBytes: $0.maxHeapBytes, residentBytes: $0.residentBytes)
    }
    let input = LiveChart.Input(
      points: points, durationMilliseconds: max(snapshot.elapsedSeconds * 1000, points.last?.milliseconds ?? 0),
      limit: limit,
      peak: snapshot.peakHeapBytes > 0
        ? LiveChart.Peak(bytes: snapshot.peakHeapBytes, milliseconds: Double(snapshot.peakMicroseconds) / 1000) : nil,
      reference: variant == .learner ? state.referenceTimeline : [])
    let chartHeight = max(5, min(area.height - lines.count - 1, 30))
    let parts = [
      CellGrid(lines: lines + [""], width: area.width),
      LiveChart.render(input, width: area.width - 1, height: chartHeight, capabilities: state.capabilities),
    ]
    var grid = CellGrid(width: area.width, height: area.height)
    grid.draw(CellGrid(stacking: parts), row: 0, column: 0)
    return grid
  }

  // MARK: - Overlays

  private static func drawOverlay(_ overlay: Overlay, into grid: inout CellGrid, state: CourseScreenState) {
    let lines: [String]
    var selectedRow: Int?
    switch overlay {
    case .welcome:
      lines = [
        "Welcome to the workshop.", "",
        "Each exercise is a small Swift program that uses too much memory.",
        "Read its lesson here, fix the program in your editor, and check it:",
        "c checks it now, and saving its file checks it again.", "",
        "h reveals a hint, s the solution, l lists the exercises,",
        "Tab switches between the lesson, the check and the hints,", "? lists every key, q leaves.", "",
        "Press any key to start.",
      ]
    case .help:
      lines = [
        "Keys", "",
        "c        check the exercise now (saving its file checks it too)",
        "Esc      stop the check that runs",
        "h        reveal the next hint",
        "s        show the solution, as a diff from your file",
        "x        reset the exercise as shipped (your version is kept)",
        "n        next exercise, once this one passes",
        "l        the list of exercises (Enter opens one)",
        "Tab      switch between the lesson, the check and the hints",
        "j k ↓ ↑  scroll; Space b: a page; g G: top and end",
        "] [      next and previous heading",
        "/        search the pane; Enter finds the next",
        "d        the icicle beside the solution's: + more, - less than it",
        "e        open your file in $EDITOR",
        "q        leave (your progress is kept)", "",
        "Press any key to close.",
      ]
    case .list(let selected):
      var rows = ["Exercises (Enter opens, Esc closes)", ""]
      for (index, card) in state.exercises.enumerated() {
        let measure = card.lastMeasured.map { value($0, card.limit.measure) } ?? "-"
        rows.append(
          "\(index == selected ? ">" : " ") \(card.number). \(card.title)  \(card.state.rawValue)  "
            + "\(measureName(card.limit.measure)) \(measure) / \(value(card.limit.value, card.limit.measure))")
      }
      lines = rows
      selectedRow = selected + 2
    case .confirm(.solution):
      lines = [
        "\(state.card?.name ?? "This exercise") has not passed yet.",
        "Show its solution anyway? A hint (h) gives a gentler push.", "", "y: show it    any other key: not now",
      ]
    case .confirm(.reset):
      lines = [
        "Restore \(state.card?.name ?? "the exercise")'s files as shipped?",
        "Your version is kept in .workshop/backups/.", "", "y: reset    any other key: keep my files",
      ]
    }
    let innerWidth = min(state.width - 6, max(40, lines.map { DisplayWidth.of($0) }.max() ?? 0))
    let boxWidth = innerWidth + 4
    let boxHeight = min(state.height - 2, lines.count + 2)
    let top = max(1, (state.height - boxHeight) / 2)
    let left = max(0, (state.width - boxWidth) / 2)
    let unicode = state.capabilities.unicode
    let (horizontal, vertical) = unicode ? ("─", "│") : ("-", "|")
    let (topLeft, topRight, bottomLeft, bottomRight) = unicode ? ("┌", "┐", "└", "┘") : ("+", "+", "+", "+")
    grid.fill(row: top, column: left, width: boxWidth, height: boxHeight)
    grid.write(
      topLeft + String(repeating: horizontal, count: boxWidth - 2) + topRight, row: top, column: left)
    grid.write(
      bottomLeft + String(repeating: horizontal, count: boxWidth - 2) + bottomRight, row: top + boxHeight - 1,
      column: left)
    for row in 1..<(boxHeight - 1) {
      grid.write(vertical, row: top + row, column: left)
      grid.write(vertical, row: top + row, column: left + boxWidth - 1)
      let index = row - 1
      guard index < lines.count else { continue }
      let style: CellStyle =
        index == selectedRow ? (state.capabilities.colour ? CellStyle(inverse: true) : .plain) : .plain
      grid.write(lines[index], row: top + row, column: left + 2, limit: innerWidth, style: style)
    }
  }

  private static func drawTooSmall(into grid: inout CellGrid, state: CourseScreenState) {
    let sentence =
      "The terminal is \(state.width)×\(state.height); workshop start needs at least "
      + "\(CourseScreenLayout.minimumWidth)×\(CourseScreenLayout.minimumHeight). "
      + "Make the window larger, or press q to leave."
    let lines = ReportLineWrap.wrap(sentence, width: max(state.width - 2, 1))
    let top = max(0, (state.height - lines.count) / 2)
    for (index, line) in lines.enumerated() {
      grid.write(line, row: top + index, column: max(0, (state.width - DisplayWidth.of(line)) / 2))
    }
  }

  // MARK: - Words

  static func measureName(_ measure: LimitMeasure) -> String {
    CheckReportText.Measure(rawValue: measure.rawValue)?.name ?? measure.rawValue
  }

  static func value(_ value: UInt64, _ measure: LimitMeasure) -> String {
    measure.isBytes ? ByteCountText.describe(value) : ByteCountText.grouped(value)
  }

  private static func dim(_ state: CourseScreenState) -> CellStyle {
    state.capabilities.colour ? CellStyle(dim: true) : .plain
  }
}
