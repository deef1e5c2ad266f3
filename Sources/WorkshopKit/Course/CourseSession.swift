import Foundation
import MemoryAnalysis
import Symbols

/// The course's actions, for every front end: check an exercise, reveal hints and solutions,
/// reset, list. Each action returns values and changes the progress file as the course's rules say;
/// none prints or asks. Questions (reveal a solution before passing? reset?) are the front end's:
/// it asks ``solutionNeedsConfirmation(_:)`` or ``changedFiles(of:)`` first.
public struct CourseSession: Sendable {
  /// The course.
  public var course: Course
  /// Its progress file.
  public var store: ProgressStore
  /// Builds the learner's files and the reference solutions, with their cache.
  public var builder: ExerciseBuilder
  private var trackerLibraryOverride: String?

  /// A session on `course`; the tracker library is found when a check first needs it, unless given.
  ///
  /// - Parameter buildCache: where built programs are kept (``ExerciseBuilder/init(course:environment:)``
  ///   decides by default).
  public init(course: Course, trackerLibrary: String? = nil, buildCache: URL? = nil) {
    self.course = course
    store = ProgressStore(courseFolder: course.folder)
    builder = buildCache.map(ExerciseBuilder.init(cacheFolder:)) ?? ExerciseBuilder(course: course)
    trackerLibraryOverride = trackerLibrary
  }

  /// A session on the course found from the current folder (``Course/locate(environment:currentDirectory:)``).
  public static func locate() throws(WorkshopError) -> CourseSession {
    CourseSession(course: try Course.locate())
  }

  /// The exercise an argument names (``Course/exercise(named:)``).
  public func exercise(named argument: String) throws(WorkshopError) -> Exercise {
    try course.exercise(named: argument)
  }

  // MARK: - Progress

  /// The progress, and one sentence when the file was damaged (it is then kept aside and rebuilt
  /// under the store's lock, see ``ProgressStore/update(_:)``).
  ///
  /// - Throws: ``WorkshopError/progressTooNew(path:version:known:)``: a newer workshop's file is left alone.
  public func progress() throws(WorkshopError) -> (progress: CourseProgress, warnings: [String]) {
    var (progress, damage) = try store.load()
    guard damage != nil else { return (progress, []) }
    return (progress, updateProgress { progress = $0 })
  }

  /// Changes the progress file; returns one sentence when the old file was damaged or the new one
  /// could not be written (neither stops the action).
  @discardableResult
  func updateProgress(_ change: (inout CourseProgress) -> Void) -> [String] {
    do {
      return try store.update(change).map { [$0] } ?? []
    } catch {
      return ["\(error); this is not remembered"]
    }
  }

  /// The first exercise whose last check did not pass, or nil when every one has passed.
  public func nextExercise(in progress: CourseProgress) -> Exercise? {
    course.exercises.first { progress[$0.name].state != .passed }
  }

  /// The exercise to work on: the first not passed yet, else the first.
  ///
  /// - Throws: ``WorkshopError/unknownExercise(_:known:)`` when the course has no exercises.
  public func currentExercise(in progress: CourseProgress) throws(WorkshopError) -> Exercise {
    guard let first = course.exercises.first else { throw .unknownExercise("", known: []) }
    return nextExercise(in: progress) ?? first
  }

  // MARK: - Checking

  /// The capture a check of `exercise` leaves, relative to the course folder.
  public func capturePath(of exercise: Exercise) -> String {
    "\(Course.stateFolderName)/captures/\(exercise.name).bin"
  }

