import Foundation
import Testing
import WorkshopTestSupport

/// Runs the built `workshop` with `arguments`, never with a course from the test's own environment.
@discardableResult
func workshop(_ arguments: [String], environment: [String: String] = [:]) throws -> Command.Result {
  try TestEnvironment.requireProducts()
  return try Command.run(
    [TestEnvironment.workshopExecutable] + arguments, environment: environment, unsetting: ["WORKSHOP_COURSE_DIR"])
}

/// Runs tmux (Scripts/test.sh installs it).
@discardableResult
func tmux(_ arguments: [String]) throws -> Command.Result { try Command.run(["tmux"] + arguments) }

let fixtureLesson = """
  Reading leaks
  =============

  .. exercise:: exercise_2

  The first paragraph explains what a leak is, with ``inline code`` and a
  `link <https://swift.org>`_.

  .. code-block:: swift

     let cache = [Int: [UInt8]]()   // keeps growing

  Second heading
  --------------

  Look for the word NEEDLE here.

  .. course-hint::

     Look at the dictionary.

  Third heading
  -------------

  The end.
  """

@Suite("workshop lesson")
struct LessonCommandTests {
  let binary = TestEnvironment.workshopExecutable

  @Test("Piped output is plain ASCII text with the code verbatim and the hint collapsed")
  func piped() throws {
    let course = try makeCourse(["01-leaks.rst": fixtureLesson])
    let output = try workshop(["lesson", "1"], environment: ["WORKSHOP_COURSE_DIR": course.path])
    #expect(output.status == 0)
    #expect(!output.standardOutput.contains("\u{1B}"))
    #expect(output.standardOutput.contains("Reading leaks\n====="))
    #expect(output.standardOutput.contains("    let cache = [Int: [UInt8]]()   // keeps growing"))
    // Lesson 1 teaches exercise_2: `workshop hint` takes the exercise's number.
    #expect(output.standardOutput.contains("> Hint 1 -- reveal with `workshop hint 2 1`"))
    #expect(output.standardOutput.contains("<https://swift.org>"))
    #expect(output.standardOutput.allSatisfy { $0.isASCII })
  }

  @Test("With no argument the lessons are listed with their titles")
  func listing() throws {
    let course = try makeCourse(["01-leaks.rst": fixtureLesson, "02-more.rst": "More\n====\n"])
    let output = try workshop(["lesson"], environment: ["WORKSHOP_COURSE_DIR": course.path])
    #expect(output.standardOutput.contains("1. Reading leaks  (01-leaks)"))
    #expect(output.standardOutput.contains("2. More  (02-more)"))
  }

  @Test("An empty Lessons folder gets a clear sentence")
  func emptyCourse() throws {
    let course = try makeCourse([:])
    let output = try workshop(["lesson"], environment: ["WORKSHOP_COURSE_DIR": course.path])
    #expect(output.status == 0)
    #expect(output.standardOutput.contains("The course has no lessons yet"))
  }

  @Test(
    "Bad input gets one sentence naming the value, not a crash trace",
    arguments: [
      (["lesson", "missing.rst"], "\"missing.rst\" is neither a lesson name nor a readable file"),
      (["lesson", "9"], "there is no lesson 9: the course has lessons 1 to 1"),
      (["lesson", "nosuch"], "\"nosuch\" is neither a lesson name nor a readable file"),
    ])
  func badInput(arguments: [String], message: String) throws {
    let course = try makeCourse(["01-leaks.rst": fixtureLesson])
    let output = try workshop(arguments, environment: ["WORKSHOP_COURSE_DIR": course.path])
    #expect(output.status == 1)
    #expect(output.standardError.hasPrefix("Error: " + message))
    #expect(output.standardError.split(separator: "\n").count == 1)
  }

