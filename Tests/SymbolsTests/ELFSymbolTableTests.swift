import Foundation
import Testing
import WorkshopTestSupport

@testable import Symbols

/// Names read from a module's ELF symbol table in this process against llvm-symbolizer's, on real
/// programs built here without debug information and on the toolchain's Swift runtime.
@Suite(.timeLimit(.minutes(5))) struct ELFSymbolTableTests {
  /// A folder of its own, removed with this, holding `Programs/tables.c` built without `-g`: as it
  /// is (`.symtab`, with its `STT_FILE` symbol) and stripped to its dynamic symbols (`-rdynamic`).
  final class Built {
    let folder: String
    let withTable: String
    let stripped: String

    init() throws {
      folder = NSTemporaryDirectory() + "workshop-symbol-tables-\(UUID().uuidString)"
      try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
      let source = SymbolTestSupport.programsFolder.appendingPathComponent("tables.c").path
      withTable = folder + "/tables"
      stripped = folder + "/tables-stripped"
      for command in [
        ["cc", "-O1", "-rdynamic", source, "-o", withTable],
        ["strip", "--strip-all", withTable, "-o", stripped],
      ] {
        let (status, _) = try SymbolTestSupport.run(command)
        #expect(status == 0, "\(command.joined(separator: " ")) failed")
      }
    }

    deinit { try? FileManager.default.removeItem(atPath: folder) }
  }

  /// Every address of `module`'s defined symbols as `nm` lists them (`--dynamic` for the dynamic
  /// table), with the next few bytes and, every `step` bytes, the code between: each looked up as
  /// given.
  static func locations(in module: String, dynamic: Bool = false, every step: Int = 1, spread: UInt64 = 48)
    throws -> [CodeLocation]
  {
    let (status, table) = try SymbolTestSupport.run(
      ["nm", "--defined-only", "--print-size"] + (dynamic ? ["--dynamic"] : []) + [module])
    #expect(status == 0)
    var offsets = Set<UInt64>()
    for (position, line) in table.split(separator: "\n").enumerated() where position % step == 0 {
      guard let address = line.split(separator: " ").first.flatMap({ UInt64($0, radix: 16) }), address > 0 else {
        continue
      }
      for delta in stride(from: UInt64(0), through: spread, by: 3) { offsets.insert(address + delta) }
      offsets.insert(address - 1)
    }
    return offsets.sorted().map { CodeLocation(module: module, offset: $0, isReturnAddress: false) }
  }

  /// The frames of `locations` from the symbol table here and from llvm-symbolizer alone.
  static func bothWays(_ locations: [CodeLocation]) throws -> (
    here: [[SymbolizedFrame]], symbolizer: [[SymbolizedFrame]]
  ) {
    var here = try LLVMSymbolizer()
    here.symbolCacheFolder = nil
    var symbolizer = here
    symbolizer.readsSymbolTables = false
    return (try here.resolve(locations), try symbolizer.resolve(locations))
  }

  @Test func aProgramsOwnTableNamesAddressesAsLLVMSymbolizerDoes() throws {
    let built = try Built()
    let locations = try Self.locations(in: built.withTable)
    #expect(locations.count > 50)
    // The module is read here (no debug information anywhere), and its local symbols have a file.
    let named = try #require(ELFSymbolTable.names(in: built.withTable, at: locations.map(\.offset)))
    #expect(named.contains { $0?.name == "local_loop" && $0?.file == "tables.c" })
    #expect(named.contains { $0?.name == "exported_sum" || $0?.name == "exported_alias" })
    let (here, symbolizer) = try Self.bothWays(locations)
    for (location, (mine, theirs)) in zip(locations, zip(here, symbolizer)) where mine != theirs {
      Issue.record("0x\(String(location.offset, radix: 16)): \(mine) here, \(theirs) by llvm-symbolizer")
    }
    #expect(here.contains { $0.last?.label == "local_loop (tables.c)" })
  }

  @Test func aStrippedProgramIsNamedFromItsDynamicSymbols() throws {
    let built = try Built()
    // The addresses of the full table, so that local functions (unnamed once stripped) are asked too.
    let locations = try Self.locations(in: built.withTable).map {
      CodeLocation(module: built.stripped, offset: $0.offset, isReturnAddress: false)
    }
    #expect(ELFSymbolTable.names(in: built.stripped, at: [0]) != nil)
    let (here, symbolizer) = try Self.bothWays(locations)
    for (location, (mine, theirs)) in zip(locations, zip(here, symbolizer)) where mine != theirs {
      Issue.record("0x\(String(location.offset, radix: 16)): \(mine) here, \(theirs) by llvm-symbolizer")
    }
    #expect(here.contains { $0.last?.function == "main" })
    #expect(here.contains { $0.last?.function == nil })
  }

  @Test func theSwiftRuntimeIsNamedAsLLVMSymbolizerNamesIt() throws {
    let runtime = "/opt/swift/usr/lib/swift/linux/libswiftCore.so"
    guard ELFSymbolTable.names(in: runtime, at: [0]) != nil else { return }  // a toolchain with its debug information
    // Every 25th symbol of 37,000 with the bytes after it: about 25,000 addresses.
    let locations = try Self.locations(in: runtime, every: 25)
    let (here, symbolizer) = try Self.bothWays(locations)
    var differences = 0
    for (location, (mine, theirs)) in zip(locations, zip(here, symbolizer)) where mine != theirs {
      differences += 1
      if differences <= 5 {
        Issue.record("0x\(String(location.offset, radix: 16)): \(mine) here, \(theirs) by llvm-symbolizer")
      }
    }
    #expect(differences == 0)
    #expect(here.contains { $0.last?.file != nil }, "no local symbol with a file")
  }

  @Test func modulesWithDebugInformationAreLeftToTheSymbolizer() throws {
    let program = try SymbolTestSupport.compile("Fibonacci.swift")
    #expect(ELFSymbolTable.names(in: program, at: [0]) == nil)
    if let library = EarlySymbolizer.cLibraryPath(), ModuleLineTables.separateDebugFile(library) != nil {
      #expect(ELFSymbolTable.names(in: library, at: [0]) == nil, "the C library's build-ID debug file")
    }
    // A debug link whose file is beside the module.
    let built = try Built()
    let linked = built.folder + "/linked"
    let (status, _) = try SymbolTestSupport.run([
      "objcopy", "--add-gnu-debuglink=\(built.withTable)", built.stripped, linked,
    ])
    #expect(status == 0)
    #expect(ELFSymbolTable.names(in: linked, at: [0]) == nil)
    try FileManager.default.removeItem(atPath: built.withTable)
    #expect(ELFSymbolTable.names(in: linked, at: [0]) != nil, "the linked file is gone")
    // Not an ELF file at all, or none there.
    #expect(
      ELFSymbolTable.names(in: SymbolTestSupport.programsFolder.appendingPathComponent("tables.c").path, at: [0]) == nil
    )
    #expect(ELFSymbolTable.names(in: built.folder + "/missing", at: [0]) == nil)
  }

  @Test func damagedFilesAreReadWithoutATrap() throws {
    let built = try Built()
    let original = try Data(contentsOf: URL(fileURLWithPath: built.withTable))
    let damaged = built.folder + "/damaged"
    let offsets: [UInt64] = [0, 0x1000, 0x1100, 0x1200]
    // A fixed seed: a trap ends the whole test process, so a failing round must come again.
    var generator = SplitMix(seed: 11)
    // Bytes overwritten anywhere, then in the headers and tables a reader trusts (the ELF header,
    // the section headers at the end, the symbol table before them); and the file cut short.
    for round in 0..<150 {
      var bytes = [UInt8](original)
      let region: Range<Int> =
        switch round % 3 {
        case 0: 0..<bytes.count
        case 1: 0..<64
        default: max(0, bytes.count - 8192)..<bytes.count
        }
      for _ in 0..<(1 + round % 8) {
        bytes[Int.random(in: region, using: &generator)] = .random(in: 0...255, using: &generator)
      }
      if round % 10 == 9 { bytes.removeLast(Int.random(in: 1..<bytes.count, using: &generator)) }
      try Data(bytes).write(to: URL(fileURLWithPath: damaged))
      _ = ELFSymbolTable.names(in: damaged, at: offsets)
      _ = ModuleLineTables.mayHaveLines(damaged)
    }
  }
}
