import LessonText
import MemoryAnalysis
import Rendering
import TerminalUI
import WorkshopKit

/// One exercise as the screen shows it: its header figures and what its keys may do.
public struct ExerciseCard: Sendable, Equatable {
  /// `1` for `exercise_1`.
  public var number: Int
  /// `exercise_1`.
  public var name: String
  /// The manifest's title.
  public var title: String
  /// What its limit measures, and the limit.
  public var limit: ExerciseLimit
  /// Where the learner stands with it.
  public var state: ExerciseState
  /// The last check's measure, if one was taken.
  public var lastMeasured: UInt64?
  /// Hints revealed, and how many there are.
  public var hintsRevealed: Int
  /// How many hints its lesson has.
  public var hintCount: Int
  /// Whether showing its solution asks first (it has not passed and its solution was not shown).
  public var solutionAsksFirst: Bool
  /// The measure of every attempt kept, oldest first (nil: an attempt that measured nothing).
  public var attempts: [UInt64?] = []
  /// Whether the learner is asked for a guess of the measure before the first check.
  public var predictFirst = false
  /// The guess typed before the first check, if any.
  public var guess: UInt64?

  /// The card of a row of ``CourseListing``.
  public init(_ row: CourseListing.Row) {
    number = row.exercise.number
    name = row.exercise.name
    title = row.exercise.manifest.title
    limit = row.exercise.manifest.limit
    state = row.progress.state
    lastMeasured = row.progress.lastMeasured
    hintsRevealed = row.hintsRevealed
    hintCount = row.hintCount
    solutionAsksFirst = !row.progress.passedOnce && !row.progress.solutionRevealed
    attempts = row.progress.attempts.map(\.measured)
    predictFirst = row.exercise.manifest.predictFirst
    guess = row.progress.guess
  }

  /// The smallest measure of the attempts.
  public var bestMeasured: UInt64? { attempts.compactMap { $0 }.min() }

  /// A card as given (tests).
  public init(
    number: Int, name: String, title: String, limit: ExerciseLimit, state: ExerciseState = .new,
    lastMeasured: UInt64? = nil, hintsRevealed: Int = 0, hintCount: Int = 0, solutionAsksFirst: Bool = true,
    attempts: [UInt64?] = [], predictFirst: Bool = false, guess: UInt64? = nil
  ) {
    self.attempts = attempts
    self.predictFirst = predictFirst
    self.guess = guess
    self.number = number
    self.name = name
    self.title = title
    self.limit = limit
    self.state = state
    self.lastMeasured = lastMeasured
    self.hintsRevealed = hintsRevealed
    self.hintCount = hintCount
    self.solutionAsksFirst = solutionAsksFirst
  }
}

/// Where the current check stands.
public enum CheckPhase: Sendable {
  /// No check since the exercise was opened.
  case idle
  /// The compiler runs.
  case compiling(ExerciseVariant)
  /// The program runs under the tracker; the latest snapshot.
  case running(ExerciseVariant, LiveRun.Snapshot)
  /// The check is over: its report and whether it passed.
  case finished(CheckReportText.Report, passed: Bool)
  /// The check could not be made: one sentence.
  case failed(String)

  /// Whether a check is under way.
  public var isBusy: Bool {
    switch self {
    case .compiling, .running: return true
    case .idle, .finished, .failed: return false
    }
  }
}

/// The panes of the screen, in the order Tab visits them.
public enum Pane: Int, Sendable, CaseIterable {
  /// The exercise's lesson.
  case lesson
  /// The check: live while it runs, then its report.
  case check
  /// The hints revealed, and the solution once shown.
  case hints

  /// Its name on the tab bar.
  public var title: String {
    switch self {
    case .lesson: return "Lesson"
    case .check: return "Check"
    case .hints: return "Hints"
    }
  }
}

