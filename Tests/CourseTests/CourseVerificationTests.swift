import Foundation
import Rendering
import Testing
import WorkshopTestSupport
import WorkshopKit

/// The course verification: every exercise fails as shipped for its memory reason with its
/// correctness passing, its solution passes, both by a margin of at least 20 % (shipped ≥ 1.2 × the
/// limit, solution ≤ 0.8 × the limit, docs/course-format.md), and its lesson has at least two hints
/// and two solution blocks (the reference solution and an alternative). The margins must hold in the debug build every check uses and in an
/// optimized one: a lesson's point that only the debug build shows is not taught.
@Suite("course verification")
struct CourseVerificationTests {
  @Test("every exercise in the repository's Exercises/, in the debug build checks use")
  func repositoryCourse() async throws {
    let course = try Course(folder: TestEnvironment.repositoryRoot)
    try #require(!course.exercises.isEmpty, "the repository's course has no exercises")
    try await verify(course, name: "the course", lessonSolutions: 2)
  }

  @Test("every exercise in the repository's Exercises/, built with -O")
  func repositoryCourseOptimized() async throws {
    let course = try Course(folder: TestEnvironment.repositoryRoot)
    try #require(!course.exercises.isEmpty, "the repository's course has no exercises")
    try await verify(course, name: "the course, built with -O", extraFlags: ["-O"])
  }

  @Test("every exercise of the fixture course (the verification itself, before any content lands)")
  func fixtureCourse() async throws {
    let copy = try CourseCopy()
    try await verify(try Course(folder: copy.folder), name: "the fixture course")
  }

  /// One row of the table.
  struct Row {
    var exercise: String
    var limit: String
    var shipped: String
    var solution: String
  }

  /// Checks every exercise of `course` as shipped and solved, built with ``ExerciseBuilder/flags``
  /// and `extraFlags`; the lessons are checked once, with the debug build, for at least two hints
  /// and `lessonSolutions` solution blocks (the course's: the reference and an alternative).
  private func verify(
    _ course: Course, name: String, extraFlags: [String] = [], lessonSolutions: Int = 1
  ) async throws {
    let checker = ExerciseChecker(
      builder: ExerciseBuilder(cacheFolder: CourseTestEnvironment.sharedBuildCache, extraFlags: extraFlags),
      runner: ExerciseRunner(trackerLibrary: TestEnvironment.trackerLibrary))
    let scratch = try TestEnvironment.scratchFolder("verification" + extraFlags.joined())
    let results = try await withOwnThread {
      try course.exercises.map { exercise in
        (
          shipped: try checker.check(
            exercise, variant: .learner, capturePath: scratch.appendingPathComponent("\(exercise.name).bin").path),
          solution: try checker.check(
            exercise, variant: .solution,
            capturePath: scratch.appendingPathComponent("\(exercise.name)-solution.bin").path)
        )
      }
    }
    var rows: [Row] = []
    for (exercise, (shipped, solution)) in zip(course.exercises, results) {
      let limit = exercise.manifest.limit
      let measure = CheckReportText.Measure(rawValue: limit.measure.rawValue) ?? .peak
      let name =
        "\(exercise.name) (\(exercise.manifest.title))"
        + (extraFlags.isEmpty ? "" : " with \(extraFlags.joined(separator: " "))")

      #expect(shipped.verdict == .overLimit, "\(name): shipped: \(shipped.verdict) \(shipped.diagnostics ?? "")")
      #expect(shipped.failedCases.isEmpty, "\(name): shipped: its correctness cases pass")
      #expect((shipped.run?.cases.count ?? 0) > 0, "\(name): it has correctness cases")
      if let measured = shipped.measured {
        #expect(
          Double(measured) >= 1.2 * Double(limit.value),
          "\(name): shipped measures \(measured), less than 1.2 × the limit \(limit.value)")
      }
      #expect(solution.verdict == .passed, "\(name): solution: \(solution.verdict) \(solution.diagnostics ?? "")")
      if let measured = solution.measured {
        #expect(
          Double(measured) <= 0.8 * Double(limit.value),
          "\(name): the solution measures \(measured), more than 0.8 × the limit \(limit.value)")
      }
      if extraFlags.isEmpty {
        let lesson = ExerciseLesson.find(for: exercise, in: course)
        #expect(lesson != nil, "\(name): a lesson says .. exercise:: \(exercise.name)")
        #expect((lesson?.hints.count ?? 0) >= 2, "\(name): its lesson has at least 2 course-hint blocks")
        #expect(
          (lesson?.solutions.count ?? 0) >= lessonSolutions,
          "\(name): its lesson has \(lessonSolutions) solution blocks or more")
      }

      func text(_ value: UInt64?) -> String {
        guard let value else { return "-" }
        let share = limit.value == 0 ? "" : " (\(Int((Double(value) / Double(limit.value) * 100).rounded())) %)"
        return CheckReportText.value(value, of: measure) + share
      }
      rows.append(
        Row(
          exercise: "\(exercise.name) \(limit.measure.rawValue)",
          limit: CheckReportText.value(limit.value, of: measure),
          shipped: text(shipped.measured), solution: text(solution.measured)))
    }
    print(table(rows, title: "course verification of \(name): limits, shipped and solution measures"))
  }

  private func table(_ rows: [Row], title: String) -> String {
    let all = [Row(exercise: "exercise", limit: "limit", shipped: "shipped", solution: "solution")] + rows
    let widths = [
      all.map(\.exercise.count).max()!, all.map(\.limit.count).max()!, all.map(\.shipped.count).max()!,
      all.map(\.solution.count).max()!,
    ]
    func pad(_ text: String, _ width: Int) -> String { text + String(repeating: " ", count: width - text.count) }
    let lines = all.map { row in
      "| "
        + zip([row.exercise, row.limit, row.shipped, row.solution], widths).map { pad($0, $1) }
        .joined(separator: " | ") + " |"
    }
    let rule = "|" + widths.map { String(repeating: "-", count: $0 + 2) }.joined(separator: "|") + "|"
    return ([title, lines[0], rule] + lines.dropFirst()).joined(separator: "\n")
  }
}
