import Foundation
import Testing
import WorkshopTestSupport

@testable import Symbols

/// A batch shared between symbolizers that run at once, and the C library's symbolizer started
/// before the batch: the same frames as one symbolizer gives, from the processes expected.
/// Serialized: the early session is one per process, and its tests start, take and end it.
@Suite(.serialized, .timeLimit(.minutes(5))) struct ParallelSymbolizerTests {
  /// A counting symbolizer, and the environment of a report that uses it and a cache in its folder.
  final class Setup {
    let symbolizer: CountingSymbolizer
    var counting: String { symbolizer.executable }
    var started: Int { symbolizer.started }

    init() throws { symbolizer = try CountingSymbolizer(prefix: "workshop-parallel-symbolizer") }

    var environment: [String: String] {
      ProcessInfo.processInfo.environment.merging(
        ["WORKSHOP_LLVM_SYMBOLIZER": counting, "WORKSHOP_SYMBOL_CACHE": symbolizer.path + "/cache"]
      ) { $1 }
    }
  }

  /// The file address of a dynamic symbol of `library`, as `nm -D` prints it.
  static func dynamicSymbol(_ name: String, in library: String) throws -> UInt64? {
    let (_, table) = try SymbolTestSupport.run(["nm", "-D", "--defined-only", library])
    for line in table.split(separator: "\n") {
      let fields = line.split(separator: " ")
      // `malloc@@GLIBC_2.2.5`: the name before its version.
      if fields.count == 3 && fields[2].split(separator: "@").first.map(String.init) == name {
        return UInt64(fields[0], radix: 16)
      }
    }
    return nil
  }

  /// Locations in three modules: the Fibonacci program, the C library (by `libraryPath`) and the
  /// Swift runtime, each named by its symbol table or its debug information.
  static func locations(cLibrary libraryPath: String) throws -> [CodeLocation] {
    let program = try SymbolTestSupport.compile("Fibonacci.swift")
    let fibonacci = try #require(
      try SymbolTestSupport.address(of: "$s9FibonacciAAV9fibonacciySaySiGSiFZ", in: program))
    let malloc = try #require(try dynamicSymbol("malloc", in: libraryPath))
    let runtime = "/opt/swift/usr/lib/swift/linux/libswiftCore.so"
    var locations = [
      CodeLocation(module: program, offset: fibonacci + 4, isReturnAddress: false),
      CodeLocation(module: libraryPath, offset: malloc + 8, isReturnAddress: false),
    ]
    if let retain = try dynamicSymbol("swift_retain", in: runtime) {
      locations.append(CodeLocation(module: runtime, offset: retain + 2, isReturnAddress: false))
    }
    return locations
  }

  @Test func groupsPutTheCostliestModulesApart() {
    let modules: [(module: String, cost: UInt64)] = [("a", 10), ("b", 6), ("c", 5), ("d", 1)]
    #expect(SymbolizerGroups(modules: modules, processes: 2).groups == [["a", "d"], ["b", "c"]])
    #expect(SymbolizerGroups(modules: modules, processes: 1).groups == [["a", "b", "c", "d"]])
    #expect(SymbolizerGroups(modules: Array(modules.prefix(2)), processes: 4).groups == [["a"], ["b"]])
    // The early session's module leads the first group and counts there.
    let early = SymbolizerGroups(modules: [("lib", 3), ("big", 10), ("small", 1)], processes: 2, early: "lib")
    #expect(early.groups == [["lib", "small"], ["big"]])
  }

  @Test func asManyProcessesAsCoresThisProcessMayUse() throws {
    #expect(SymbolizerGroups.coreCount(list: " 0-3,8,10-11") == 7)
    #expect(SymbolizerGroups.coreCount(list: "0") == 1)
    #expect(SymbolizerGroups.coreCount(list: "0-1\t") == 2)
    #expect(SymbolizerGroups.coreCount(list: "3-1") == nil)
    #expect(SymbolizerGroups.coreCount(list: "a-b") == nil)
    // nproc counts the cores of the process's affinity: a test run under `taskset -c 0` sees one.
    let nproc = try Command.run(["nproc"], timeLimit: 10)
    #expect(SymbolizerGroups.usableCores() == Int(nproc.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)))
  }

  @Test func theCLibrarysSeparateDebugInformationCountsMost() throws {
    let library = try #require(EarlySymbolizer.cLibraryPath())
    var size = stat()
    #expect(stat(library, &size) == 0)
    let cost = SymbolizerGroups.estimatedCost(library)
    #expect(cost >= UInt64(size.st_size))
    if ModuleLineTables.separateDebugFile(library) != nil { #expect(cost > UInt64(size.st_size)) }
  }

  @Test func parallelSymbolizersNameFramesAsOneDoes() throws {
    let setup = try Setup()
    let library = try #require(EarlySymbolizer.cLibraryPath())
    let locations = try Self.locations(cLibrary: library)
    var parallel = try LLVMSymbolizer(executable: setup.counting)
    parallel.symbolCacheFolder = nil
    parallel.readsSymbolTables = false  // the Swift runtime to a symbolizer too
    let together = try parallel.resolve(locations)
    #expect(setup.started == min(SymbolizerGroups.processes, locations.count))
    // One module per batch: one symbolizer each, whatever the cores.
    let alone = try locations.map { try parallel.resolve([$0])[0] }
    #expect(together == alone)
    #expect(together[0].last?.function == "Fibonacci.fibonacci(_:)")
    #expect(together[1].last?.function?.contains("malloc") == true, "\(together[1])")
  }

  @Test func theEarlySymbolizerAnswersForTheCLibraryByAnotherPath() throws {
    let setup = try Setup()
    let library = try #require(EarlySymbolizer.cLibraryPath())
    let key = try #require(EarlySymbolizer.FileKey(library))
    // The path a program names it by, when that differs from ours (a merged /usr).
    let captured = try #require(EarlySymbolizer.namesOf(library, key: key).last)
    let locations = try Self.locations(cLibrary: captured)
    var reference = try LLVMSymbolizer()
    reference.symbolCacheFolder = nil
    let expected = try reference.resolve(locations)

    EarlySymbolizer.start(environment: setup.environment, anyThread: true)
    // The script counts itself once the shell runs: wait for it.
    for _ in 0..<100 where setup.started == 0 { usleep(20_000) }
    #expect(setup.started == 1)
    var symbolizer = try LLVMSymbolizer(environment: setup.environment)
    symbolizer.readsSymbolTables = false  // the Swift runtime to a symbolizer too
    #expect(EarlySymbolizer.take(executable: setup.counting) == nil, "the resolver took the session")
    #expect(try symbolizer.resolve(locations) == expected)
    // The early one named the C library; the others took the rest, one per core at most.
    #expect(setup.started == 1 + min(SymbolizerGroups.processes - 1, locations.count - 1))

    // The cache knows the C library now: no early start for the next report.
    EarlySymbolizer.start(environment: setup.environment, anyThread: true)
    #expect(EarlySymbolizer.take(executable: setup.counting) == nil)
  }

  /// A symbolizer that writes its process id to `pids` in its folder before it runs the real one.
  final class RecordingSymbolizer {
    let folder: String
    let executable: String

    init() throws {
      folder = NSTemporaryDirectory() + "workshop-early-symbolizer-\(UUID().uuidString)"
      try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
      executable = folder + "/symbolizer"
      try SymbolTestSupport.writeScript(
        "#!/bin/sh\necho $$ >> \(folder)/pids\nexec \(try LLVMSymbolizer.locate()) \"$@\"\n", to: executable)
    }

    deinit { try? FileManager.default.removeItem(atPath: folder) }

    var environment: [String: String] {
      ProcessInfo.processInfo.environment.merging(
        ["WORKSHOP_LLVM_SYMBOLIZER": executable, "WORKSHOP_SYMBOL_CACHE": folder + "/cache"]
      ) { $1 }
    }

    /// The ids of the symbolizers started so far, waiting up to two seconds for the first.
    func started() -> [pid_t] {
      for _ in 0..<100 {
        let ids = ((try? String(contentsOfFile: folder + "/pids", encoding: .utf8)) ?? "").split(separator: "\n")
          .compactMap { pid_t($0) }
        if !ids.isEmpty { return ids }
        usleep(20_000)
      }
      return []
    }
  }

  /// Whether `pid` is a process that has not ended (a zombie has: it only waits to be reaped).
  static func isRunning(_ pid: pid_t) -> Bool {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
      let close = status.lastIndex(of: ")")
    else { return false }
    return status[status.index(close, offsetBy: 2)] != "Z"
  }

  @Test func aReportThatFailsBeforeAskingEndsTheEarlySymbolizer() throws {
    let recording = try RecordingSymbolizer()
    EarlySymbolizer.start(environment: recording.environment, anyThread: true)
    let pid = try #require(recording.started().first, "no early symbolizer was started")
    #expect(Self.isRunning(pid))
    Symbolizer.discardEarly()
    // Killed and reaped: gone from /proc.
    for _ in 0..<250 where Self.isRunning(pid) { usleep(20_000) }
    #expect(!Self.isRunning(pid), "the early symbolizer \(pid) still runs")
    #expect(EarlySymbolizer.take(executable: recording.executable) == nil, "the session is still waiting")
  }

  @Test func theEarlySymbolizersTimeLimitCountsFromWhenAReportTakesIt() throws {
    let recording = try RecordingSymbolizer()
    let library = try #require(EarlySymbolizer.cLibraryPath())
    let malloc = try #require(try Self.dynamicSymbol("malloc", in: library))
    // A limit that has passed by the time the report asks: a clock counted from the start would stop it.
    EarlySymbolizer.start(environment: recording.environment, anyThread: true, timeLimit: 3)
    let pid = try #require(recording.started().first, "no early symbolizer was started")
    usleep(3_500_000)
    #expect(Self.isRunning(pid))
    var symbolizer = try LLVMSymbolizer(environment: recording.environment)
    symbolizer.symbolCacheFolder = nil
    let frames = try symbolizer.resolve([CodeLocation(module: library, offset: malloc + 8, isReturnAddress: false)])
    #expect(frames[0].last?.function?.contains("malloc") == true, "\(frames)")
    #expect(recording.started() == [pid], "the C library was not asked of the early symbolizer")
    #expect(!Self.isRunning(pid), "the early symbolizer was not ended after its answers")
  }
}
