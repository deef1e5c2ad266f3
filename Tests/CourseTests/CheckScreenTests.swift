import Foundation
import Testing
import WorkshopTestSupport

/// What `workshop check` shows on a terminal of 80 × 24: the verdict and the top stacks on the first
/// screen, recursion folded, a taller report in the pager.
@Suite("workshop check on a small terminal")
struct CheckScreenTests {
  /// Squares that recurse 50 levels before allocating: over the limit, with a deep stack.
  static let recursiveSquares = """
    /// The squares of 0, 1, 2, … up to `count - 1`, built 51 calls deep.
    func squares(count: Int) -> [Int] { descend(50, count: count) }

    func descend(_ depth: Int, count: Int) -> [Int] {
      if depth == 0 {
        var result: [Int] = []
        for number in 0..<count { result.append(number * number) }
        return result
      }
      let result = descend(depth - 1, count: count)
      return result
    }

    """

  /// The fixture's cases with one light round of workload: the shipped forty rounds make four
  /// million allocations, slow to read in a debug build, and nothing here needs them.
  static let lightCheck = """
    checkCase("the first five squares", Array(squares(count: 5)), equals: [0, 1, 4, 9, 16])
    checkCase("no squares", Array(squares(count: 0)), equals: [])
    measureWorkload {
      keep(squares(count: 100_000).count)
    }

    """

  /// A copy of the fixture course whose exercise_1 recurses before allocating, with a light workload.
  static func recursiveCourse(name: String = #function) throws -> CourseCopy {
    let course = try CourseCopy(name: name)
    try course.write("Exercises/exercise_1/Squares.swift", recursiveSquares)
    try course.write("Exercises/exercise_1/Check/main.swift", lightCheck)
    return course
  }

  @Test(
    "at 80 × 24 the verdict and the folded top stacks are on the first screen of the pager",
    .timeLimit(.minutes(3)))
  func firstScreen() throws {
    let course = try Self.recursiveCourse()
    try TestEnvironment.requireProducts()
    let command =
      "cd \(course.folder.path) && env TERM=xterm-256color LANG=C.UTF-8 WORKSHOP_COURSE_DIR=\(course.folder.path) "
      + "WORKSHOP_BUILD_CACHE=\(CourseTestEnvironment.sharedBuildCache.path) "
      + "\(TestEnvironment.workshopExecutable) check 1; sleep 60"
    let terminal = try TmuxTerminal(running: command)
    defer { terminal.end() }
    var text = try terminal.waitFor(seconds: 120) { $0.contains("q quit") }
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    #expect(lines.first == "FAILED exercise_1: Squares without the array", "\(text)")
    #expect(text.contains("top stacks at the workload's peak"))
    #expect(text.contains("(51 deep) descend(_:count:) (Squares.swift:"), "recursion folded: \(text)")
    #expect(!lines.contains { $0.contains("#2 descend") }, "no frame of the recursion on a line of its own")
    #expect(lines[23].contains("workshop check 1") && lines[23].contains("q quit"))

    try terminal.press("q")
    text = try terminal.waitFor { !$0.contains("q quit") }
    #expect(text.contains("FAILED exercise_1: Squares without the array"), "the verdict stays printed: \(text)")
    #expect(text.contains("look further:"))
  }

  @Test("piped, the report is plain text with recursion folded; --all-frames shows every frame")
  func allFrames() throws {
    let course = try Self.recursiveCourse()
    let folded = try course.workshop("check", "1")
    #expect(folded.status == 1)
    #expect(folded.standardOutput.contains("(51 deep) descend(_:count:)"), "\(folded.standardOutput)")
    #expect(!folded.standardOutput.contains("\u{1B}"))
    let all = try course.workshop("check", "1", "--all-frames")
    #expect(!all.standardOutput.contains("deep)"))
    #expect(all.standardOutput.contains("#51 descend(_:count:)"), "\(all.standardOutput)")
  }

  @Test("stats at 80 columns wraps its header at words: the capture's path stays on one line", .timeLimit(.minutes(2)))
  func statsHeader() throws {
    let folder = try TestEnvironment.scratchFolder().appendingPathComponent("run")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let capture = folder.appendingPathComponent("capture.bin").path
    let run = try Command.run([TestEnvironment.workshopExecutable, "run", "-o", capture, "--", "/bin/true"])
    #expect(run.status == 0, "\(run.all)")
    let terminal = try TmuxTerminal(
      running: "env TERM=xterm-256color LANG=C.UTF-8 \(TestEnvironment.workshopExecutable) stats \(capture); sleep 30")
    defer { terminal.end() }
    let text = try terminal.waitFor { $0.contains("top stacks") }
    #expect(text.contains(capture), "the path on one line: \(text)")
    #expect(text.contains("(/usr/bin/true, pid"), "the program's name on one line: \(text)")
    #expect(text.split(separator: "\n").allSatisfy { $0.count < 80 || !$0.hasSuffix(" ") })
  }
}
