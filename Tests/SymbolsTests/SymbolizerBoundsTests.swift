import Foundation
import Testing

@testable import Symbols

/// A capture names its modules by path, and a crafted one can name anything: the symbolizer opens
/// regular files only, and runs bounded in time and memory.
@Suite struct SymbolizerBoundsTests {
  /// A folder of its own, removed at the end, holding an executable script `name` with `body`.
  final class Scratch {
    let path = NSTemporaryDirectory() + "workshop-symbol-bounds-\(UUID().uuidString)"
    init() throws { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
    deinit { try? FileManager.default.removeItem(atPath: path) }

    func script(_ name: String, _ body: String) throws -> String {
      let file = path + "/" + name
      try SymbolTestSupport.writeScript("#!/bin/sh\n" + body + "\n", to: file)
      return file
    }
  }

  @Test("/dev/zero and a FIFO named as modules are not opened", .timeLimit(.minutes(3)))
  func devicesAndFIFOs() throws {
    let scratch = try Scratch()
    let fifo = scratch.path + "/fifo"
    #expect(mkfifo(fifo, 0o600) == 0)
    let locations = [
      CodeLocation(module: "/dev/zero", offset: 0x10), CodeLocation(module: fifo, offset: 0x20),
      CodeLocation(module: scratch.path, offset: 0x30),
    ]
    let start = Date()
    let frames = try LLVMSymbolizer().resolve(locations)
    #expect(Date().timeIntervalSince(start) < 10)
    #expect(frames == locations.map { [.unresolved($0)] })
    #expect(frames[0][0].label == "zero+0x10")
  }

  @Test(
    "a symbolizer that does not answer is stopped at its time bound, and its group with it", .timeLimit(.minutes(3)))
  func timeBound() throws {
    let scratch = try Scratch()
    let pidFile = scratch.path + "/pid"
    var symbolizer = try LLVMSymbolizer(executable: try scratch.script("slow", "echo $$ > \(pidFile); exec sleep 300"))
    symbolizer.timeLimit = 1
    symbolizer.readsSymbolTables = false  // /bin/sh has no debug information: it would be named here
    let start = Date()
    let error = #expect(throws: SymbolError.self) {
      try symbolizer.resolve([CodeLocation(module: "/bin/sh", offset: 0x10)])
    }
    #expect(Date().timeIntervalSince(start) < 10)
    #expect(
      error?.description.hasSuffix("failed: it was still running after 1 s and was stopped") == true,
      "\(String(describing: error))")
    let pid = try #require(
      Int32(try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
    #expect(kill(pid, 0) != 0, "the symbolizer \(pid) outlived its bound")
  }

  @Test("a symbolizer that grows past its memory bound fails its allocations", .timeLimit(.minutes(3)))
  func memoryBound() throws {
    let scratch = try Scratch()
    // Asks for 8 GiB: refused under a 512 MiB bound (python exits 1 on MemoryError).
    var symbolizer = try LLVMSymbolizer(
      executable: try scratch.script("greedy", "exec python3 -c 'x = bytearray(8 << 30); print(len(x))'"))
    symbolizer.addressSpaceLimit = 512 << 20
    symbolizer.readsSymbolTables = false
    let error = #expect(throws: SymbolError.self) {
      try symbolizer.resolve([CodeLocation(module: "/bin/sh", offset: 0x10)])
    }
    #expect(error?.description.contains("it exited with status 1") == true, "\(String(describing: error))")
  }

  @Test(
    "a symbolizer process that fails leaves only its own modules unnamed, and they are asked again next time",
    .timeLimit(.minutes(3)))
  func oneGroupFails() throws {
    let scratch = try Scratch()
    let library = try #require(EarlySymbolizer.cLibraryPath())
    // Two modules, the program and the C library: two processes, one each, whatever they cost.
    let runtime = "/opt/swift/usr/lib/swift/linux/libswiftCore.so"
    let locations = try ParallelSymbolizerTests.locations(cLibrary: library).filter { $0.module != runtime }
    #expect(Set(locations.map(\.module)).count == 2)
    // The real symbolizer, but a process asked about the C library fails.
    let real = try LLVMSymbolizer.locate()
    let script = try scratch.script(
      "picky",
      """
      IFS= read -r first || exit 3
      case "$first" in *libc.so*) exit 3 ;; esac
      { printf '%s\n' "$first"; cat; } | exec \(real) "$@"
      """)
    var resolver = try LLVMSymbolizer(executable: script)
    resolver.readsSymbolTables = false
    resolver.processes = 2  // on one core too
    resolver.symbolCacheFolder = scratch.path + "/cache"
    let symbolizer = Symbolizer(resolver: resolver)
    #expect(throws: SymbolError.self) { try symbolizer.resolve(locations) }
    for location in locations {
      let frames = symbolizer.frames(of: location)
      if location.module == library {
        #expect(frames == [.unresolved(location)], "its process failed")
      } else {
        #expect(frames.last?.function != nil, "named by another process: \(frames)")
      }
    }
    // The disk cache kept what was named, and not the failure: a symbolizer that works names the
    // C library next time.
    var working = try LLVMSymbolizer()
    working.readsSymbolTables = false
    working.symbolCacheFolder = resolver.symbolCacheFolder
    let again = try working.resolve(locations)
    #expect(again[1].last?.function?.contains("malloc") == true, "\(again[1])")
  }

  @Test("a symbolizer that failed once is not started again for every frame", .timeLimit(.minutes(3)))
  func failureIsCached() throws {
    let scratch = try Scratch()
    let countFile = scratch.path + "/starts"
    var resolver = try LLVMSymbolizer(executable: try scratch.script("failing", "echo x >> \(countFile); exit 3"))
    resolver.readsSymbolTables = false
    let symbolizer = Symbolizer(resolver: resolver)
    let stack = (1...20).map { CodeLocation(module: "/bin/sh", offset: UInt64($0) * 16) }
    let frames = symbolizer.frames(ofStack: stack)
    #expect(frames.count == 20)
    #expect(try String(contentsOfFile: countFile, encoding: .utf8) == "x\n")
  }
}
