import Foundation
import LessonText
import ProcessLaunch
import Rendering
import Synchronization
import TerminalUI
import WorkshopKit

#if canImport(Glibc)
  import Glibc
#endif

/// `workshop start` on the terminal: the event loop, the screen, the course session, the check that
/// runs on a thread of its own and the watcher of the learner's files. What is shown is
/// ``CourseScreenState``, drawn by ``CourseScreen``; this class only moves events in and grids out.
public final class CourseApp {
  /// What other threads tell the loop.
  private enum Message: Sendable {
    case check(CheckEvent)
    case reported(CheckReportText.Report, passed: Bool, warnings: [String], notes: [String])
    case compared(exercise: String, SolutionComparison)
    case reference(exercise: String, timeline: [MemoryChart.Point])
    case checkError(String)
    case saved(String)
  }

  /// Messages from other threads, taken by the loop when it wakes.
  private final class Inbox: Sendable {
    private let messages = Mutex<[Message]>([])
    func post(_ message: Message) { messages.withLock { $0.append(message) } }
    func take() -> [Message] {
      messages.withLock { taken in
        defer { taken = [] }; return taken
      }
    }
  }

  private let session: CourseSession
  private let capabilities: TerminalCapabilities
  private let term: String
  private let environment: [String: String]
  private let inbox = Inbox()
  /// How long after the last save a check starts: an editor's save is often several writes.
  private let saveDebounce = 0.2

  private var state: CourseScreenState!
  private var live: LiveRun?
  /// Stops the check that runs (Esc, leaving), even before its program has started.
  private var cancellation: CheckCancellation?
  /// Signalled when the check's thread has ended.
  private var checkEnded: DispatchSemaphore?
  private var liveVariant: ExerciseVariant = .learner
  private var watcher: FileWatcher?
  private var saveDue: Double?
  private var ignoreSavesUntil = 0.0
  private var frames = FrameStatistics()

  /// An app for `session` on a terminal with `capabilities`, whose `TERM` is `term`.
  public init(
    session: CourseSession, capabilities: TerminalCapabilities, term: String,
    environment: [String: String] = ProcessInfo.processInfo.environment
  ) {
    self.session = session
    self.capabilities = capabilities
    self.term = term
    self.environment = environment
  }

  /// Runs until the learner leaves, the terminal goes away or a signal asks to stop; the terminal is
  /// given back in every case, and a check that runs is stopped with its program.
  ///
  /// - Returns: the exit status: 0 after `q`, 128 + the signal after one.
  /// - Throws: ``CourseUIError/screenUnavailable(term:)`` when the terminal cannot show a screen.
  public func run() throws(CourseUIError) -> Int32 {
    // The loop first: its handlers must be in place before ncurses looks for SIGWINCH's.
    guard let loop = try? EventLoop(tick: .milliseconds(50)) else { throw .screenUnavailable(term: term) }
    let screen: Screen
    do {
      screen = try Screen(capabilities: capabilities, term: term)
    } catch {
      throw .screenUnavailable(term: term)
    }
    defer {
      // A check that runs is stopped, and its thread given a moment to remove what it made.
      cancellation?.cancel()
      _ = checkEnded?.wait(timeout: .now() + 3)
      watcher?.stop()
      screen.stop()
    }
    let firstStart = !FileManager.default.fileExists(atPath: session.store.path.path)
    let cards = self.cards()
    let progress = (try? session.progress().progress) ?? CourseProgress()
    let current = session.nextExercise(in: progress).flatMap { next in cards.firstIndex { $0.name == next.name } } ?? 0
    state = CourseScreenState(
      exercises: cards, current: current, width: screen.width, height: screen.height, capabilities: capabilities,
      welcome: firstStart)
    open(current, waker: loop.waker)
    screen.draw(CourseScreen.render(state))
    while let event = loop.next() {
      // Ticks matter only while a check runs or a save waits for its debounce: an idle screen is
      // drawn again only when something happens.
      if event == .tick && live == nil && !state.phase.isBusy && saveDue == nil { continue }
      switch event {
      case .key(let key):
        for command in state.handle(key) {
          if command == .quit { return 0 }
          perform(command, waker: loop.waker, screen: screen)
        }
      case .resize(let width, let height):
        screen.resize(width: width, height: height)
        state.resize(width: screen.width, height: screen.height)
      case .wake, .tick:
        break
      }
      takeMessages(waker: loop.waker)
      let started = LiveRun.now()
      var age: Double?
      if let live {
        let snapshot = live.snapshot
        state.checkProgressed(.running(liveVariant, snapshot))
        // The age of what is drawn while the program runs (not while its capture is read to the end).
        if snapshot.phase == .running && snapshot.updatedAt > 0 { age = started - snapshot.updatedAt }
      }
      if let due = saveDue, started >= due {
        saveDue = nil
        if state.phase.isBusy { state.queueCheck() } else { startCheck(waker: loop.waker) }
      }
      screen.draw(CourseScreen.render(state))
      if live != nil {
        frames.record(at: started, seconds: LiveRun.now() - started, age: age)
      }
    }
    if case .signal(let number) = loop.ending {
      return 128 + number
    }
    return 0
  }

