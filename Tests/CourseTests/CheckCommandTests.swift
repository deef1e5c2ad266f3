import Foundation
import Testing
import WorkshopTestSupport

/// `workshop check` as a learner meets it, on copies of the fixture course.
@Suite("workshop check")
struct CheckCommandTests {
  @Test("a shipped exercise fails for its memory: the limit sentence, stacks, chart, icicle, the solution's measure")
  func failsOverTheLimit() throws {
    let course = try CourseCopy()
    let result = try course.workshop("check", "exercise_1")
    #expect(result.status == 1, "\(result.all)")
    let output = result.standardOutput
    #expect(output.hasPrefix("FAILED exercise_1: Squares without the array\n"))
    #expect(output.contains("the workload was limited to 64.0 KiB but peaked at "))
    #expect(output.contains("correctness: all 2 cases passed"))
    #expect(output.contains("top stacks at the workload's peak"))
    #expect(output.contains("squares(count:) (Squares.swift:"), "file:line in the learner's file")
    #expect(output.contains("reference solution"))
    #expect(output.contains("memory over time"))
    #expect(output.contains("64.0 KiB +") && output.contains("= limit"), "the limit drawn as a line across the heap")
    #expect(output.contains("[exercise_1 "), "the icicle's root")
    #expect(output.contains("peak of the workload: "), "the icicle's legend")
    #expect(output.contains("workshop flamegraph .workshop/captures/exercise_1.bin --native"))
    #expect(output.contains("workshop summary .workshop/captures/exercise_1.bin"))
    #expect(!output.contains("\u{1B}["), "no colour into a pipe")
    #expect(FileManager.default.fileExists(atPath: course.url(".workshop/captures/exercise_1.bin").path))
    let entry = try course.progress(of: "exercise_1")
    #expect(entry["state"] as? String == "failed")
    #expect((entry["lastMeasured"] as? Int ?? 0) > 65536)
    #expect(entry["limit"] as? Int == 65536)
    #expect(entry["lastCapture"] as? String == ".workshop/captures/exercise_1.bin")
  }

