import Foundation
import Testing
import WorkshopKit
import WorkshopTestSupport
import MemoryAnalysis

/// The course actions of `CourseSession`, in-process on copies of the fixture course: values in,
/// values out, no terminal and no process output to parse.
@Suite("course session", .timeLimit(.minutes(3)))
struct CourseSessionTests {
  private func session(_ copy: CourseCopy, buildCache: URL = CourseTestEnvironment.sharedBuildCache) throws
    -> CourseSession
  {
    try TestEnvironment.requireProducts()
    return CourseSession(
      course: try Course(folder: copy.folder), trackerLibrary: TestEnvironment.trackerLibrary, buildCache: buildCache)
  }

  /// A check's events, reduced to names: `compiling learner`, `running learner`, `finished`.
  private enum Seen: Equatable {
    case compiling(ExerciseVariant)
    case running(ExerciseVariant)
    case finished
  }

  @Test("a check reports compiling, running (with a live run), finished, in order, and records the result")
  func checkEvents() throws {
    let copy = try CourseCopy()
    // A cache of its own, so that the learner's files are compiled in this test.
    let session = try session(copy, buildCache: try TestEnvironment.scratchFolder().appendingPathComponent("build"))
    let exercise = try session.exercise(named: "1")
    var seen: [Seen] = []
    var snapshotPhases: [LiveRun.Phase] = []
    let outcome = try session.check(exercise) { event in
      switch event {
      case .compiling(let variant): seen.append(.compiling(variant))
      case .running(let variant, let live):
        seen.append(.running(variant))
        snapshotPhases.append(live.snapshot.phase)
      case .finished: seen.append(.finished)
      }
    }
    // The solution compiles beside the learner's files, quietly unless the measure has to wait for it.
    #expect(
      seen.filter { $0 != .compiling(.solution) } == [
        .compiling(.learner), .running(.learner), .running(.solution), .finished,
      ])
    #expect(snapshotPhases.allSatisfy { $0 != .finished }, "the live run is handed over while it runs")
    #expect(outcome.result.verdict == .overLimit)
    #expect((outcome.result.measured ?? 0) > 65_536)
    #expect(outcome.result.solutionMeasured != nil)
    #expect(outcome.capture == ".workshop/captures/exercise_1.bin")
    #expect(
      outcome.nextSteps == [
        .explore(capture: ".workshop/captures/exercise_1.bin", view: .icicle(.peak, native: true)),
        .explore(capture: ".workshop/captures/exercise_1.bin", view: .summary(leaks: false, order: .total)),
        .hint(exercise: 1, hint: 1),
      ])
    let progress = try session.progress().progress["exercise_1"]
    #expect(progress.state == .failed && progress.lastMeasured == outcome.result.measured)
  }

  @Test("a pass says the next exercise not passed yet, and the list once every one has")
  func nextAfterPass() throws {
    let copy = try CourseCopy()
    let session = try session(copy)
    try copy.write("Exercises/exercise_1/Squares.swift", try copy.read("Solutions/exercise_1/Squares.swift"))
    let first = try session.check(try session.exercise(named: "1"))
    #expect(first.result.verdict == .passed)
    #expect(
      first.nextSteps == [
        .lesson(number: 2, title: "Lesson 2: Cycles"), .check(exercise: 2, title: "Cycles that never end"),
      ], "a new exercise starts with its lesson")
    try session.store.update { $0["exercise_2"].state = .failed }
    #expect(
      try session.check(try session.exercise(named: "1")).nextSteps == [
        .check(exercise: 2, title: "Cycles that never end")
      ], "one already tried: check it")
    try session.store.update { progress in
      progress["exercise_2"].state = .passed
      progress["exercise_3"].state = .passed
    }
    #expect(try session.check(try session.exercise(named: "1")).nextSteps == [.list])
  }

  @Test("hints come one at a time, are counted, and the last one points at the solution")
  func hints() throws {
    let copy = try CourseCopy()
    let session = try session(copy)
    let exercise = try session.exercise(named: "1")
    let first = try session.revealHint(of: exercise)
    #expect(first.number == 1 && first.count == 2 && first.next == .hint(exercise: 1, hint: 2))
    let second = try session.revealHint(of: exercise)
    #expect(second.number == 2 && second.next == .solution(exercise: 1))
    #expect(try session.revealHint(of: exercise).number == 2, "the last hint again once all are revealed")
    #expect(try session.revealHint(of: exercise, number: 1).number == 1)
    #expect(try session.progress().progress["exercise_1"].hintsRevealed == 2, "hint 1 again lowers nothing")
    #expect(throws: WorkshopError.hintOutOfRange(exercise: "exercise_1", asked: 3, count: 2)) {
      try session.revealHint(of: exercise, number: 3)
    }
  }

  @Test("a solution asks first until the exercise has passed or its solution was shown")
  func solutionGate() throws {
    let copy = try CourseCopy()
    let session = try session(copy)
    let first = try session.exercise(named: "1")
    #expect(try session.solutionNeedsConfirmation(first))
    let reveal = try session.revealSolution(of: first)
    #expect(reveal.files.map(\.solutionPath) == ["Solutions/exercise_1/Squares.swift"])
    #expect(reveal.files.first?.code == (try copy.read("Solutions/exercise_1/Squares.swift")))
    #expect(reveal.lesson?.solutions.count == 1)
    #expect(try !session.solutionNeedsConfirmation(first), "shown once, shown without asking")
    #expect(try session.progress().progress["exercise_1"].solutionRevealed)
    let second = try session.exercise(named: "2")
    try session.store.update { $0["exercise_2"].passedOnce = true }
    #expect(try !session.solutionNeedsConfirmation(second), "passed once: no question")
    let diff = try #require(try session.unifiedDiff(from: first.learnerFiles[0], to: first.solutionFiles[0]))
    #expect(diff.hasPrefix("--- Exercises/exercise_1/Squares.swift\n+++ Solutions/exercise_1/Squares.swift\n"))
  }

  @Test("reset restores the shipped file, keeps the learner's as a backup, and marks the exercise new")
  func reset() throws {
    let copy = try CourseCopy()
    let session = try session(copy)
    let exercise = try session.exercise(named: "1")
    let shipped = try copy.read("Exercises/exercise_1/Squares.swift")
    #expect(try session.changedFiles(of: exercise).isEmpty)
    #expect(try session.reset(exercise) == nil, "nothing to reset")
    try copy.write("Exercises/exercise_1/Squares.swift", "// mine\n")
    try session.store.update { $0["exercise_1"].state = .failed }
    #expect(try session.changedFiles(of: exercise) == ["Exercises/exercise_1/Squares.swift"])
    let result = try #require(try session.reset(exercise))
    #expect(result.restored == ["Exercises/exercise_1/Squares.swift"])
    #expect(try copy.read("Exercises/exercise_1/Squares.swift") == shipped)
    #expect(try copy.read((result.backup ?? "") + "/Squares.swift") == "// mine\n")
    #expect(try session.progress().progress["exercise_1"].state == .new)
  }

  @Test("reset of a learner file that is missing names no backup folder")
  func resetMissingFile() throws {
    let copy = try CourseCopy()
    let session = try session(copy)
    let exercise = try session.exercise(named: "1")
    #expect(try session.changedFiles(of: exercise).isEmpty, "the originals are kept first")
    try FileManager.default.removeItem(at: copy.url("Exercises/exercise_1/Squares.swift"))
    let result = try #require(try session.reset(exercise))
    #expect(result.restored == ["Exercises/exercise_1/Squares.swift"])
    #expect(result.backup == nil)
    #expect(!FileManager.default.fileExists(atPath: copy.url(".workshop/backups/exercise_1").path))
  }

  @Test("a backup folder that cannot be made is named, with why")
  func resetUnwritableBackup() throws {
    let copy = try CourseCopy()
    let session = try session(copy)
    let exercise = try session.exercise(named: "1")
    #expect(try session.changedFiles(of: exercise).isEmpty, "the originals are kept first")
    try copy.write("Exercises/exercise_1/Squares.swift", "// mine\n")
    // A file where the backups folder should be.
    try FileManager.default.createDirectory(at: copy.url(".workshop"), withIntermediateDirectories: true)
    try copy.write(".workshop/backups", "not a folder\n")
    let error = #expect(throws: WorkshopError.self) { try session.reset(exercise) }
    let text = error?.description ?? ""
    #expect(text.contains(".workshop/backups: it is a file, not a folder"), "\(text)")
    #expect(!text.contains("NSCocoaErrorDomain"))
    #expect(try copy.read("Exercises/exercise_1/Squares.swift") == "// mine\n", "nothing restored without a backup")
  }

  @Test("the list's rows and the next exercise")
  func listing() throws {
    let copy = try CourseCopy()
    let session = try session(copy)
    let fresh = try session.listing()
    #expect(fresh.rows.map(\.exercise.name) == ["exercise_1", "exercise_2", "exercise_3"])
    #expect(fresh.rows.map(\.hintCount) == [2, 2, 2])
    #expect(fresh.passedCount == 0)
    #expect(
      fresh.next == [
        .lesson(number: 1, title: "Lesson 1: Squares"), .check(exercise: 1, title: "Squares without the array"),
      ])
    try session.store.update { progress in
      progress["exercise_1"].state = .passed
      progress["exercise_1"].hintsRevealed = 50
    }
    let later = try session.listing()
    #expect(later.passedCount == 1)
    #expect(later.rows[0].hintsRevealed == later.rows[0].hintCount, "never more hints than there are")
    #expect(
      later.next == [
        .lesson(number: 2, title: "Lesson 2: Cycles"), .check(exercise: 2, title: "Cycles that never end"),
      ]
    )
    let progress = try session.progress().progress
    #expect(session.nextExercise(in: progress)?.name == "exercise_2")
    #expect(try session.currentExercise(in: progress).name == "exercise_2")
  }
}