  // MARK: - Commands

  private func perform(_ command: CourseCommand, waker: EventLoop.Waker, screen: Screen) {
    guard let exercise = currentExercise() else { return }
    do {
      switch command {
      case .check:
        startCheck(waker: waker)
      case .cancelCheck:
        cancellation?.cancel()
        state.note("stopping the check…", untilCheckEnds: true)
      case .revealHint:
        let reveal = try session.revealHint(of: exercise)
        state.revealed(hint: reveal.lesson.document(showing: [reveal.hint]), number: reveal.number, count: reveal.count)
        if let target = reveal.target { state.point(at: target, excerpt: target.excerpt(in: exercise)) }
        reveal.warnings.forEach { state.note($0) }
        state.update(exercises: cards())
      case .revealSolution:
        let reveal = try session.revealSolution(of: exercise)
        var lines: [String] = []
        for file in reveal.files {
          let diff = try session.unifiedDiff(from: file.learnerPath, to: file.solutionPath)
          lines += (diff ?? "\(file.learnerPath) is already the same as \(file.solutionPath).\n").split(
            separator: "\n", omittingEmptySubsequences: false
          ).map(String.init)
        }
        state.revealed(solution: lines)
        state.update(exercises: cards())
      case .reset where state.phase.isBusy:
        state.note("wait for the check to end (Esc stops it)", untilCheckEnds: true)
      case .reset:
        ignoreSavesUntil = LiveRun.now() + 1
        if let result = try session.reset(exercise) {
          let kept = result.backup.map { "; yours is kept in \($0)/" } ?? ""
          state.note("restored \(result.restored.joined(separator: ", "))" + kept)
        } else {
          state.note("\(exercise.name) is already as shipped: nothing to reset")
        }
        state.update(exercises: cards())
      case .open(let index):
        open(index, waker: waker)
      case .finishCourse:
        let closing = session.closingLesson()
        let document = closing.flatMap { lesson in
          (try? readLessonSource(path: lesson.path)).map { LessonDocument(parsing: $0, file: lesson.name + ".rst") }
        }
        state.show(
          lesson: document,
          message: "every exercise has passed: \(state.exercises.count) of \(state.exercises.count). Well done!")
      case .edit:
        edit(exercise, screen: screen)
      case .guess(let value):
        session.recordGuess(value, of: exercise).forEach { state.note($0) }
        state.update(exercises: cards())
      case .quit:
        break
      }
    } catch {
      state.note("\(error)")
    }
  }

  private func currentExercise() -> Exercise? {
    guard let card = state.card else { return nil }
    return session.course.exercises.first { $0.name == card.name }
  }

  private func cards() -> [ExerciseCard] {
    ((try? session.listing().rows) ?? []).map(ExerciseCard.init)
  }

  private func open(_ index: Int, waker: EventLoop.Waker) {
    guard session.course.exercises.indices.contains(index) else { return }
    let exercise = session.course.exercises[index]
    let lesson = ExerciseLesson.find(for: exercise, in: session.course)
    let revealed = state.exercises.indices.contains(index) ? state.exercises[index].hintsRevealed : 0
    let hints = (lesson?.hints.prefix(revealed) ?? []).map { lesson!.document(showing: [$0]) }
    state.open(index, lesson: lesson?.document, hints: Array(hints))
    // The solution's run, when it was measured before, for the faint curve behind the live chart.
    let session = self.session
    let inboxForReference = inbox
    Thread.detachNewThread {
      guard let timeline = session.solutionTimeline(of: exercise) else { return }
      inboxForReference.post(.reference(exercise: exercise.name, timeline: timeline))
      waker.wake()
    }
    saveDue = nil
    watcher?.stop()
    watcher = nil
    let folder = exercise.path(exercise.relativeFolder)
    let names = Set(exercise.manifest.files.map { URL(fileURLWithPath: $0).lastPathComponent })
    let inbox = self.inbox
    do {
      watcher = try FileWatcher(folder: folder, names: names) { name in
        inbox.post(.saved(name))
        waker.wake()
      }
      state.watchNote = "saving rechecks"
    } catch {
      state.watchNote = "not watching: c checks"
      state.note("\(error)")
    }
  }