/// A question the screen asks before an action that cannot be taken back.
public enum Question: Sendable, Equatable {
  /// Show the solution before the exercise has passed?
  case solution
  /// Restore the learner's files as shipped (their version kept as a backup)?
  case reset
}

/// What lies over the panes, taking the keys, until it is closed.
public enum Overlay: Sendable, Equatable {
  /// The first start's welcome.
  case welcome
  /// Every key, with what it does.
  case help
  /// The exercises, one selected.
  case list(selected: Int)
  /// A yes-or-no question.
  case confirm(Question)
}

/// What a key asks the app to do with the course (the state changes itself for everything else).
public enum CourseCommand: Sendable, Equatable {
  /// Check the current exercise now.
  case check
  /// Stop the check that runs.
  case cancelCheck
  /// Reveal the next hint.
  case revealHint
  /// Show the solution (the question, if any, was answered).
  case revealSolution
  /// Restore the exercise's files as shipped (the question was answered).
  case reset
  /// Open exercise number `index` of ``CourseScreenState/exercises`` (0-based).
  case open(Int)
  /// Show the end of the course: every exercise has passed.
  case finishCourse
  /// Open the learner's file in `$EDITOR`.
  case edit
  /// Keep the learner's guess of the measure (before the first check of a predict-first exercise).
  case guess(UInt64)
  /// Leave.
  case quit
}

/// Everything `workshop start` shows, as a plain value. ``handle(_:)`` takes a key and returns what
/// the app must do; the app reports back through the other mutating methods; ``CourseScreen``
/// draws it. No I/O, so every screen is tested without a terminal.
public struct CourseScreenState {
  /// Columns and rows of the screen.
  public private(set) var width: Int
  /// Rows of the screen.
  public private(set) var height: Int
  /// Colour and Unicode.
  public let capabilities: TerminalCapabilities
  /// The exercises.
  public private(set) var exercises: [ExerciseCard]
  /// The one shown (an index into ``exercises``).
  public private(set) var current: Int
  /// The pane that takes the scrolling keys.
  public private(set) var focus: Pane = .lesson
  /// The pane shown beside the lesson on a wide screen: the check or the hints.
  public private(set) var sidePane: Pane = .check
  /// The current check.
  public private(set) var phase: CheckPhase = .idle
  /// What lies over the panes.
  public private(set) var overlay: Overlay?
  /// A message on the status line, until the next key; one about the check that runs
  /// (``note(_:untilCheckEnds:)``) also until that check ends.
  public private(set) var message: String? { didSet { messageEndsWithCheck = false } }
  /// Whether ``message`` speaks of the check that runs ("checking…", "Esc stops it"), and so goes
  /// when it ends; any other message (a guess not remembered, an error) stays until the next key.
  private var messageEndsWithCheck = false
  /// What watch mode is doing (or why it cannot), for the status line.
  public var watchNote: String?
  /// The search being typed after `/`, nil when none is.
  public private(set) var prompt: String?
  /// The guess of the measure being typed before the first check, nil when none is asked.
  public private(set) var guessPrompt: String?
  /// Whether the learner passed over the guess for this exercise (Enter with nothing typed).
  private var guessSkipped = false
  /// A check asked for while one runs (a save): it starts when this one ends.
  public private(set) var checkQueued = false

