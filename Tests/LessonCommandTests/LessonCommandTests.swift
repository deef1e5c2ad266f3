import Foundation
import Testing

/// The built `workshop` executable: WORKSHOP_BIN_PATH (set by Scripts/test.sh), else beside the test bundle.
enum WorkshopBinary {
  static let url: URL? = {
    var folders: [URL] = []
    if let bin = ProcessInfo.processInfo.environment["WORKSHOP_BIN_PATH"] { folders.append(URL(fileURLWithPath: bin)) }
    var folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for _ in 0..<4 {
      folders.append(folder)
      folder = folder.deletingLastPathComponent()
    }
    folders.append(Bundle.main.bundleURL.deletingLastPathComponent())
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent()
    folders.append(root.appendingPathComponent(".build/debug"))
    return folders.map { $0.appendingPathComponent("workshop") }.first {
      FileManager.default.isExecutableFile(atPath: $0.path)
    }
  }()

  static let tmux: String? = ["/usr/bin/tmux", "/usr/local/bin/tmux", "/bin/tmux"].first {
    FileManager.default.isExecutableFile(atPath: $0)
  }
}

struct Output {
  var status: Int32
  var stdout: String
  var stderr: String
}

@discardableResult
func run(
  _ executable: String, _ arguments: [String], environment: [String: String] = [:], in folder: URL? = nil,
  capture: Bool = true
) throws -> Output {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: executable)
  process.arguments = arguments
  var env = ProcessInfo.processInfo.environment
  env.removeValue(forKey: "WORKSHOP_COURSE_DIR")
  for (key, value) in environment { env[key] = value }
  process.environment = env
  if let folder { process.currentDirectoryURL = folder }
  guard capture else {
    // A tmux server started here would inherit pipes and keep them open: give it /dev/null.
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    process.standardInput = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    return Output(status: process.terminationStatus, stdout: "", stderr: "")
  }
  let out = Pipe()
  let err = Pipe()
  process.standardOutput = out
  process.standardError = err
  try process.run()
  let stdout = out.fileHandleForReading.readDataToEndOfFile()
  let stderr = err.fileHandleForReading.readDataToEndOfFile()
  process.waitUntilExit()
  return Output(
    status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
    stderr: String(decoding: stderr, as: UTF8.self))
}

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

@Suite("workshop lesson", .enabled(if: WorkshopBinary.url != nil, "build the workshop executable first (swift build)"))
struct LessonCommandTests {
  let binary = WorkshopBinary.url!.path

  @Test("Piped output is plain ASCII text with the code verbatim and the hint collapsed")
  func piped() throws {
    let course = try makeCourse(["01-leaks.rst": fixtureLesson])
    let output = try run(binary, ["lesson", "1"], environment: ["WORKSHOP_COURSE_DIR": course.path])
    #expect(output.status == 0)
    #expect(!output.stdout.contains("\u{1B}"))
    #expect(output.stdout.contains("Reading leaks\n====="))
    #expect(output.stdout.contains("    let cache = [Int: [UInt8]]()   // keeps growing"))
    #expect(output.stdout.contains("> Hint 1 -- reveal with `workshop hint 1 1`"))
    #expect(output.stdout.contains("<https://swift.org>"))
    #expect(output.stdout.allSatisfy { $0.isASCII })
  }

  @Test("With no argument the lessons are listed with their titles")
  func listing() throws {
    let course = try makeCourse(["01-leaks.rst": fixtureLesson, "02-more.rst": "More\n====\n"])
    let output = try run(binary, ["lesson"], environment: ["WORKSHOP_COURSE_DIR": course.path])
    #expect(output.stdout.contains("1. Reading leaks  (01-leaks)"))
    #expect(output.stdout.contains("2. More  (02-more)"))
  }

  @Test("An empty Lessons folder gets a clear sentence")
  func emptyCourse() throws {
    let course = try makeCourse([:])
    let output = try run(binary, ["lesson"], environment: ["WORKSHOP_COURSE_DIR": course.path])
    #expect(output.status == 0)
    #expect(output.stdout.contains("The course has no lessons yet"))
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
    let output = try run(binary, arguments, environment: ["WORKSHOP_COURSE_DIR": course.path])
    #expect(output.status == 1)
    #expect(output.stderr.hasPrefix("error: " + message))
    #expect(output.stderr.split(separator: "\n").count == 1)
  }

  @Test("--format json prints the tree with kinds, lines and warnings")
  func json() throws {
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("lesson-\(UUID().uuidString).rst")
    try (fixtureLesson + "\n\n.. mystery:: x\n").write(to: file, atomically: true, encoding: .utf8)
    let output = try run(binary, ["lesson", file.path, "--format", "json"])
    let object = try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any])
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

  @Test(
    "The pager scrolls, jumps to headings, searches and quits, driven in tmux", .enabled(if: WorkshopBinary.tmux != nil)
  )
  func pagerInTmux() throws {
    let tmux = WorkshopBinary.tmux!
    let long = fixtureLesson.replacingOccurrences(
      of: "The end.", with: (1...60).map { "Filler paragraph \($0)." }.joined(separator: "\n\n"))
    let course = try makeCourse(["01-leaks.rst": long])
    let session = "workshop-pager-\(getpid())"
    let command = "env TERM=xterm-256color LANG=C.UTF-8 WORKSHOP_COURSE_DIR=\(course.path) \(binary) lesson 1; sleep 30"
    try run(tmux, ["new-session", "-d", "-s", session, "-x", "100", "-y", "30", command], capture: false)
    defer { _ = try? run(tmux, ["kill-session", "-t", session], capture: false) }
    func screen() throws -> String { try run(tmux, ["capture-pane", "-p", "-t", session]).stdout }
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

    try run(tmux, ["send-keys", "-t", session, "]"], capture: false)
    text = try waitFor { $0.split(separator: "\n").first?.contains("Second heading") == true }
    #expect(text.split(separator: "\n").first?.contains("Second heading") == true)

    try run(tmux, ["send-keys", "-t", session, "/", "Filler paragraph 40", "Enter"], capture: false)
    text = try waitFor { $0.split(separator: "\n").first?.contains("Filler paragraph 40") == true }
    #expect(text.split(separator: "\n").first?.contains("Filler paragraph 40") == true)

    try run(tmux, ["send-keys", "-t", session, "g"], capture: false)
    text = try waitFor { $0.split(separator: "\n").first?.contains("Reading leaks") == true }
    #expect(text.contains("Reading leaks"))

    try run(tmux, ["send-keys", "-t", session, "q"], capture: false)
    text = try waitFor { !$0.contains("q quit") }
    #expect(!text.contains("q quit"))
  }
}