  /// Checks the learner's files of `exercise`: builds them, runs the cases and the workload under
  /// the tracker, measures the reference solution when the verdict is about memory, records the
  /// check in the progress file (not when it was cancelled), and says what to do next.
  ///
  /// - Parameters:
  ///   - cancellation: stops the check from another thread (its verdict is then ``CheckVerdict/cancelled``).
  ///   - events: told, in order, what the check is doing (``CheckEvent``): compiling, running (with
  ///     the live run), possibly the same for the reference solution, then finished.
  public func check(
    _ exercise: Exercise, cancellation: CheckCancellation = CheckCancellation(), events: (CheckEvent) -> Void = { _ in }
  ) throws -> CheckOutcome {
    // The program of a cancelled check is stopped the moment it starts.
    func report(_ event: CheckEvent) {
      if case .running(_, let run) = event { cancellation.started(run) }
      events(event)
    }
    LearnerFiles(course: course).snapshotOriginals(of: exercise)
    let checker = ExerciseChecker(builder: builder, runner: ExerciseRunner(trackerLibrary: try trackerLibrary()))
    let capture = capturePath(of: exercise)
    // The reference solution compiles on the other core while the learner's files do: its measure
    // is wanted whenever the verdict is about memory. Its build is cached and locked by key, so
    // the measure below finds it built (or waits for it).
    let solutionBuilt = DispatchSemaphore(value: 0)
    let solutionBuilder = builder
    Thread.detachNewThread {
      _ = try? solutionBuilder.build(exercise, variant: .solution)
      solutionBuilt.signal()
    }
    defer { solutionBuilt.wait() }
    var result = try checker.check(
      exercise, capturePath: course.folder.appendingPathComponent(capture).path, progress: report)
    // A compiler killed by the Ctrl-C that cancelled the check is no compile error of the learner's.
    if cancellation.isCancelled { result.verdict = .cancelled }
    if result.verdict == .overLimit || result.verdict == .passed {
      result.solutionMeasured = try? checker.solutionMeasure(of: exercise, progress: report)
    }
    let recordedCapture = result.run == nil ? nil : capture
    var warnings: [String] = []
    var attempts: [Attempt] = []
    if result.verdict != .cancelled {
      // Naming one stack starts the symbolizer: only when the workload measured something.
      let topFrame = result.measured == nil ? nil : result.topFrame(symbolizer: Symbolizer.standard().0)
      warnings = updateProgress { progress in
        progress.record(result, capture: recordedCapture, topFrame: topFrame)
        attempts = progress[exercise.name].attempts
      }
    }
    var outcome = CheckOutcome(
      result: result, capture: recordedCapture, nextSteps: [], warnings: warnings, attempts: attempts)
    outcome.nextSteps = nextSteps(after: result, capture: recordedCapture)
    report(.finished(outcome))
    return outcome
  }

  /// After a pass, how to start the next exercise not passed (or, once every one has, the
  /// course's closing lesson and the list); after a failure with a capture to read, the reports that
  /// explain the exercise's measure, and the next hint.
  func nextSteps(after result: CheckResult, capture: String?) -> [NextStep] {
    let exercise = result.exercise
    if result.verdict.passed {
      let progress = (try? store.load().progress) ?? CourseProgress()
      if let next = course.exercises.first(where: { $0.number > exercise.number && progress[$0.name].state != .passed })
      {
        return steps(toWorkOn: next, progress: progress)
      }
      return (closingLesson().map { [NextStep.lesson(number: $0.number, title: $0.title)] } ?? []) + [.list]
    }
    guard let capture, result.run?.profile != nil, result.verdict != .cancelled else { return [] }
    var steps = Self.views(explaining: exercise.manifest.limit.measure).map {
      NextStep.explore(capture: capture, view: $0)
    }
    if let hints = ExerciseLesson.find(for: exercise, in: course)?.hints.count, hints > 0 {
      let revealed = (try? store.load().progress[exercise.name].hintsRevealed) ?? 0
      steps.append(.hint(exercise: exercise.number, hint: min(revealed + 1, hints)))
    }
    return steps
  }

  /// The reports that explain a measure: the peak's icicle for a peak, the leaks' for leaks, the
  /// temporary allocations' for counts (with every native frame: the runtime is where Swift allocates).
  static func views(explaining measure: LimitMeasure) -> [CaptureView] {
    switch measure {
    case .peak: return [.icicle(.peak, native: true), .summary(leaks: false, order: .total)]
    case .leaks: return [.icicle(.leaks, native: true), .summary(leaks: true, order: .total)]
    case .allocations: return [.icicle(.temporary, native: true), .summary(leaks: false, order: .count)]
    case .temporary: return [.icicle(.temporary, native: true)]
    }
  }

  /// How to start on `exercise`: read its lesson first while it was never checked, then check it.
  func steps(toWorkOn exercise: Exercise, progress: CourseProgress) -> [NextStep] {
    let check = NextStep.check(exercise: exercise.number, title: exercise.manifest.title)
    guard progress[exercise.name].state == .new, let lesson = ExerciseLesson.find(for: exercise, in: course)?.lesson
    else { return [check] }
    return [.lesson(number: lesson.number, title: lesson.title), check]
  }

  /// The lesson that closes the course: the last one, when it teaches no exercise and comes after
  /// every lesson that does ("what next").
  public func closingLesson() -> Lesson? {
    let catalog = LessonCatalog(folder: course.folder.appendingPathComponent("Lessons").path)
    let teaching = Set(course.exercises.compactMap { ExerciseLesson.find(for: $0, in: course)?.lesson.number })
    guard let last = catalog.lessons.last, !teaching.contains(last.number), last.number > (teaching.max() ?? 0)
    else { return nil }
    return last
  }

  func trackerLibrary() throws -> String {
    try trackerLibraryOverride ?? TrackerLibrary.locate()
  }
}