  /// The lesson, its hints revealed, the report: each scrolled on its own.
  public private(set) var lessonView = ScrollView()
  /// The check's report.
  public private(set) var checkView = ScrollView()
  /// The revealed hints and the solution.
  public private(set) var hintsView = ScrollView()
  /// The icicle of the last check's peak (or leaks, or allocations), explored with the arrows.
  public private(set) var explorer: IcicleExplorer?
  /// The same measure beside the reference solution's (`d`): each frame marked with how much more
  /// or less it holds than in the solution. Nil when the solution has not been measured.
  public private(set) var differenceExplorer: IcicleExplorer?
  /// Whether the check pane shows ``differenceExplorer`` instead of ``explorer``.
  public private(set) var showingDifference = false
  /// The line a revealed hint points at (its file and line, then the numbered lines around it),
  /// shown at the top of the lesson pane; empty when none does.
  public private(set) var pointedLines: [String] = []
  /// The frame the last revealed hint names, selected in the explorers (again after each check).
  public private(set) var pointedFrame: HintTarget?
  /// The reference solution's heap over time, drawn faintly behind the live chart; empty: unknown.
  public private(set) var referenceTimeline: [MemoryChart.Point] = []
  /// Whether the check pane shows the whole report (`r`) instead of the verdict and the explorer.
  public private(set) var showingReport = false
  /// Lines under the verdict about the attempts: the guess beside the measure, what changed since
  /// the last attempt.
  public private(set) var attemptNotes: [String] = []

  private var lesson: LessonDocument?
  private var hints: [LessonDocument] = []
  private var solution: [String] = []
  private var lastQuery = ""

  /// A screen of `width` × `height` showing `exercises[current]`.
  public init(
    exercises: [ExerciseCard], current: Int, width: Int, height: Int, capabilities: TerminalCapabilities,
    welcome: Bool = false
  ) {
    self.exercises = exercises
    self.current = min(max(current, 0), max(exercises.count - 1, 0))
    self.width = width
    self.height = height
    self.capabilities = capabilities
    overlay = welcome ? .welcome : nil
  }

  /// The exercise shown.
  public var card: ExerciseCard? { exercises.indices.contains(current) ? exercises[current] : nil }

  /// The screen's layout for its size.
  public var layout: CourseScreenLayout { CourseScreenLayout(width: width, height: height) }

  // MARK: - What the app reports

  /// The screen's new size.
  public mutating func resize(width: Int, height: Int) {
    self.width = width
    self.height = height
    relayout(keepingPlace: true)
  }

  /// The exercises' figures anew (after a check, a hint, a reset).
  public mutating func update(exercises: [ExerciseCard]) {
    self.exercises = exercises
    current = min(current, max(exercises.count - 1, 0))
  }

  /// Shows exercise `index` with its lesson; its hints shown so far and the solution are the app's to
  /// pass again (`hints`); the check pane starts afresh.
  public mutating func open(_ index: Int, lesson: LessonDocument?, hints: [LessonDocument] = []) {
    current = min(max(index, 0), max(exercises.count - 1, 0))
    self.lesson = lesson
    self.hints = hints
    solution = []
    phase = .idle
    attemptNotes = []
    explorer = nil
    differenceExplorer = nil
    showingDifference = false
    referenceTimeline = []
    pointedLines = []
    pointedFrame = nil
    guessPrompt = nil
    guessSkipped = false
    showingReport = false
    checkQueued = false
    focus = .lesson
    sidePane = .check
    relayout(keepingPlace: false)
  }

  /// Shows a lesson that belongs to no exercise (the course's closing lesson).
  public mutating func show(lesson: LessonDocument?, message: String) {
    self.lesson = lesson
    focus = .lesson
    self.message = message
    relayout(keepingPlace: false)
  }

  /// The check's phase as it goes (compiling, running with a fresh snapshot).
  public mutating func checkProgressed(_ phase: CheckPhase) {
    let started = !self.phase.isBusy
    self.phase = phase
    // A check that starts shows itself: the side pane on a wide screen, the check pane on a narrow one.
    if started {
      if layout.isWide { sidePane = .check } else { focus = .check }
    }
  }