  @Test("the solution's code passes, and a second check does not compile again")
  func passesAndCaches() throws {
    let course = try CourseCopy()
    try course.write("Exercises/exercise_1/Squares.swift", try course.read("Solutions/exercise_1/Squares.swift"))
    // A cache of its own: in the shared one, other tests' builds of exercise 1 could make this build
    // the oldest and prune it between the two checks on a loaded machine.
    let cache = ["WORKSHOP_BUILD_CACHE": try TestEnvironment.scratchFolder("build-cache").path]
    let first = try course.workshop("check", "1", environment: cache)
    #expect(first.status == 0, "\(first.all)")
    #expect(first.standardOutput.hasPrefix("PASSED exercise_1: Squares without the array: peak "))
    #expect(first.standardOutput.contains("within the limit of 64.0 KiB"))
    #expect(
      first.standardOutput.contains("workshop lesson 2    (Lesson 2: Cycles)"), "the next exercise's lesson first")
    #expect(first.standardOutput.contains("workshop check 2"), "what to do next")
    let second = try course.workshop("check", "1", environment: cache)
    #expect(second.status == 0)
    #expect(!second.standardError.contains("compiling"), "an unchanged exercise is not compiled again")
    #expect(try course.progress(of: "exercise_1")["state"] as? String == "passed")
  }

  @Test("leaks and allocation counts are judged in their own words")
  func otherMeasures() throws {
    let course = try CourseCopy()
    let leaks = try course.workshop("check", "2")
    #expect(leaks.status == 1, "\(leaks.all)")
    #expect(leaks.standardOutput.contains("limited to 1.0 KiB of leaked memory but leaked "))
    #expect(leaks.standardOutput.contains("top stacks leaked by the workload"))
    #expect(leaks.standardOutput.contains("leaked by the workload: "), "the icicle is of the leaks")
    #expect(leaks.standardOutput.contains("workshop flamegraph .workshop/captures/exercise_2.bin --leaks --native"))
    #expect(leaks.standardOutput.contains("workshop summary .workshop/captures/exercise_2.bin --leaks"))
    #expect(!leaks.standardOutput.contains("exercise_2.bin --native"), "no peak view for a leaks limit")
    let counts = try course.workshop("check", "exercise_3")
    #expect(counts.status == 1, "\(counts.all)")
    #expect(counts.standardOutput.contains("limited to 100 allocations but made 10,000"))
    #expect(counts.standardOutput.contains("top stacks that made the workload's allocations"))
    #expect(counts.standardOutput.contains("allocations of the workload: 10,000 allocations"), "the icicle counts")
    #expect(
      counts.standardOutput.contains(
        "workshop flamegraph .workshop/captures/exercise_3.bin --temporary-allocations --native"))
    #expect(counts.standardOutput.contains("workshop summary .workshop/captures/exercise_3.bin --sort count"))
  }

  @Test("a compile error shows the compiler's diagnostics with paths relative to the course")
  func compileError() throws {
    let course = try CourseCopy()
    try course.write(
      "Exercises/exercise_1/Squares.swift",
      "func squares(count: Int) -> [Int] {\n  return undefinedName\n}\n")
    let result = try course.workshop("check", "1")
    #expect(result.status == 1)
    #expect(result.standardOutput.contains("it does not compile; the compiler said:"))
    #expect(result.standardOutput.contains("Exercises/exercise_1/Squares.swift:2"))
    #expect(result.standardOutput.contains("undefinedName"))
    #expect(!result.standardOutput.contains(course.folder.path), "paths are relative")
    #expect(try course.progress(of: "exercise_1")["state"] as? String == "failed")
  }

  @Test("a failing correctness case is reported with its expected and actual values")
  func failingCase() throws {
    let course = try CourseCopy()
    try course.write(
      "Exercises/exercise_1/Squares.swift",
      "func squares(count: Int) -> [Int] { (0..<count).map { $0 * 2 } }\n")
    let result = try course.workshop("check", "1")
    #expect(result.status == 1)
    #expect(result.standardOutput.contains("1 of 2 correctness cases failed"))
    #expect(result.standardOutput.contains("case \"the first five squares\""))
    #expect(result.standardOutput.contains("expected [0, 1, 4, 9, 16]"))
    #expect(result.standardOutput.contains("actual   [0, 2, 4, 6, 8]"))
  }

  @Test("a crash names the signal and shows the program's last words")
  func crash() throws {
    let course = try CourseCopy()
    try course.write(
      "Exercises/exercise_1/Squares.swift",
      "func squares(count: Int) -> [Int] {\n  let values: [Int] = []\n  return [values[count]]\n}\n")
    let result = try course.workshop("check", "1")
    #expect(result.status == 1)
    #expect(result.standardOutput.contains("it crashed: the program was killed by SIG"), "\(result.all)")
    #expect(result.standardOutput.contains("Fatal error: Index out of range"))
    #expect(result.standardOutput.contains("squares(count:)"), "the crashed thread's backtrace")
  }

  @Test("an endless loop is stopped at the time bound")
  func endlessLoop() throws {
    let course = try CourseCopy()
    try course.setManifest("exercise_1", ["timeLimitSeconds": 1.5])
    try course.write(
      "Exercises/exercise_1/Squares.swift",
      """
      func squares(count: Int) -> [Int] {
        if count < 1000 { return (0..<count).map { $0 * $0 } }
        var spin = 0
        while spin >= 0 { spin = (spin &+ 1) & 0xffff }
        return []
      }

      """)
    let result = try course.workshop("check", "1")
    #expect(result.status == 1)
    #expect(result.standardOutput.contains("past the time bound of 1.5 s: does a loop never end?"), "\(result.all)")
    #expect(result.seconds < 15, "stopped, not waited for")
  }

  @Test("unbounded growth is stopped at the memory bound, the machine never swaps")
  func unboundedGrowth() throws {
    let course = try CourseCopy()
    try course.setManifest("exercise_1", ["memoryBoundBytes": 200 << 20])
    try course.write(
      "Exercises/exercise_1/Squares.swift",
      """
      var hoard: [[Int]] = []
      func squares(count: Int) -> [Int] {
        if count < 1000 { return (0..<count).map { $0 * $0 } }
        while true { hoard.append(Array(repeating: count, count: 1 << 16)) }
      }

      """)
    let result = try course.workshop("check", "1")
    #expect(result.status == 1)
    #expect(result.standardOutput.contains("over the memory bound of 200.0 MiB"), "\(result.all)")
    #expect(result.standardOutput.contains("does something grow"), "the question, wrapped at words at 100 columns")
    #expect(result.standardOutput.contains("memory over time"))
  }

  @Test("bad input names what exists, in one sentence")
  func unknownExercise() throws {
    let course = try CourseCopy()
    for argument in ["exercise_9", "banana"] {
      let result = try course.workshop("check", argument)
      #expect(result.status != 0)
      #expect(
        result.standardError.contains(
          "there is no exercise \"\(argument)\": the course has exercise_1, exercise_2 and exercise_3"))
      #expect(result.standardError.split(separator: "\n").count == 1)
    }
  }

  @Test("a damaged progress file is reported in one sentence, kept aside and rebuilt")
  func damagedProgress() throws {
    let course = try CourseCopy()
    try course.write(".workshop/progress.json", "{\"version\": 1, \"exercises\": {\"exercise_1\": ")
    let list = try course.workshop("list")
    #expect(list.status == 0, "\(list.all)")
    #expect(
      list.standardError.contains(
        ".workshop/progress.json was damaged (it is not valid JSON): it is kept as .workshop/progress.json.damaged"))
    #expect(try course.read(".workshop/progress.json.damaged").hasPrefix("{\"version\": 1"))
    #expect(try course.progress()["version"] as? Int == 1, "rebuilt")
    try course.write(".workshop/progress.json", "[1, 2, 3]")
    let hint = try course.workshop("hint", "1")
    #expect(hint.status == 0)
    #expect(hint.standardError.contains("does not have the expected keys and values"))
    #expect(try course.progress(of: "exercise_1")["hintsRevealed"] as? Int == 1)
  }
}