  private func startCheck(waker: EventLoop.Waker) {
    guard !state.phase.isBusy, let exercise = currentExercise() else { return }
    state.checkProgressed(.compiling(.learner))
    let session = self.session
    let inbox = self.inbox
    let cancellation = CheckCancellation()
    let ended = DispatchSemaphore(value: 0)
    self.cancellation = cancellation
    checkEnded = ended
    Thread.detachNewThread {
      do {
        let outcome = try session.check(exercise, cancellation: cancellation) { event in
          inbox.post(.check(event))
          waker.wake()
        }
        let (report, warnings) = outcome.result.report(capture: outcome.capture)
        inbox.post(
          .reported(
            report, passed: outcome.result.verdict.passed, warnings: outcome.warnings + warnings,
            notes: outcome.attemptNotes))
        waker.wake()
        // The solution beside: after the verdict is up, so that it never waits for these trees.
        if outcome.result.run != nil, let comparison = session.comparison(for: outcome.result) {
          inbox.post(.compared(exercise: exercise.name, comparison))
        }
      } catch {
        inbox.post(.checkError("\(error)"))
      }
      ended.signal()
      waker.wake()
    }
  }

  private func takeMessages(waker: EventLoop.Waker) {
    for message in inbox.take() {
      switch message {
      case .check(.compiling(let variant)):
        live = nil
        state.checkProgressed(.compiling(variant))
      case .check(.running(let variant, let run)):
        live = run
        liveVariant = variant
        state.checkProgressed(.running(variant, run.snapshot))
      case .check(.finished):
        live = nil
      case .reported(let report, let passed, let warnings, let notes):
        live = nil
        writeFrameStatistics()
        state.checkFinished(report, passed: passed, notes: notes)
        state.update(exercises: cards())
        if let warning = warnings.first { state.note(warning) }
        if state.takeQueuedCheck() { startCheck(waker: waker) }
      case .checkError(let sentence):
        live = nil
        state.checkFailed(sentence)
        if state.takeQueuedCheck() { startCheck(waker: waker) }
      case .compared(let exercise, let comparison):
        guard state.card?.name == exercise, !state.phase.isBusy else { break }
        state.compared(difference: comparison.difference, weight: comparison.weight)
        state.setReference(timeline: comparison.timeline)
      case .reference(let exercise, let timeline):
        if state.card?.name == exercise { state.setReference(timeline: timeline) }
      case .saved:
        if LiveRun.now() >= ignoreSavesUntil { saveDue = LiveRun.now() + saveDebounce }
      }
    }
  }

  /// With `WORKSHOP_START_STATS=FILE`, appends how the screen kept up during the check that ended.
  private func writeFrameStatistics() {
    defer { frames = FrameStatistics() }
    guard let path = environment["WORKSHOP_START_STATS"], !path.isEmpty, !frames.isEmpty else { return }
    let line = "\(state.width)x\(state.height) \(frames.summary)\n"
    let descriptor = Glibc.open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
    guard descriptor >= 0 else { return }
    defer { close(descriptor) }
    _ = Array(line.utf8).withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
  }

  // MARK: - The editor

  /// Opens the learner's file in `$VISUAL` or `$EDITOR` at the line the report points at, and takes
  /// the screen back when the editor ends.
  private func edit(_ exercise: Exercise, screen: Screen) {
    guard let editor = [environment["VISUAL"], environment["EDITOR"]].compactMap({ $0 }).first(where: { !$0.isEmpty })
    else {
      state.note("set $EDITOR (or $VISUAL) to open your file from here")
      return
    }
    // The file and line of the frame selected in the explorer, else the report's first in a learner file.
    let names = Set(exercise.manifest.files.map { URL(fileURLWithPath: $0).lastPathComponent })
    let selected = state.selectedLine(inFiles: names)
    guard
      let file = exercise.learnerFiles.first(where: { $0.hasSuffix("/" + (selected?.file ?? "")) })
        ?? exercise.learnerFiles.first
    else { return }
    let line = selected?.line ?? reportedLine(in: URL(fileURLWithPath: file).lastPathComponent) ?? 1
    screen.suspend()
    let launch = ProcessLaunch(
      arguments: ["sh", "-c", editor + " \"$@\"", "sh", "+\(line)", exercise.path(file)], environment: environment)
    if let pid = try? launch.spawn() { _ = try? ProcessLaunch.waitStatus(of: pid) }
    screen.resume()
    if let size = Terminal.windowSize(of: STDOUT_FILENO), size != (screen.width, screen.height) {
      screen.resize(width: size.width, height: size.height)
    }
    state.resize(width: screen.width, height: screen.height)
  }

  /// The line of `file` in the first top stack of the last report, if it names one.
  private func reportedLine(in file: String) -> Int? {
    guard case .finished(let report, _) = state.phase else { return nil }
    for frame in report.topStacks.flatMap(\.frames) {
      guard let range = frame.range(of: "(\(file):") else { continue }
      let digits = frame[range.upperBound...].prefix { $0.isNumber }
      if let line = Int(digits) { return line }
    }
    return nil
  }
}