  @Test("--format json prints the tree with kinds, lines and warnings")
  func json() throws {
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("lesson-\(UUID().uuidString).rst")
    try (fixtureLesson + "\n\n.. mystery:: x\n").write(to: file, atomically: true, encoding: .utf8)
    let output = try workshop(["lesson", file.path, "--format", "json"])
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(output.standardOutput.utf8)) as? [String: Any])
    #expect(object["kind"] as? String == "document")
    #expect(object["exercise"] as? String == "exercise_2")
    let section = try #require((object["children"] as? [[String: Any]])?.first)
    #expect(section["kind"] as? String == "section")
    #expect(section["title"] as? String == "Reading leaks")
    #expect(section["level"] as? Int == 1)
    #expect(section["line"] as? Int == 1)
    let kinds = (section["children"] as? [[String: Any]] ?? []).compactMap { $0["kind"] as? String }
    #expect(kinds == ["exercise", "paragraph", "literal_block", "section", "section"])
    let warnings = try #require(object["warnings"] as? [[String: Any]])
    #expect(warnings.count == 1)
    #expect(warnings.first?["message"] as? String == "Unknown directive type \"mystery\".")
  }

  @Test("The pager leaves when its terminal goes away, even with SIGHUP ignored", .timeLimit(.minutes(2)))
  func pagerLeavesAHungUpTerminal() throws {
    let course = try makeCourse(["01-leaks.rst": fixtureLesson])
    let session = "workshop-pager-hangup-\(getpid())"
    let pidFile = course.appendingPathComponent("pager.pid")
    // exec keeps the shell's pid, and an ignored SIGHUP stays ignored across exec: only the failing
    // reads can tell the pager that the terminal is gone.
    let command =
      "echo $$ > \(pidFile.path); trap '' HUP; exec env TERM=xterm-256color LANG=C.UTF-8 "
      + "WORKSHOP_COURSE_DIR=\(course.path) \(binary) lesson 1"
    try tmux(["new-session", "-d", "-s", session, "-x", "100", "-y", "30", command])
    defer { _ = try? tmux(["kill-session", "-t", session]) }
    var shown = ""
    for _ in 0..<50 where !shown.contains("q quit") {
      usleep(100_000)
      shown = (try? tmux(["capture-pane", "-p", "-t", session]).standardOutput) ?? ""
    }
    #expect(shown.contains("q quit"))
    let pid = try #require(
      pid_t(String(contentsOf: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
    try tmux(["kill-session", "-t", session])
    var alive = true
    for _ in 0..<50 where alive {
      usleep(100_000)
      alive = ProcessState.isRunning(pid)
    }
    if alive { kill(pid, SIGKILL) }
    #expect(!alive, "the pager (pid \(pid)) was still running 5 s after its terminal went away")
  }

  @Test(
    "The pager scrolls, jumps to headings, searches and quits, driven in tmux", .timeLimit(.minutes(2)))
  func pagerInTmux() throws {
    let long = fixtureLesson.replacingOccurrences(
      of: "The end.", with: (1...60).map { "Filler paragraph \($0)." }.joined(separator: "\n\n"))
    let course = try makeCourse(["01-leaks.rst": long])
    let session = "workshop-pager-\(getpid())"
    let command = "env TERM=xterm-256color LANG=C.UTF-8 WORKSHOP_COURSE_DIR=\(course.path) \(binary) lesson 1; sleep 30"
    try tmux(["new-session", "-d", "-s", session, "-x", "100", "-y", "30", command])
    defer { _ = try? tmux(["kill-session", "-t", session]) }
    func screen() throws -> String { try tmux(["capture-pane", "-p", "-t", session]).standardOutput }
    func waitFor(_ condition: (String) -> Bool) throws -> String {
      var text = ""
      for _ in 0..<50 {
        text = try screen()
        if condition(text) { return text }
        usleep(100_000)
      }
      return text
    }
    var text = try waitFor { $0.contains("Reading leaks") && $0.contains("q quit") }
    #expect(text.split(separator: "\n").first?.contains("Reading leaks") == true)
    #expect(text.contains("lines 1–29 of"))

    try tmux(["send-keys", "-t", session, "]"])
    text = try waitFor { $0.split(separator: "\n").first?.contains("Second heading") == true }
    #expect(text.split(separator: "\n").first?.contains("Second heading") == true)

    try tmux(["send-keys", "-t", session, "/", "Filler paragraph 40", "Enter"])
    text = try waitFor { $0.split(separator: "\n").first?.contains("Filler paragraph 40") == true }
    #expect(text.split(separator: "\n").first?.contains("Filler paragraph 40") == true)

    try tmux(["send-keys", "-t", session, "g"])
    text = try waitFor { $0.split(separator: "\n").first?.contains("Reading leaks") == true }
    #expect(text.contains("Reading leaks"))

    try tmux(["send-keys", "-t", session, "q"])
    text = try waitFor { !$0.contains("q quit") }
    #expect(!text.contains("q quit"))
  }
}
