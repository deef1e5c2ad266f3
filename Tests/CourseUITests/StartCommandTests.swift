import Foundation
import Testing
import WorkshopTestSupport

/// A copy of the real course (Exercises/, Solutions/, Lessons/) and `workshop start` on it in a tmux
/// server of the test's own.
final class StartSession {
  let course: URL
  private let marks: URL
  /// The tmux server the course runs in.
  private let terminal: TmuxScreen
  var session: String { terminal.session }

  init(name: String = #function, width: Int = 100, height: Int = 30, manifest: [String: Any] = [:]) throws {
    try TestEnvironment.requireProducts()
    let scratch = try TestEnvironment.scratchFolder(name)
    course = scratch.appendingPathComponent("course")
    marks = scratch
    try FileManager.default.createDirectory(at: course, withIntermediateDirectories: true)
    for folder in ["Exercises", "Solutions", "Lessons"] {
      try FileManager.default.copyItem(
        at: TestEnvironment.repositoryRoot.appendingPathComponent(folder), to: course.appendingPathComponent(folder))
    }
    if !manifest.isEmpty {
      let path = course.appendingPathComponent("Exercises/exercise_1/exercise.json")
      var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: path)) as? [String: Any])
      for (key, value) in manifest { object[key] = value }
      try JSONSerialization.data(withJSONObject: object).write(to: path)
    }
    let cache = FileManager.default.temporaryDirectory.appendingPathComponent("workshop-course-tests-build-cache")
    // The shell records the terminal's settings before and after, and workshop's exit status.
    // An editor that only writes down what it was asked to open.
    let editor = scratch.appendingPathComponent("editor.sh")
    try "#!/bin/sh\necho \"$@\" > \(marks.path)/edited\n".write(to: editor, atomically: true, encoding: .utf8)
    chmod(editor.path, 0o755)
    let script = """
      stty -a > \(marks.path)/stty-before; \
      env -u NO_COLOR LC_ALL=C.UTF-8 TERM=tmux-256color EDITOR=\(editor.path) WORKSHOP_BUILD_CACHE=\(cache.path) \(TestEnvironment.workshopExecutable) start; \
      status=$?; stty -a > \(marks.path)/stty-after; echo "EXIT=$status"; sleep 60
      """
    terminal = try TmuxScreen(script, in: course, width: width, height: height)
  }

  @discardableResult
  func tmux(_ arguments: [String]) throws -> Command.Result { try terminal.tmux(arguments) }

  func screen() -> String { terminal.screen() }

  func keys(_ keys: String...) throws { try terminal.tmux(["send-keys", "-t", session] + keys) }

  /// Waits until the screen shows `text` (polling every 30 ms); the screen as it was then.
  @discardableResult
  func wait(for text: String, seconds: Double = 60, sourceLocation: SourceLocation = #_sourceLocation) async -> String {
    let shown = await terminal.poll(for: text, seconds: seconds)
    #expect(
      shown.contains(text), "waited \(seconds) s for \"\(text)\"; the screen:\n\(shown)", sourceLocation: sourceLocation
    )
    return shown
  }

  func file(_ relative: String) -> URL { course.appendingPathComponent(relative) }

  /// What the stand-in editor was asked to open, once it was.
  func edited() -> String? {
    try? String(contentsOf: marks.appendingPathComponent("edited"), encoding: .utf8)
  }

  func terminalSettings() throws -> (before: String, after: String) {
    (
      try String(contentsOf: marks.appendingPathComponent("stty-before"), encoding: .utf8),
      try String(contentsOf: marks.appendingPathComponent("stty-after"), encoding: .utf8)
    )
  }
}