  /// The check ended with `report`; a check queued meanwhile is now due (``takeQueuedCheck()``).
  ///
  /// - Parameters:
  ///   - notes: lines about the attempts (``attemptNotes``).
  ///   - difference: the measure beside the solution's, for the difference view (`d`).
  public mutating func checkFinished(
    _ report: CheckReportText.Report, passed: Bool, notes: [String] = [], difference: AllocationTreeDifference? = nil,
    weight: IcicleWeight = .bytes
  ) {
    phase = .finished(report, passed: passed)
    // What the status line said of the check ("your guess: …; checking…", "a check is running")
    // is over with it: the key hints come back. Other messages stay until the next key.
    if messageEndsWithCheck { message = nil }
    attemptNotes = notes
    differenceExplorer = difference.map { DifferenceIcicle.explorer($0, weight: weight) }
    if differenceExplorer == nil { showingDifference = false }
    explorer = report.icicle.map { icicle in
      IcicleExplorer(
        tree: icicle.tree.foldingRecursion(), nativeTree: icicle.nativeTree?.foldingRecursion(), title: icicle.title,
        weight: icicle.weight)
    }
    if let pointedFrame { selectFrame(pointedFrame) }
    // Without a report's icicle (a pass), the difference still shows where the memory went.
    if explorer == nil && differenceExplorer != nil { showingDifference = true }
    showingReport = activeExplorer == nil
    if layout.isWide { sidePane = .check } else if focus != .check { focus = .check }
    relayoutReport(keepingPlace: false)
  }

  /// The finished check beside the reference solution (it comes after the verdict): the difference
  /// view (`d`) for `difference`; without an icicle of its own (a pass), the check pane shows it.
  public mutating func compared(difference: AllocationTreeDifference?, weight: IcicleWeight = .bytes) {
    guard case .finished = phase else { return }
    differenceExplorer = difference.map { DifferenceIcicle.explorer($0, weight: weight) }
    if let pointedFrame { differenceExplorer?.select(where: pointedFrame.matches) }
    if differenceExplorer == nil {
      showingDifference = false
    } else if explorer == nil {
      showingDifference = true
      showingReport = false
    }
  }

  /// The reference solution's heap over time, for the live chart (kept until another exercise opens).
  public mutating func setReference(timeline: [MemoryChart.Point]) { referenceTimeline = timeline }

  /// The explorer shown: the difference view or the plain icicle.
  public var activeExplorer: IcicleExplorer? { showingDifference ? differenceExplorer : explorer }

  /// The check could not be made.
  public mutating func checkFailed(_ sentence: String) {
    phase = .failed(sentence)
    message = sentence
    relayoutReport(keepingPlace: false)
  }

  /// Asks for a check while one runs (a save): one more runs after it, however many saves came.
  public mutating func queueCheck() { checkQueued = true }

  /// Whether a queued check is due now, clearing it.
  public mutating func takeQueuedCheck() -> Bool {
    guard checkQueued, !phase.isBusy else { return false }
    checkQueued = false
    return true
  }

  /// A hint revealed: `hint` is its block as a document of its own; `number` of `count`.
  public mutating func revealed(hint: LessonDocument, number: Int, count: Int) {
    if hints.count < number { hints.append(hint) }
    showSide(.hints)
    message =
      number < count ? "hint \(number) of \(count): h shows the next" : "hint \(number) of \(count): the last one"
    relayoutHints()
    hintsView.scroll(toEnd: true, height: layout.body.height)
  }

  /// A revealed hint points at `target`: its frame is selected in the explorers (and again after
  /// each check), and `excerpt` (``HintTarget/excerpt(in:)``) is shown at the top of the lesson pane.
  public mutating func point(at target: HintTarget, excerpt: [String]?) {
    if target.function != nil {
      pointedFrame = target
      if !selectFrame(target), let function = target.function {
        message = (message.map { $0 + "; " } ?? "") + "the hint names \(function): check to see it in the explorer"
      }
    }
    if let excerpt { pointedLines = excerpt }
  }

  @discardableResult
  private mutating func selectFrame(_ target: HintTarget) -> Bool {
    let plain = explorer?.select(where: target.matches) ?? false
    let beside = differenceExplorer?.select(where: target.matches) ?? false
    return plain || beside
  }

