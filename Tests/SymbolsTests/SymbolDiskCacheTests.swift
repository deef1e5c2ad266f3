import Foundation
import Testing

@testable import Symbols

/// The frames of one report are kept on disk for the next: the same frames, no symbolizer started,
/// and a module that changed is asked again.
@Suite(.timeLimit(.minutes(5))) struct SymbolDiskCacheTests {
  /// A folder of its own holding a copy of the Loops program (a file no other test touches), a
  /// symbolizer that counts its starts before running the real one, and the cache folder.
  final class Setup {
    let counting: CountingSymbolizer
    let program: String
    var symbolizer: LLVMSymbolizer
    var path: String { counting.path }

    init() throws {
      counting = try CountingSymbolizer(prefix: "workshop-symbol-cache")
      program = counting.path + "/Loops"
      try FileManager.default.copyItem(atPath: try SymbolTestSupport.compile("Loops.swift"), toPath: program)
      symbolizer = try LLVMSymbolizer(executable: counting.executable)
      symbolizer.symbolCacheFolder = counting.path + "/cache"
    }

    var startCount: Int { counting.started }

    /// Locations in the program: a function's entry, the loop call whose line comes from the
    /// line search, an address past every function, and one in a module that does not exist.
    func locations() throws -> [CodeLocation] {
      let loopCall = try #require(try LLVMSymbolizerTests.returnAddressOfLoopCall(in: program))
      return [
        CodeLocation(module: program, offset: loopCall),
        CodeLocation(module: program, offset: loopCall, isReturnAddress: false),
        CodeLocation(module: program, offset: 0x7fff_ffff),
        CodeLocation(module: "/no/such/module.so", offset: 0x10),
      ]
    }
  }

  @Test("a second report gets the same frames from the cache and starts no symbolizer")
  func secondReportIsCached() throws {
    let setup = try Setup()
    let locations = try setup.locations()
    let first = try setup.symbolizer.resolve(locations)
    #expect(setup.startCount == 1, "one symbolizer for the frames and the line search")
    #expect(first[0].last?.line == 7, "the loop's line, found by the line search: \(first[0])")
    let second = try setup.symbolizer.resolve(locations)
    #expect(second == first)
    #expect(setup.startCount == 1)
    // A location of the same module not seen before starts it again, and keeps what was known.
    let more = [CodeLocation(module: setup.program, offset: 0x10)] + locations
    let third = try setup.symbolizer.resolve(more)
    #expect(Array(third.dropFirst()) == first)
    #expect(setup.startCount == 2)
    _ = try setup.symbolizer.resolve(more)
    #expect(setup.startCount == 2)
  }

  @Test("debug information that appears after a report is read by the next: the module is another entry")
  func separateDebugInformationInstalledLater() throws {
    let setup = try Setup()
    // tables.c with its debug information in a file of its own, named by .gnu_debuglink, as a
    // distribution's -dbg package ships it.
    let program = setup.path + "/tables"
    try FileManager.default.copyItem(atPath: try SymbolTestSupport.compile("tables.c"), toPath: program)
    let debug = program + ".debug"
    for command in [
      ["objcopy", "--only-keep-debug", program, debug], ["objcopy", "--strip-debug", program],
      ["objcopy", "--add-gnu-debuglink=\(debug)", program],
    ] {
      #expect(try SymbolTestSupport.run(command).0 == 0, "\(command)")
    }
    let main = try #require(try SymbolTestSupport.address(of: "main", in: program))
    let locations = [CodeLocation(module: program, offset: main + 4, isReturnAddress: false)]
    let aside = debug + ".aside"
    try FileManager.default.moveItem(atPath: debug, toPath: aside)
    let before = try setup.symbolizer.resolve(locations)
    #expect(before[0].last?.function == "main" && before[0].last?.line == nil, "its symbol table only: \(before)")
    // The debug package installed: the cached entry is not this module's any more.
    try FileManager.default.moveItem(atPath: aside, toPath: debug)
    let after = try setup.symbolizer.resolve(locations)
    #expect(after[0].last?.function == "main" && after[0].last?.line != nil, "a line now: \(after)")
    #expect(after[0].last?.file?.hasSuffix("tables.c") == true, "\(after)")
    #expect(try setup.symbolizer.resolve(locations) == after, "and that is cached in turn")
  }

  @Test("a module rewritten in place is symbolized again, and no folder means no cache")
  func changedModuleIsAskedAgain() throws {
    let setup = try Setup()
    let locations = try setup.locations()
    let first = try setup.symbolizer.resolve(locations)
    // Same bytes, another modification time: what a rebuild leaves.
    var times = [timespec(tv_sec: 1_000_000_000, tv_nsec: 0), timespec(tv_sec: 1_000_000_000, tv_nsec: 0)]
    #expect(utimensat(AT_FDCWD, setup.program, &times, 0) == 0)
    #expect(try setup.symbolizer.resolve(locations) == first)
    #expect(setup.startCount == 2)
    setup.symbolizer.symbolCacheFolder = nil
    #expect(try setup.symbolizer.resolve(locations) == first)
    #expect(setup.startCount == 3)
  }

  @Test("a module path with a line break is not asked: the answers after it stay in place")
  func lineBreakInPath() throws {
    let setup = try Setup()
    let odd = setup.path + "/Lo\nops"
    try FileManager.default.copyItem(atPath: setup.program, toPath: odd)
    let normal = try setup.locations()[0]
    let oddLocation = CodeLocation(module: odd, offset: normal.offset)
    let frames = try setup.symbolizer.resolve([oddLocation, normal])
    #expect(frames[0] == [.unresolved(oddLocation)])
    #expect(frames[1].last?.function == "total(_:)")
    #expect(frames[1].last?.line == 7)
  }

  @Test("names with tabs, newlines and backslashes survive the file; a damaged file is a miss")
  func fieldsRoundTrip() throws {
    let setup = try Setup()
    let folder = setup.path + "/cache"
    let cache = try #require(SymbolDiskCache(folder: folder, symbolizer: "/bin/sh"))
    var module = try #require(cache.module(setup.program))
    let odd = SymbolDiskCache.Stored(function: "a\tb\nc\\d", file: nil, line: 3, isInlined: true)
    let plain = SymbolDiskCache.Stored(function: nil, file: "/x/y.swift", line: nil, isInlined: false)
    module.frames[0x42] = [odd, plain]
    module.frames[0x43] = []
    module.changed = true
    cache.save(module)
    let read = try #require(cache.module(setup.program))
    #expect(read.frames == module.frames)
    let file = try #require(try FileManager.default.contentsOfDirectory(atPath: folder).first)
    try "garbage\n42\t=x".write(toFile: folder + "/" + file, atomically: true, encoding: .utf8)
    #expect(cache.module(setup.program)?.frames.isEmpty == true)
  }
}
