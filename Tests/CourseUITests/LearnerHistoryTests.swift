import Foundation
import Testing
import WorkshopTestSupport

/// The learner's side of issue 12 on the real course in tmux: a guess before the first check, the
/// difference from the solution, a hint that points, and the history of two attempts.
@Suite("workshop start in tmux: history, the solution beside, hints that point", .timeLimit(.minutes(3)))
struct LearnerHistoryTests {
  @Test("fail exercise 1, then pass it: two attempts in the history; d marks fibonacci(count:) as holding more")
  func failThenPass() async throws {
    try await withOwnThread {
      let start = try StartSession(width: 120, height: 36)
      await start.wait(for: "Welcome to the workshop.")
      try start.keys("Space")
      await start.wait(for: "Lesson 1: Fibonacci without the arrays")
      try start.keys("c")
      await start.wait(for: "guess the peak before the first check")
      try start.keys("1", " ", "M", "i", "B", "Enter")
      await start.wait(for: "FAILED exercise_1: Fibonacci without the arrays")
      await start.wait(for: "your guess: peak 1.0 MiB; measured: 3.")
      await start.wait(for: "· 1 check ")
      // The solution was measured by this check: the difference view is there.
      await start.wait(for: "d vs solution")
      try start.keys("d")
      var shown = await start.wait(for: "difference from the solution:")
      #expect(
        shown.contains { _ in true }
          && shown.split(separator: "\n").contains {
            $0.contains("fibonacci(count:) (Fibonacci.swift:19) +") && !$0.contains("evenFibonacci")
          }, "the learner's fibonacci(count:) holds more than the solution's:\n\(shown)")
      for _ in 0..<5 { try start.keys("Down") }
      await start.wait(for: "fibonacci(count:) · Fibonacci.swift:19 · 2.0 MiB")
      shown = await start.wait(for: "more than the solution")
      // A hint that names the frame and the line: the explorer goes there, the lesson shows the line.
      try start.keys("d", "h")
      await start.wait(for: "hint 1 of 3: h shows the next")
      try start.keys("Tab")
      shown = await start.wait(for: "the hint points here: Fibonacci.swift:19")
      #expect(shown.contains("> 19 │     numbers.append(current)"), "\(shown)")
      try start.keys("Tab")
      await start.wait(for: "fibonacci(count:) · Fibonacci.swift:19 · 2.0 MiB")
      // The solution written over the learner's file: checked again with no key pressed.
      let solution = try Data(contentsOf: start.file("Solutions/exercise_1/Fibonacci.swift"))
      try solution.write(to: start.file("Exercises/exercise_1/Fibonacci.swift"))
      await start.wait(for: "PASSED exercise_1")
      shown = await start.wait(for: "· 2 checks ")
      #expect(shown.contains(" best "), "the best measure beside the sparkline:\n\(shown)")
      shown = await start.wait(for: "attempt 2, since the last: peak 3.")
      #expect(shown.contains("`Fibonacci.swift:19` is no longer at the peak"), "\(shown)")
      try start.keys("q")
      await start.wait(for: "EXIT=0")
      let progress = try String(contentsOf: start.file(".workshop/progress.json"), encoding: .utf8)
      #expect(progress.components(separatedBy: "\"verdict\"").count == 3, "two attempts recorded:\n\(progress)")
      #expect(progress.contains("\"guess\" : 1048576"), "\(progress)")
      // workshop list: the best and the last measure, and the checks made.
      let list = try Command.run(
        [TestEnvironment.workshopExecutable, "list"], currentDirectory: start.course, timeLimit: 30)
      let row =
        list.standardOutput.split(separator: "\n").first { $0.split(separator: " ").prefix(2) == ["1", "exercise_1"] }
        ?? ""
      #expect(row.contains("passed") && row.contains(" / 100.0 KiB") && row.contains("  2  "), "\(list.standardOutput)")
      #expect(list.standardOutput.contains("best") && list.standardOutput.contains("tries"))
    }
  }
}