  /// The solution revealed, as the lines of a diff from the learner's file (or the code).
  public mutating func revealed(solution lines: [String]) {
    solution = lines
    showSide(.hints)
    relayoutHints()
    hintsView.scroll(toEnd: true, height: layout.body.height)
  }

  /// One sentence on the status line; with `untilCheckEnds`, a sentence about the check that runs,
  /// cleared when it ends.
  public mutating func note(_ message: String, untilCheckEnds: Bool = false) {
    self.message = message
    messageEndsWithCheck = untilCheckEnds
  }

  // MARK: - Keys

  /// Takes a key; returns what the app must do.
  public mutating func handle(_ key: Key) -> [CourseCommand] {
    message = nil
    if let prompt { return handlePrompt(key, typed: prompt) }
    if let guessPrompt { return handleGuess(key, typed: guessPrompt) }
    if let overlay { return handle(key, over: overlay) }
    if case .control("c") = key { return [.quit] }
    guard !layout.isTooSmall else { return key == .character("q") ? [.quit] : [] }
    switch key {
    case .character("q"): return [.quit]
    case .character("?"): overlay = .help
    case .character("c"):
      if phase.isBusy {
        note("a check is running: Esc stops it", untilCheckEnds: true)
        return []
      }
      if let card, card.predictFirst, card.attempts.isEmpty, card.guess == nil, !guessSkipped {
        guessPrompt = ""
        return []
      }
      return [.check]
    case .escape:
      if phase.isBusy { return [.cancelCheck] }
      if explorerHasKeys, activeExplorer?.canZoomOut == true { applyToExplorer(.zoomOut) }
    case .character("h"):
      guard let card, card.hintCount > 0 else {
        message = "this exercise has no hints"
        return []
      }
      return [.revealHint]
    case .character("s"):
      if card?.solutionAsksFirst ?? false {
        overlay = .confirm(.solution)
        return []
      }
      return [.revealSolution]
    case .character("x"):
      if phase.isBusy {
        note("wait for the check to end (Esc stops it)", untilCheckEnds: true)
        return []
      }
      overlay = .confirm(.reset)
    case .character("n"):
      return nextExercise()
    case .character("l"):
      overlay = .list(selected: current)
    case .tab:
      cycleFocus()
    case .character("e"):
      return [.edit]
    case .character("/"):
      prompt = ""
    case .character("d") where explorer != nil || differenceExplorer != nil:
      guard differenceExplorer != nil else {
        message = "no difference view: the reference solution has not been measured yet"
        return []
      }
      if explorer == nil && showingDifference {
        message = "this check has no icicle of its own: the difference view stays"
        return []
      }
      showingDifference.toggle()
      message =
        showingDifference
        ? "beside the solution: + (red) holds more than the solution, - (green) less; d goes back"
        : "your run's icicle: d shows it beside the solution"
    case .character("r") where activeExplorer != nil:
      showingReport.toggle()
      message = showingReport ? "the whole report: r goes back to the explorer" : nil
    default:
      if explorerHasKeys, let move = Self.explorerMove(key) {
        applyToExplorer(move)
      } else {
        scroll(key)
      }
    }
    return []
  }

  /// Whether the arrows move in the icicle explorer: the check pane has the focus and shows it.
  public var explorerHasKeys: Bool { focus == .check && activeExplorer != nil && !showingReport && !phase.isBusy }

  private mutating func applyToExplorer(_ move: IcicleExplorer.Move) {
    if showingDifference { differenceExplorer?.apply(move) } else { explorer?.apply(move) }
  }

  /// The explorer's move for a key: arrows (and h j k l's j k), Enter, Backspace, `N`.
  static func explorerMove(_ key: Key) -> IcicleExplorer.Move? {
    switch key {
    case .up, .character("k"): return .caller
    case .down, .character("j"): return .heaviestCallee
    case .left: return .previousSibling
    case .right: return .nextSibling
    case .enter: return .zoomIn
    case .backspace: return .zoomOut
    case .character("N"): return .toggleNative
    default: return nil
    }
  }

