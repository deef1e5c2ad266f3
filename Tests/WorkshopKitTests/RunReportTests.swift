import Foundation
import Testing
import WorkshopTestSupport

/// `workshop run`'s summary says what the tracker cannot see: an interpreter's own allocator.
@Suite("workshop run's summary")
struct RunReportTests {
  static let python = ["/usr/bin/python3", "/usr/local/bin/python3"].first {
    FileManager.default.isExecutableFile(atPath: $0)
  }

  @Test(
    "a CPython run says in one line that small objects are not seen, and PYTHONMALLOC=malloc silences it",
    .enabled(if: python != nil), .timeLimit(.minutes(3)))
  func cpython() throws {
    try TestEnvironment.requireProducts()
    let folder = try TestEnvironment.scratchFolder()
    let python = try #require(Self.python)
    let script = "x = [str(i) for i in range(100000)]"
    let run = try Command.run(
      [
        TestEnvironment.workshopExecutable, "run", "-o", folder.appendingPathComponent("a.bin").path, "--", python,
        "-c", script,
      ],
      unsetting: ["PYTHONMALLOC"])
    #expect(run.status == 0, "\(run.all)")
    let lines = run.standardError.split(separator: "\n").filter { $0.contains("PYTHONMALLOC=malloc") }
    #expect(lines.count == 1, "\(run.standardError)")
    #expect(lines.first?.contains("serves small objects from its own allocator") == true)
    let direct = try Command.run(
      [
        TestEnvironment.workshopExecutable, "run", "-o", folder.appendingPathComponent("b.bin").path, "--", python,
        "-c", script,
      ],
      environment: ["PYTHONMALLOC": "malloc"])
    #expect(direct.status == 0)
    #expect(!direct.standardError.contains("own allocator"), "\(direct.standardError)")
  }

  @Test("a C program with the system's malloc gets no such line", .timeLimit(.minutes(3)))
  func plainProgram() throws {
    try TestEnvironment.requireProducts()
    let folder = try TestEnvironment.scratchFolder()
    let run = try Command.run(
      [
        TestEnvironment.workshopExecutable, "run", "-o", folder.appendingPathComponent("c.bin").path, "--", "/bin/ls",
        "/",
      ])
    #expect(run.status == 0)
    #expect(!run.standardError.contains("not seen"), "\(run.standardError)")
  }
}
