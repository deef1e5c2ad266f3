import Foundation
import LessonText
import ProcessLaunch

/// A hint as revealed: which of how many, and what to do after it.
public struct HintReveal: Sendable {
  /// The exercise.
  public var exercise: Exercise
  /// The lesson that holds the hint.
  public var lesson: ExerciseLesson
  /// Which hint, from 1.
  public var number: Int
  /// How many hints the exercise has.
  public var count: Int
  /// What to do after it: the next hint, or after the last one the solution.
  public var next: NextStep
  /// Problems with the progress file, one sentence each.
  public var warnings: [String]

  /// The hint's block of the lesson.
  public var hint: Node { lesson.hints[number - 1] }
}

/// An exercise's solution as revealed: the lesson's explanation and the code.
public struct SolutionReveal: Sendable {
  /// One learner file and the solution's version of it.
  public struct File: Sendable {
    /// The learner's file, relative to the course folder.
    public var learnerPath: String
    /// The solution's file, relative to the course folder.
    public var solutionPath: String
    /// The solution's code.
    public var code: String
  }

  /// The exercise.
  public var exercise: Exercise
  /// The lesson, when it has solution blocks (``ExerciseLesson/solutions``).
  public var lesson: ExerciseLesson?
  /// The solution's files, in the exercise's order.
  public var files: [File]
  /// Problems met (no solution block, a progress file not written), one sentence each.
  public var warnings: [String]
}

extension CourseSession {
  /// The lesson of `exercise`, which must have at least one hint.
  ///
  /// - Throws: ``WorkshopError/lessonMissing(exercise:what:)`` naming what is missing.
  public func lessonWithHints(of exercise: Exercise) throws(WorkshopError) -> ExerciseLesson {
    guard let lesson = ExerciseLesson.find(for: exercise, in: course) else {
      throw .lessonMissing(exercise: exercise.name, what: "lesson (no .. exercise:: \(exercise.name))")
    }
    guard !lesson.hints.isEmpty else { throw .lessonMissing(exercise: exercise.name, what: "hints") }
    return lesson
  }

  /// Reveals hint `number` of `exercise`, or the next one not revealed yet (the last one again once
  /// all are), and counts it in the progress file: hints are revealed in order, so the count is the
  /// highest hint shown.
  ///
  /// - Throws: ``WorkshopError/hintOutOfRange(exercise:asked:count:)`` for a number outside the hints.
  public func revealHint(of exercise: Exercise, number: Int? = nil) throws(WorkshopError) -> HintReveal {
    let lesson = try lessonWithHints(of: exercise)
    let count = lesson.hints.count
    if let number, !(1...count).contains(number) {
      throw .hintOutOfRange(exercise: exercise.name, asked: number, count: count)
    }
    var (progress, warnings) = try self.progress()
    let revealed = progress[exercise.name].hintsRevealed
    let shown = number ?? min(revealed + 1, count)
    warnings += updateProgress { progress in
      progress[exercise.name].hintsRevealed = max(progress[exercise.name].hintsRevealed, shown)
    }
    let next: NextStep =
      shown < count ? .hint(exercise: exercise.number, hint: shown + 1) : .solution(exercise: exercise.number)
    let lessonFile = "Lessons/" + URL(fileURLWithPath: lesson.lesson.path).lastPathComponent
    if let problem = HintTarget.parse(lesson.hints[shown - 1], lessonFile: lessonFile).problem {
      warnings.append(problem)
    }
    return HintReveal(exercise: exercise, lesson: lesson, number: shown, count: count, next: next, warnings: warnings)
  }

  /// Whether the front end must ask before showing the solution of `exercise`: until it has
  /// passed once (or its solution was shown before), a solution gives the answer away.
  public func solutionNeedsConfirmation(_ exercise: Exercise) throws(WorkshopError) -> Bool {
    let entry = try progress().progress[exercise.name]
    return !entry.passedOnce && !entry.solutionRevealed
  }

  /// The solution of `exercise`, and remembers that it was shown. Ask first when
  /// ``solutionNeedsConfirmation(_:)`` says so.
  ///
  /// - Throws: ``WorkshopError/exerciseFileMissing(path:)`` when a solution file is missing.
  public func revealSolution(of exercise: Exercise) throws(WorkshopError) -> SolutionReveal {
    var warnings: [String] = []
    let lesson = ExerciseLesson.find(for: exercise, in: course).flatMap { $0.solutions.isEmpty ? nil : $0 }
    if lesson == nil {
      warnings.append("\(WorkshopError.lessonMissing(exercise: exercise.name, what: "solution block"))")
    }
    var files: [SolutionReveal.File] = []
    for (learner, solution) in zip(exercise.learnerFiles, exercise.solutionFiles) {
      guard let code = FileManager.default.contents(atPath: exercise.path(solution)) else {
        throw .exerciseFileMissing(path: solution)
      }
      files.append(
        SolutionReveal.File(learnerPath: learner, solutionPath: solution, code: String(decoding: code, as: UTF8.self)))
    }
    warnings += updateProgress { $0[exercise.name].solutionRevealed = true }
    return SolutionReveal(exercise: exercise, lesson: lesson, files: files, warnings: warnings)
  }

  /// `diff -u` from the learner's file to the solution's (paths relative to the course folder), or
  /// nil when they are the same.
  ///
  /// - Throws: ``WorkshopError/programNotStarted(program:reason:)`` when `diff` cannot run or fails.
  public func unifiedDiff(from learner: String, to solution: String) throws(WorkshopError) -> String? {
    let output = FileManager.default.temporaryDirectory.appendingPathComponent("workshop-diff-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: output) }
    let status: ExitStatus
    do {
      status = try ChildProcess.run(
        ["diff", "-u", "--label", learner, "--label", solution, learner, solution], in: course.folder.path,
        outputPath: output.path)
    } catch {
      throw .programNotStarted(program: "diff", reason: error.reason)
    }
    let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
    switch status {
    case .exited(0): return nil
    case .exited(1): return text
    default:
      let reason = text.trimmingCharacters(in: .whitespacesAndNewlines)
      throw .programNotStarted(program: "diff", reason: reason.isEmpty ? "it \(status)" : reason)
    }
  }
}
