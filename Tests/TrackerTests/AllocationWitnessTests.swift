import Foundation
import MemoryAnalysis
import Testing
import WorkshopTestSupport

/// Nothing the program allocates escapes the capture, from its first allocation (in a runtime's
/// constructor, before the tracker's own) to its last: an independent witness preloaded after the
/// tracker (`Programs/allocation_witness.c`) counts every call the tracker passes on to the
/// allocator, and the capture's totals must equal its count, call for call and byte for byte.
///
/// Why not against valgrind: under valgrind a program does not make the same calls. Exercise 5's
/// workload peaked 77 B below massif's because `pattern_swift.swift` looks the tracker's marker
/// function up with `dlsym`: without the tracker that lookup fails and glibc allocates a record
/// of the error (24 B) and its message (58 B natively, 51 B under valgrind), with the tracker
/// loaded it succeeds and allocates nothing. The witness sees the run that is recorded.
@Suite("Every allocation the program makes is in the capture", .timeLimit(.minutes(3)))
struct AllocationWitnessTests {
  static let pythonPath = ["/usr/bin/python3", "/usr/local/bin/python3"].first {
    FileManager.default.isExecutableFile(atPath: $0)
  }

  @Test("a Swift program: the runtime's start-up allocations and the program's own")
  func swiftProgram() throws {
    let program = try Programs.compile("early_swift.swift", extraFlags: ["-O"])
    let counts = try Self.witnessedRun([program.executable])
    #expect(counts.capture.allocations == counts.witness.allocations)
    #expect(counts.capture.bytes == counts.witness.bytes)
    #expect(counts.unknownFrees == 0)
    // libswiftCore's constructors allocate before main: dozens of blocks, not just the program's.
    #expect(counts.witness.allocations > 50)
  }

  @Test("a C++ program: libstdc++'s emergency pool, allocated before the tracker's constructor")
  func cplusplusProgram() throws {
    let program = try Programs.compile("early_cpp.cpp")
    let counts = try Self.witnessedRun([program.executable])
    #expect(counts.capture.allocations == counts.witness.allocations)
    #expect(counts.capture.bytes == counts.witness.bytes)
    #expect(counts.unknownFrees == 0)
    #expect(counts.capture.bytes > 72_704)
  }

  @Test("CPython with its allocator switched to malloc", .enabled(if: pythonPath != nil))
  func cpython() throws {
    let python = try #require(Self.pythonPath)
    let counts = try Self.witnessedRun(
      [python, "-c", "x = {str(i): i for i in range(20000)}"], environment: ["PYTHONMALLOC": "malloc"])
    #expect(counts.capture.allocations == counts.witness.allocations)
    #expect(counts.capture.bytes == counts.witness.bytes)
    #expect(counts.unknownFrees == 0)
    #expect(counts.witness.allocations > 20_000)
  }

  struct Counts {
    var witness: (allocations: UInt64, bytes: UInt64)
    var capture: (allocations: UInt64, bytes: UInt64)
    /// Frees of blocks the capture never saw allocated: 0 when it starts with the first one.
    var unknownFrees: UInt64
  }

  /// Runs `command` with the tracker and the witness preloaded, and returns both counts.
  static func witnessedRun(
    _ command: [String], environment: [String: String] = [:], name: String = #function
  ) throws -> Counts {
    try TestEnvironment.requireProducts()
    let folder = try TestEnvironment.scratchFolder(name)
    let witness = folder.appendingPathComponent("liballocation_witness.so").path
    let built = try Command.run([
      "cc", "-shared", "-fPIC", "-O1", "-g",
      Programs.folder.appendingPathComponent("allocation_witness.c").path, "-o", witness,
    ])
    try #require(built.status == 0, "\(built.standardError)")
    let capture = folder.appendingPathComponent("capture.bin").path
    let counted = folder.appendingPathComponent("witness.txt").path
    let run = try Command.run(
      command,
      environment: environment.merging([
        "LD_PRELOAD": "\(TestEnvironment.trackerLibrary) \(witness)",
        "WORKSHOP_CAPTURE": capture,
        "ALLOCATION_WITNESS_OUT": counted,
      ]) { $1 },
      currentDirectory: folder, timeLimit: 60)
    try #require(run.status == 0, "\(run.all)")
    let fields = try String(contentsOfFile: counted, encoding: .utf8).split(separator: " ")
      .compactMap { UInt64($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    try #require(fields.count == 2, "the witness wrote \(fields)")
    let profile = try MemoryProfile(contentsOf: capture)
    return Counts(
      witness: (fields[0], fields[1]),
      capture: (profile.totals.allocations, profile.totals.bytesAllocated),
      unknownFrees: profile.totals.unknownFrees)
  }
}