  /// The learner's file and line the explorer's selected frame is in, when it is one of `files`
  /// (names); else nil.
  public func selectedLine(inFiles files: Set<String>) -> (file: String, line: Int)? {
    guard let selection = activeExplorer?.selection, let file = selection.file, let line = selection.line else {
      return nil
    }
    let name = file.split(separator: "/").last.map(String.init) ?? file
    return files.contains(name) ? (name, line) : nil
  }

  private mutating func nextExercise() -> [CourseCommand] {
    guard card?.state == .passed else {
      message = "n moves on once this exercise passes"
      return []
    }
    if phase.isBusy {
      note("wait for the check to end (Esc stops it)", untilCheckEnds: true)
      return []
    }
    if current + 1 < exercises.count { return [.open(current + 1)] }
    return [.finishCourse]
  }

  private mutating func handle(_ key: Key, over overlay: Overlay) -> [CourseCommand] {
    switch overlay {
    case .welcome, .help:
      self.overlay = nil
      return key == .control("c") ? [.quit] : []
    case .list(let selected):
      switch key {
      case .up, .character("k"): self.overlay = .list(selected: max(0, selected - 1))
      case .down, .character("j"): self.overlay = .list(selected: min(exercises.count - 1, selected + 1))
      case .enter:
        self.overlay = nil
        if selected == current { return [] }
        if phase.isBusy {
          note("wait for the check to end (Esc stops it)", untilCheckEnds: true)
          return []
        }
        return [.open(selected)]
      case .control("c"): return [.quit]
      default: self.overlay = nil
      }
    case .confirm(let question):
      self.overlay = nil
      guard key == .character("y") || key == .character("Y") else {
        message = "nothing was changed"
        return []
      }
      if question == .reset && phase.isBusy {
        note("wait for the check to end (Esc stops it)", untilCheckEnds: true)
        return []
      }
      return [question == .solution ? .revealSolution : .reset]
    }
    return []
  }

  /// What the status line asks while the guess is typed.
  public var guessQuestion: String {
    let measure = card.map { CourseScreen.measureName($0.limit.measure) } ?? "peak"
    let example = card?.limit.measure.isBytes ?? true ? "as 2 MiB or 500 KB" : "as 1200 or 5k"
    return "guess the \(measure) before the first check (\(example); Enter alone skips): "
  }

  private mutating func handleGuess(_ key: Key, typed: String) -> [CourseCommand] {
    switch key {
    case .enter:
      guard !typed.allSatisfy({ $0 == " " }) else {
        guessPrompt = nil
        guessSkipped = true
        return [.check]
      }
      guard let card, let value = MeasureGuess.parse(typed, measure: card.limit.measure) else {
        message = "\"\(typed)\" is not a \(card?.limit.measure.isBytes ?? true ? "size" : "count"): try again, or Esc"
        return []
      }
      guessPrompt = nil
      note("your guess: \(CourseScreen.value(value, card.limit.measure)); checking…", untilCheckEnds: true)
      return [.guess(value), .check]
    case .escape, .control("g"), .control("c"):
      guessPrompt = nil
      message = "no guess: c asks again"
    case .backspace:
      guessPrompt = String(typed.dropLast())
    case .character(let character):
      guessPrompt = typed + String(character)
    default: break
    }
    return []
  }

  private mutating func handlePrompt(_ key: Key, typed: String) -> [CourseCommand] {
    switch key {
    case .enter:
      prompt = nil
      if !typed.isEmpty { lastQuery = typed }
      search(lastQuery)
    case .escape, .control("g"), .control("c"): prompt = nil
    case .backspace:
      if typed.isEmpty { prompt = nil } else { prompt = String(typed.dropLast()) }
    case .character(let character): prompt = typed + String(character)
    default: break
    }
    return []
  }