/// `workshop start` driven in tmux on a copy of the real course, asserting on the screen's text.
@Suite("workshop start in tmux", .timeLimit(.minutes(3)))
struct StartCommandTests {
  @Test("the course end to end: lesson, check live then its verdict, hint, a save rechecks, next, resize, keys, quit")
  func wholeFlow() async throws {
    try await withOwnThread {
      let start = try StartSession()
      await start.wait(for: "Welcome to the workshop.")
      try start.keys("Space")
      await start.wait(for: "Lesson 1: Fibonacci without the arrays")
      try start.keys("]")
      await start.wait(for: "What an array costs")
      // Exercise 1 asks for a guess of the peak before its first check: Enter alone skips it.
      try start.keys("c", "Enter")
      let live = await start.wait(for: "under the tracker")
      #expect(live.contains("┤") && live.contains("└"), "the live chart's axes while it runs:\n\(live)")
      let verdict = await start.wait(for: "FAILED exercise_1: Fibonacci without the arrays")
      #expect(verdict.contains("the workload was limited to 100.0 KiB"))
      #expect(verdict.contains("[Check]"))
      let explorer = await start.wait(for: "peak of the workload:")
      #expect(explorer.contains("fibonacci(count:)"), "the icicle names the learner's function")
      // Down to the heaviest callee, five times: main, the harness, the closure, evenFibonacci, fibonacci.
      for _ in 0..<5 { try start.keys("Down") }
      await start.wait(for: "fibonacci(count:) · Fibonacci.swift:19 · 2.0 MiB")
      try start.keys("e")
      for _ in 0..<300 where start.edited() == nil { try await Task.sleep(for: .microseconds(20_000)) }
      await start.wait(for: "peak of the workload:")
      #expect(
        start.edited()?.hasPrefix("+19 ") == true, "the editor opens the selected line: \(start.edited() ?? "nothing")")
      #expect(start.edited()?.contains("Exercises/exercise_1/Fibonacci.swift") == true)
      try start.keys("h")
      await start.wait(for: "hint 1 of 3: h shows the next")
      #expect(start.screen().contains("hints 1/3"))
      // The solution written over the learner's file: checked again with no key pressed.
      let solution = try Data(contentsOf: start.file("Solutions/exercise_1/Fibonacci.swift"))
      try solution.write(to: start.file("Exercises/exercise_1/Fibonacci.swift"))
      await start.wait(for: "PASSED exercise_1")
      await start.wait(for: "1/10 passed")
      try start.keys("n")
      await start.wait(for: "exercise 2 of 10: Clinging onto memory")
      try start.tmux(["resize-window", "-t", start.session, "-x", "80", "-y", "24"])
      await start.wait(for: "? keys  q quit")
      try start.tmux(["resize-window", "-t", start.session, "-x", "40", "-y", "10"])
      await start.wait(for: "needs at least 80×24.")
      try start.tmux(["resize-window", "-t", start.session, "-x", "100", "-y", "30"])
      await start.wait(for: "exercise 2 of 10: Clinging onto memory")
      try start.keys("?")
      await start.wait(for: "reveal the next hint")
      try start.keys("Escape")
      try start.keys("q")
      await start.wait(for: "EXIT=0")
      let settings = try start.terminalSettings()
      #expect(settings.before == settings.after, "the terminal is as it was")
    }
  }

  @Test("a compile error shows the compiler's words with the file and line, and the screen stays up")
  func compileError() async throws {
    try await withOwnThread {
      let start = try StartSession()
      var code = try String(contentsOf: start.file("Exercises/exercise_1/Fibonacci.swift"), encoding: .utf8)
      code = code.replacingOccurrences(of: "var numbers: [Int] = []", with: "var numbers: [Int] = notDefinedAnywhere")
      try code.write(to: start.file("Exercises/exercise_1/Fibonacci.swift"), atomically: true, encoding: .utf8)
      try start.keys("Space", "c", "Enter")
      let shown = await start.wait(for: "it does not compile")
      #expect(shown.contains("Exercises/exercise_1/Fibonacci.swift:"))
      #expect(shown.contains("cannot find 'notDefinedAnywhere' in scope"))
      try start.keys("q")
      await start.wait(for: "EXIT=0")
    }
  }

  @Test("a crash is reported with its signal, and the screen stays up")
  func crash() async throws {
    try await withOwnThread {
      let start = try StartSession()
      var code = try String(contentsOf: start.file("Exercises/exercise_1/Fibonacci.swift"), encoding: .utf8)
      code = code.replacingOccurrences(
        of: "func fibonacci(count: Int) -> [Int] {",
        with: "func fibonacci(count: Int) -> [Int] {\n  fatalError(\"boom\")"
      )
      try code.write(to: start.file("Exercises/exercise_1/Fibonacci.swift"), atomically: true, encoding: .utf8)
      try start.keys("Space", "c", "Enter")
      await start.wait(for: "it crashed")
      try start.keys("q")
      await start.wait(for: "EXIT=0")
    }
  }

  @Test("an endless loop is drawn live and stopped at its time bound")
  func endlessLoop() async throws {
    try await withOwnThread {
      let start = try StartSession(manifest: ["timeLimitSeconds": 4])
      try endless(start)
      try start.keys("Space", "c", "Enter")
      let live = await start.wait(for: "Running exercise_1 under the tracker")
      #expect(live.contains("heap ") && live.contains("resident "), "the live figures:\n\(live)")
      await start.wait(for: "past the time bound of 4.0 s", seconds: 60)
      try start.keys("q")
      await start.wait(for: "EXIT=0")
    }
  }

  @Test("Ctrl-C during a check ends workshop and its program, and gives the terminal back")
  func interrupt() async throws {
    try await withOwnThread {
      let start = try StartSession()
      try endless(start)
      try start.keys("Space", "c", "Enter")
      await start.wait(for: "under the tracker")
      #expect(!exercisePrograms(in: start.course).isEmpty, "the program runs before Ctrl-C")
      try start.keys("C-c")
      await start.wait(for: "EXIT=130")
      let settings = try start.terminalSettings()
      #expect(settings.before == settings.after, "the terminal is as it was")
      try await Task.sleep(for: .microseconds(200_000))
      let left = exercisePrograms(in: start.course)
      #expect(left.isEmpty, "no exercise program left: \(left)")
      let captures = (try? FileManager.default.contentsOfDirectory(atPath: start.file(".workshop/captures").path)) ?? []
      #expect(!captures.contains { $0.hasPrefix(".") }, "no half-written capture left: \(captures)")
    }
  }

  @Test("Esc while the exercise compiles stops the check before its program runs, and nothing is recorded")
  func escapeWhileCompiling() async throws {
    try await withOwnThread {
      let start = try StartSession()
      try endless(start)
      // A change of its own, so that this copy is compiled, not found in the shared cache.
      let file = start.file("Exercises/exercise_1/Fibonacci.swift")
      try (String(contentsOf: file, encoding: .utf8) + "\n// \(UUID().uuidString)\n").write(
        to: file, atomically: true, encoding: .utf8)
      try start.keys("Space", "c", "Enter")
      await start.wait(for: "Compiling exercise_1")
      try start.keys("Escape")
      await start.wait(for: "STOPPED exercise_1")
      let progress = (try? String(contentsOf: start.file(".workshop/progress.json"), encoding: .utf8)) ?? ""
      #expect(!progress.contains("\"failed\""), "a cancelled check is not recorded: \(progress)")
      #expect(exercisePrograms(in: start.course).isEmpty)
      try start.keys("q")
      await start.wait(for: "EXIT=0")
    }
  }

  /// The processes running an exercise of `course`: their environment names a capture in it.
  private func exercisePrograms(in course: URL) -> [Int32] {
    let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc"))?.compactMap(Int32.init) ?? []
    return pids.filter { pid in
      guard pid != getpid(), let environment = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else {
        return false
      }
      return String(decoding: environment, as: UTF8.self).contains("WORKSHOP_CAPTURE=\(course.path)")
        && ProcessState.isRunning(pid)
    }
  }

  /// Makes the learner's `fibonacci(count:)` loop for ever.
  private func endless(_ start: StartSession) throws {
    var code = try String(contentsOf: start.file("Exercises/exercise_1/Fibonacci.swift"), encoding: .utf8)
    code = code.replacingOccurrences(
      of: "func fibonacci(count: Int) -> [Int] {",
      with: "func fibonacci(count: Int) -> [Int] {\n  var spin = 0\n  while count >= 0 { spin &+= 1 }")
    try code.write(to: start.file("Exercises/exercise_1/Fibonacci.swift"), atomically: true, encoding: .utf8)
  }
}

/// `workshop start` without a terminal says what to use instead.
@Suite("workshop start without a terminal")
struct StartWithoutTerminalTests {
  @Test("piped: one sentence naming lesson, check and hint, and a non-zero exit")
  func noTerminal() async throws {
    try await withOwnThread {
      try TestEnvironment.requireProducts()
      let result = try Command.run(
        [TestEnvironment.workshopExecutable, "start"],
        environment: ["WORKSHOP_COURSE_DIR": TestEnvironment.repositoryRoot.path])
      #expect(result.status != 0)
      #expect(result.standardError.contains("workshop start needs a terminal"), "\(result.all)")
      #expect(result.standardError.contains("`workshop lesson N`, `workshop check N` and `workshop hint N`"))
    }
  }
}
