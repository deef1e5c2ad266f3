import Foundation
import Testing
import WorkshopTestSupport

/// `workshop hint`, `solution`, `list` and `reset` on copies of the fixture course.
@Suite("workshop hint, solution, list and reset")
struct CourseCommandTests {
  @Test("hint reveals the next hint, hint N shows hint N, and the count is remembered")
  func hints() throws {
    let course = try CourseCopy()
    let first = try course.workshop("hint", "1")
    #expect(first.status == 0, "\(first.all)")
    #expect(first.standardOutput.hasPrefix("Hint 1 of 2 for exercise_1 (Squares without the array):"))
    #expect(first.standardOutput.contains("Does the caller need every square at once?"))
    #expect(first.standardOutput.contains("workshop hint 1"), "how to get the next")
    let second = try course.workshop("hint", "exercise_1")
    #expect(second.standardOutput.hasPrefix("Hint 2 of 2"))
    #expect(second.standardOutput.contains("The shape of the fix"))
    #expect(
      second.standardOutput.contains("That was the last hint; `workshop solution 1` shows a solution."),
      "the last hint, shown for the first time, points at the solution")
    #expect(!second.standardOutput.contains("The next hint"))
    let again = try course.workshop("hint", "1")
    #expect(again.standardOutput.contains("That was the last hint"))
    let chosen = try course.workshop("hint", "1", "1")
    #expect(chosen.standardOutput.hasPrefix("Hint 1 of 2"))
    #expect(try course.progress(of: "exercise_1")["hintsRevealed"] as? Int == 2)
  }

  @Test("a hint that points shows its line of the learner's file and names the frame; a line past the end shows none")
  func pointedHint() throws {
    let course = try CourseCopy()
    let lesson = "Lessons/01-squares.rst"
    let pointed = try course.read(lesson).replacingOccurrences(
      of: ".. course-hint::\n\n   Does the caller",
      with: ".. course-hint::\n   :frame: squares(count:)\n   :line: Squares.swift:5\n\n   Does the caller")
    try #require(pointed != (try course.read(lesson)), "the fixture's first hint moved")
    try course.write(lesson, pointed)
    let first = try course.workshop("hint", "1", "1")
    #expect(first.status == 0, "\(first.all)")
    #expect(first.standardOutput.contains("It points at Squares.swift:5:\n"), "\(first.all)")
    #expect(first.standardOutput.contains("  > 5 │     result.append(number * number)\n"), "\(first.all)")
    #expect(first.standardOutput.contains("    4 │   for number in 0..<count {\n"), "the line before")
    #expect(first.standardOutput.contains("In the icicle of `workshop check 1`, look for squares(count:)."))
    try course.write(lesson, pointed.replacingOccurrences(of: "Squares.swift:5", with: "Squares.swift:500"))
    let past = try course.workshop("hint", "1", "1")
    #expect(past.status == 0, "\(past.all)")
    #expect(!past.standardOutput.contains("It points at"), "no such line: no excerpt")
  }

  @Test("a huge hint count in the progress file neither crashes hint nor shows in list")
  func hugeHintCount() throws {
    let course = try CourseCopy()
    try course.write(
      ".workshop/progress.json",
      #"{"version": 1, "exercises": {"exercise_1": {"hintsRevealed": 9223372036854775807}}}"#)
    let hint = try course.workshop("hint", "1")
    #expect(hint.status == 0, "\(hint.all)")
    #expect(hint.standardOutput.hasPrefix("Hint 2 of 2"))
    let list = try course.workshop("list")
    #expect(list.status == 0, "\(list.all)")
    let row1 = try #require(list.standardOutput.split(separator: "\n").first { $0.contains("exercise_1") })
    #expect(row1.contains(" 2/2 "), "\(row1)")
    #expect(!list.standardOutput.contains("9223372036854775807"))
  }

  @Test("a progress file of a newer workshop is refused in one sentence and left as it is")
  func progressFromNewerWorkshop() throws {
    let course = try CourseCopy()
    let newer = #"{"version": 2, "exercises": {"exercise_1": {"hintsRevealed": 1}}}"#
    try course.write(".workshop/progress.json", newer)
    for arguments in [["list"], ["hint", "1"]] {
      let result = try Command.run(
        [TestEnvironment.workshopExecutable] + arguments,
        environment: ["WORKSHOP_COURSE_DIR": course.folder.path], currentDirectory: course.folder)
      #expect(result.status == 1, "\(result.all)")
      #expect(
        result.standardError.contains(
          ".workshop/progress.json was written by a newer workshop (format version 2; this one reads 1): "
            + "update workshop, or move the file aside to start afresh"), "\(result.all)")
      #expect(result.standardError.split(separator: "\n").count == 1, "\(result.all)")
    }
    #expect(try course.read(".workshop/progress.json") == newer, "not wiped")
    #expect(!FileManager.default.fileExists(atPath: course.url(".workshop/progress.json.damaged").path))
  }

  @Test("--width out of range is one sentence quoting it, for every command that lays text out")
  func widthOutOfRange() throws {
    let course = try CourseCopy()
    let cases: [(arguments: [String], width: String, minimum: Int)] = [
      (["lesson", "1"], "9223372036854775807", 20), (["lesson", "1"], "4294967296", 20), (["lesson", "1"], "0", 20),
      (["hint", "1"], "-3", 20), (["solution", "1", "--yes"], "0", 20),
      (["check", "1"], "9223372036854775807", 40), (["check", "1"], "39", 40),
      (["flamegraph", "missing.bin"], "9223372036854775807", 20), (["flamegraph", "missing.bin"], "1001", 20),
    ]
    for (arguments, width, minimum) in cases {
      let result = try Command.run(
        [TestEnvironment.workshopExecutable] + arguments + ["--width=\(width)"],
        environment: ["WORKSHOP_COURSE_DIR": course.folder.path], currentDirectory: course.folder)
      #expect(result.status == 64, "\(arguments) \(width): \(result.all)")
      #expect(
        result.standardError.contains("Error: --width \(width) is out of range: give \(minimum) to 1000 columns\n"),
        "\(arguments) \(width): \(result.all)")
    }
    let widest = try course.workshop("lesson", "1", "--width=1000")
    #expect(widest.status == 0, "\(widest.all)")
    let huge = try course.workshop("hint", "1", environment: ["COLUMNS": "9223372036854775807"])
    #expect(huge.status == 0, "a huge COLUMNS is clamped: \(huge.all)")
  }

  @Test("a course with two folders of one number, or a signed number, is told in one sentence")
  func duplicateExerciseNumbers() throws {
    let course = try CourseCopy()
    try FileManager.default.copyItem(at: course.url("Exercises/exercise_3"), to: course.url("Exercises/exercise_+4"))
    let signed = try course.workshop("list")
    #expect(signed.status == 0, "\(signed.all)")
    #expect(!signed.standardOutput.contains("exercise_+4"), "a signed number is no exercise")
    try FileManager.default.copyItem(at: course.url("Exercises/exercise_1"), to: course.url("Exercises/exercise_01"))
    let result = try course.workshop("list")
    #expect(result.status == 1)
    #expect(
      result.standardError.contains(
        "Exercises/exercise_01 and Exercises/exercise_1 are both exercise 1: rename one of them"), "\(result.all)")
  }

  @Test("a hint out of range is one sentence naming the count")
  func hintOutOfRange() throws {
    let course = try CourseCopy()
    let result = try course.workshop("hint", "1", "9")
    #expect(result.status != 0)
    #expect(result.standardError.contains("there is no hint 9 for exercise_1: it has hints 1 to 2"))
    let zero = try course.workshop("hint", "1", "0")
    #expect(zero.status != 0)
    #expect(zero.standardError.contains("hints are numbered from 1"))
  }

  @Test("solution refuses before the exercise passed without a terminal, and says how to go ahead")
  func solutionRefused() throws {
    let course = try CourseCopy()
    let result = try course.workshop("solution", "1")
    #expect(result.status == 1)
    #expect(
      result.standardError.contains(
        "showing the solution of exercise_1 before it has passed needs a yes and there is no terminal to ask on: "
          + "add --yes to go ahead"))
    #expect(!result.standardOutput.contains("lazy"))
  }

  @Test("solution --yes shows the explanation and the code; --diff shows a unified diff")
  func solutionShown() throws {
    let course = try CourseCopy()
    let plain = try course.workshop("solution", "1", "--yes")
    #expect(plain.status == 0, "\(plain.all)")
    #expect(plain.standardOutput.contains("A lazy sequence makes each square when the loop asks for it"))
    #expect(plain.standardOutput.contains("Solutions/exercise_1/Squares.swift:"))
    #expect(plain.standardOutput.contains("(0..<count).lazy.map { $0 * $0 }"))
    #expect(try course.progress(of: "exercise_1")["solutionRevealed"] as? Bool == true)
    let diff = try course.workshop("solution", "1", "--diff")
    #expect(diff.status == 0, "revealed once, no need to ask again: \(diff.all)")
    #expect(diff.standardOutput.contains("--- Exercises/exercise_1/Squares.swift"))
    #expect(diff.standardOutput.contains("+++ Solutions/exercise_1/Squares.swift"))
    #expect(diff.standardOutput.contains("-  var result: [Int] = []"))
    #expect(diff.standardOutput.contains("+  (0..<count).lazy.map { $0 * $0 }"))
  }

  @Test("list shows each exercise's state, last measure against its limit, and hints revealed")
  func list() throws {
    let course = try CourseCopy()
    _ = try course.workshop("check", "3")
    _ = try course.workshop("hint", "3")
    let result = try course.workshop("list")
    #expect(result.status == 0, "\(result.all)")
    let lines = result.standardOutput.split(separator: "\n").map(String.init)
    let row1 = try #require(lines.first { $0.contains("exercise_1") })
    let row3 = try #require(lines.first { $0.contains("exercise_3") })
    #expect(row1.contains("new") && row1.contains("peak - / 64.0 KiB") && row1.contains("0/2"))
    #expect(row3.contains("failed") && row3.contains("allocations 10,000 / 100") && row3.contains("1/2"))
    #expect(row3.contains("Boxes for nothing"))
    // The header's columns line up with the rows': each title starts where the header says.
    let header = try #require(lines.first)
    #expect(header.hasPrefix("#  exercise"))
    #expect(
      header.range(of: "title")?.lowerBound.utf16Offset(in: header)
        == row1.range(of: "Squares")?.lowerBound.utf16Offset(in: row1))
    #expect(
      result.standardOutput.contains("0 of 3 exercises passed. Next: workshop lesson 1, then workshop check 1"),
      "a new exercise starts with its lesson")
  }

  @Test("reset asks (or needs --yes), restores the original, keeps one backup and says where it is")
  func reset() throws {
    let course = try CourseCopy()
    let original = try course.read("Exercises/exercise_1/Squares.swift")
    _ = try course.workshop("list")  // the first command snapshots the originals
    let edited = "// my attempt\nfunc squares(count: Int) -> [Int] { [] }\n"
    try course.write("Exercises/exercise_1/Squares.swift", edited)
    let refused = try course.workshop("reset", "1")
    #expect(refused.status == 1)
    #expect(refused.standardError.contains("resetting exercise_1 needs a yes"))
    #expect(try course.read("Exercises/exercise_1/Squares.swift") == edited, "nothing changed without a yes")
    let result = try course.workshop("reset", "exercise_1", "--yes")
    #expect(result.status == 0, "\(result.all)")
    #expect(result.standardOutput.contains("restored Exercises/exercise_1/Squares.swift"))
    #expect(try course.read("Exercises/exercise_1/Squares.swift") == original)
    let backups = course.url(".workshop/backups/exercise_1")
    let stamps = try FileManager.default.contentsOfDirectory(atPath: backups.path)
    #expect(stamps.count == 1)
    let backup = backups.appendingPathComponent(stamps[0]).appendingPathComponent("Squares.swift")
    #expect(try String(contentsOf: backup, encoding: .utf8) == edited, "the learner's code is never lost")
    #expect(result.standardOutput.contains("your version is kept in .workshop/backups/exercise_1/\(stamps[0])/"))
    let again = try course.workshop("reset", "1", "--yes")
    #expect(again.standardOutput.contains("already as shipped"))
  }

  @Test("reset that fails on a later file says what was restored and where the backup is")
  func resetFailsHalfway() throws {
    let course = try CourseCopy()
    try course.setManifest("exercise_1", ["files": ["Squares.swift", "Extra.swift"]])
    try course.write("Exercises/exercise_1/Extra.swift", "// extra\n")
    _ = try course.workshop("list")  // snapshots both originals
    let edited = "// my attempt\n"
    try course.write("Exercises/exercise_1/Squares.swift", edited)
    // A folder where Extra.swift was: it cannot be replaced by a file.
    try FileManager.default.removeItem(at: course.url("Exercises/exercise_1/Extra.swift"))
    try course.write("Exercises/exercise_1/Extra.swift/inside", "x")
    let result = try course.workshop("reset", "1", "--yes")
    #expect(result.status == 1, "\(result.all)")
    let stamps = try FileManager.default.contentsOfDirectory(atPath: course.url(".workshop/backups/exercise_1").path)
    try #require(stamps.count == 1)
    #expect(
      result.standardError.contains(
        "could not restore Exercises/exercise_1/Extra.swift (")
        && result.standardError.contains(
          "; Exercises/exercise_1/Squares.swift was restored: your version is kept in "
            + ".workshop/backups/exercise_1/\(stamps[0])/"),
      "\(result.all)")
    #expect(try course.read(".workshop/backups/exercise_1/\(stamps[0])/Squares.swift") == edited)
  }

  @Test("reset finds the original even when the learner edited before any workshop command (git HEAD)")
  func resetFromGit() throws {
    let course = try CourseCopy()
    let original = try course.read("Exercises/exercise_1/Squares.swift")
    for command in [
      ["git", "init", "-q"], ["git", "add", "-A"],
      ["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "course"],
    ] {
      let git = try Command.run(command, currentDirectory: course.folder)
      try #require(git.status == 0, "\(git.all)")
    }
    try course.write("Exercises/exercise_1/Squares.swift", "// edited before anything\n")
    let result = try course.workshop("reset", "1", "--yes")
    #expect(result.status == 0, "\(result.all)")
    #expect(try course.read("Exercises/exercise_1/Squares.swift") == original)
  }

  @Test("workshop typed by name (found in PATH, through a symlink in another folder) finds its tracker")
  func foundThroughPath() throws {
    let course = try CourseCopy()
    try TestEnvironment.requireProducts()
    let links = try TestEnvironment.scratchFolder().appendingPathComponent("bin")
    try FileManager.default.createDirectory(at: links, withIntermediateDirectories: true)
    try FileManager.default.createSymbolicLink(
      atPath: links.appendingPathComponent("workshop").path, withDestinationPath: TestEnvironment.workshopExecutable)
    let path = links.path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
    let result = try Command.run(
      ["sh", "-c", "workshop check 1"],
      environment: [
        "PATH": path, "WORKSHOP_BUILD_CACHE": CourseTestEnvironment.sharedBuildCache.path, "COLUMNS": "100",
      ],
      unsetting: ["WORKSHOP_BIN_PATH", "WORKSHOP_TRACKER_LIBRARY", "WORKSHOP_COURSE_DIR"],
      currentDirectory: course.folder)
    #expect(!result.standardError.contains("was not found"), "\(result.all)")
    #expect(result.standardOutput.hasPrefix("FAILED exercise_1: "), "\(result.all)")
  }
}