  private mutating func search(_ query: String) {
    guard !query.isEmpty else { return }
    let height = layout.body.height
    let found: Bool
    switch focus {
    case .lesson: found = lessonView.search(query, height: height)
    case .check: found = checkView.search(query, height: height)
    case .hints: found = hintsView.search(query, height: height)
    }
    if !found { message = "not found: \(query)" }
  }

  private mutating func cycleFocus() {
    let next = Pane(rawValue: (focus.rawValue + 1) % Pane.allCases.count) ?? .lesson
    focus = next
    if next != .lesson { sidePane = next }
  }

  private mutating func showSide(_ pane: Pane) {
    sidePane = pane
    if !layout.isWide { focus = pane }
  }

  private mutating func scroll(_ key: Key) {
    let height = layout.body.height
    func move(_ view: inout ScrollView) -> String? {
      switch key {
      case .down, .character("j"), .enter: view.scroll(by: 1, height: height)
      case .up, .character("k"): view.scroll(by: -1, height: height)
      case .pageDown, .character(" "), .character("f"): view.scroll(by: height - 1, height: height)
      case .pageUp, .character("b"): view.scroll(by: -(height - 1), height: height)
      case .character("d"): view.scroll(by: height / 2, height: height)
      case .character("u"): view.scroll(by: -height / 2, height: height)
      case .home, .character("g"): view.scroll(toEnd: false, height: height)
      case .end, .character("G"): view.scroll(toEnd: true, height: height)
      case .character("]"): if !view.nextHeading(height: height) { return "no more headings" }
      case .character("["): view.previousHeading()
      default: break
      }
      return nil
    }
    switch focus {
    case .lesson: message = move(&lessonView)
    case .check: message = move(&checkView)
    case .hints: message = move(&hintsView)
    }
  }

  // MARK: - Layout of the scrolled content

  private mutating func relayout(keepingPlace: Bool) {
    let width = layout.paneWidth
    if let lesson {
      let rendering = LessonRenderer(options: .init(width: width, capabilities: capabilities)).render(lesson)
      lessonView.replace(with: rendering.grid, headingRows: rendering.headingRows, keepingPlace: keepingPlace)
    } else {
      lessonView.replace(with: CellGrid(lines: ["This exercise has no lesson."]), keepingPlace: false)
    }
    relayoutReport(keepingPlace: keepingPlace)
    relayoutHints(keepingPlace: keepingPlace)
  }

  private mutating func relayoutReport(keepingPlace: Bool) {
    let grid: CellGrid
    switch phase {
    case .finished(let report, _):
      grid = CheckReportText.render(report, width: layout.paneWidth, capabilities: capabilities)
    case .failed(let sentence):
      grid = CellGrid(lines: ["The check could not be made:", sentence])
    default:
      grid = CellGrid(width: 0, height: 0)
    }
    checkView.replace(with: grid, keepingPlace: keepingPlace)
  }

  private mutating func relayoutHints(keepingPlace: Bool = true) {
    let width = layout.paneWidth
    var parts: [CellGrid] = []
    for (index, hint) in hints.enumerated() {
      let rendering = LessonRenderer(options: .init(width: width, capabilities: capabilities, reveal: true)).render(
        hint)
      if index > 0 { parts.append(CellGrid(lines: [""])) }
      parts.append(rendering.grid)
    }
    if !solution.isEmpty {
      parts += [CellGrid(lines: ["", "The solution, as a diff from your file:"]), CellGrid(lines: solution)]
    }
    if parts.isEmpty {
      let count = card?.hintCount ?? 0
      parts = [CellGrid(lines: ["No hint revealed yet: h reveals hint 1 of \(count)."])]
    }
    hintsView.replace(with: CellGrid(stacking: parts), keepingPlace: keepingPlace)
  }
}
