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

  @Test(
    "a program whose file names libjemalloc and libmimalloc gets one line for each, naming the program",
    .timeLimit(.minutes(3)))
  func linkedAllocators() throws {
    try TestEnvironment.requireProducts()
    let folder = try TestEnvironment.scratchFolder()
    // The check reads the program's file for `lib<name>`, as its dynamic section would hold it.
    let source = folder.appendingPathComponent("names_allocators.c")
    try """
    #include <stdio.h>
    #include <stdlib.h>
    const char *wanted[] = {"libjemalloc.so.2", "libmimalloc.so.2"};
    int main(void) { char *p = malloc(64); puts(wanted[p == NULL]); free(p); return 0; }
    """.write(to: source, atomically: true, encoding: .utf8)
    let program = folder.appendingPathComponent("names_allocators").path
    let build = try Command.run(["cc", "-O1", source.path, "-o", program])
    try #require(build.status == 0, "\(build.all)")
    let run = try Command.run(
      [TestEnvironment.workshopExecutable, "run", "-o", folder.appendingPathComponent("d.bin").path, "--", program])
    #expect(run.status == 0, "\(run.all)")
    let lines = run.standardError.split(separator: "\n").filter { $0.contains("not seen") }
    #expect(
      lines.map { String($0.split(separator: " is linked in")[0]) } == [
        "  not seen     libjemalloc (needed by names_allocators)",
        "  not seen     libmimalloc (needed by names_allocators)",
      ], "\(run.standardError)")
  }
}
