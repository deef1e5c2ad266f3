// Resolves code locations with one llvm-symbolizer process per report, and a cache on disk.
import Foundation
import ProcessLaunch

#if canImport(Glibc)
  import Glibc
#endif

/// Something that turns code locations into frames: `llvm-symbolizer` in reports, a table in tests.
public protocol SymbolResolving {
  /// The frames of each location, in the same order as `locations`: for each, the innermost inlined
  /// function first and the function that owns the stack frame last. Never an empty array: a
  /// location nothing is known about becomes ``SymbolizedFrame/unresolved(_:)``.
  func resolve(_ locations: [CodeLocation]) throws -> [[SymbolizedFrame]]

  /// ``resolve(_:)`` that keeps what was named when a part failed: every location's frames (those
  /// of the failed part unresolved), and why that part failed, if one did.
  func resolveKeepingNamed(_ locations: [CodeLocation]) -> (frames: [[SymbolizedFrame]], failure: (any Error)?)
}

extension SymbolResolving {
  /// All or nothing: a resolver that fails names nothing.
  public func resolveKeepingNamed(_ locations: [CodeLocation]) -> (frames: [[SymbolizedFrame]], failure: (any Error)?) {
    do {
      return (try resolve(locations), nil)
    } catch {
      return (locations.map { [.unresolved($0)] }, error)
    }
  }
}

/// Resolves frames with `llvm-symbolizer --inlines --output-style=JSON`.
///
/// Why this resolver rather than elfutils' libdw or `addr2line`:
/// - Swift objects carry no `.debug_aranges`. llvm-symbolizer builds its own address map from the
///   compile units' ranges, so every Swift frame gets its file and line; a libdw lookup through
///   `dwarf_addrdie` relies on aranges, and the Debian libdw may lag behind the DWARF 5 forms the
///   toolchain's clang and swiftc emit. The toolchain's own llvm-symbolizer is the reader built
///   with the compiler that wrote the debug information.
/// - `--inlines` expands inlined frames (as memray's native mode does) without walking
///   `DW_TAG_inlined_subroutine` by hand, and it reads the symbol table when there is no debug
///   information, so a frame is never dropped.
/// - It needs no C shim and no Debian package: the Swift toolchain ships it.
///
/// Its cost is a process and a JSON stream, so one process serves a report (``SymbolizerSession``),
/// what it named is kept on disk for the next report (``SymbolDiskCache``), and each batch has its
/// addresses grouped
/// per module (the symbolizer keeps each module's tables open while its addresses follow), with
/// file-relative addresses (ip minus load bias). Names are asked in linkage form
/// (`--functions=linkage --no-demangle`) and demangled here by ``SwiftDemangler``: the symbolizer
/// leaves Swift names mangled, and one demangler for Swift and C++ keeps the names consistent.
public struct LLVMSymbolizer: SymbolResolving, Sendable {
  /// The `llvm-symbolizer` executable.
  public var executable: String
  /// Seconds the symbolizer may take over a report's batches before it is killed and the frames go
  /// unnamed.
  public var timeLimit: Double = Self.defaultTimeLimit
  /// Address space the symbolizer may map (4 GiB), so that a module it cannot cope with fails its
  /// allocations instead of taking the machine's memory.
  public var addressSpaceLimit: UInt64 = Self.defaultAddressSpaceLimit
  /// 120 s: see ``timeLimit``.
  static let defaultTimeLimit: Double = 120
  /// 4 GiB: see ``addressSpaceLimit``.
  static let defaultAddressSpaceLimit: UInt64 = 4 << 30
  /// The session ``Symbolizer/startEarly(environment:)`` started for this executable, if any.
  let early: EarlySymbolizerHandle

  /// Whether modules without debug information are named from their ELF symbol tables in this
  /// process (``ELFSymbolTable``) rather than by the symbolizer: the same names, without the
  /// symbolizer's reading and sorting of every symbol. Tests turn it off to compare the two.
  public var readsSymbolTables = true
  /// How many symbolizer processes may run at once (one per usable core, at most four).
  var processes = SymbolizerGroups.processes

  /// The folder where frames are kept between reports (``SymbolDiskCache``), nil for none:
  /// `WORKSHOP_SYMBOL_CACHE` (empty: none), else `$XDG_CACHE_HOME/workshop/symbols`, else
  /// `~/.cache/workshop/symbols`.
  public var symbolCacheFolder: String?

  /// Uses the given executable, or the one ``locate(environment:)`` finds, and the symbol cache
  /// folder `environment` names.
  public init(executable: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
    self.executable = try executable ?? Self.locate(environment: environment)
    self.symbolCacheFolder = SymbolDiskCache.folder(environment: environment)
    self.early = EarlySymbolizerHandle(EarlySymbolizer.take(executable: self.executable))
  }

  /// Finds llvm-symbolizer: `WORKSHOP_LLVM_SYMBOLIZER`, then next to the `swift` on `PATH` (the
  /// toolchain's, which understands what its compilers wrote), then /opt/swift/usr/bin, then `PATH`.
  public static func locate(
    environment: [String: String] = ProcessInfo.processInfo.environment,
    fileExists: (String) -> Bool = { FileManager.default.isExecutableFile(atPath: $0) }
  ) throws -> String {
    var candidates: [String] = []
    if let explicit = environment["WORKSHOP_LLVM_SYMBOLIZER"], !explicit.isEmpty {
      candidates.append(explicit)
    }
    let path = (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map(String.init)
    for folder in path where fileExists("\(folder)/swift") {
      let swift = URL(fileURLWithPath: "\(folder)/swift").resolvingSymlinksInPath()
      candidates.append(swift.deletingLastPathComponent().appendingPathComponent("llvm-symbolizer").path)
    }
    candidates.append("/opt/swift/usr/bin/llvm-symbolizer")
    candidates += path.map { "\($0)/llvm-symbolizer" }
    guard let found = candidates.first(where: fileExists) else {
      throw SymbolError.symbolizerMissing(searched: candidates)
    }
    return found
  }

  /// Resolves all locations: what the disk cache knows from an earlier report, and the rest with
  /// symbolizer processes that run at once, each over whole modules (``SymbolizerGroups``): their
  /// frames, then the line search, in the same process. The C library goes to the session that
  /// ``Symbolizer/startEarly(environment:)`` started, when there is one.
  ///
  /// - Complexity: at most one process per core; O(n) lines written and read. The symbolizer's own
  ///   cost is reading each module's tables once plus a lookup per address.
  public func resolve(_ locations: [CodeLocation]) throws -> [[SymbolizedFrame]] {
    let (frames, failure) = resolveKeepingNamed(locations)
    if let failure { throw failure }
    return frames
  }

  /// ``resolve(_:)``, keeping what the symbolizer processes that did not fail named: a process that
  /// fails (or cannot start) leaves only its own modules' locations unresolved, and they are not
  /// stored in the disk cache, so the next report asks again.
  public func resolveKeepingNamed(_ locations: [CodeLocation]) -> (frames: [[SymbolizedFrame]], failure: (any Error)?) {
    let early = early.take()
    // Only regular files are worth opening: a capture may name /dev/zero or a FIFO as a module,
    // which the symbolizer would read forever.
    var isRegularFile: [String: Bool] = [:]
    for location in locations where isRegularFile[location.module] == nil {
      isRegularFile[location.module] = Self.isRegularFile(location.module)
    }
    var result = locations.map { [SymbolizedFrame.unresolved($0)] }
    // Grouped per module: the order the symbolizer is fastest with.
    let order = locations.indices.filter { isRegularFile[locations[$0].module] == true }
      .sorted { locations[$0] < locations[$1] }
    guard !order.isEmpty else { return (result, nil) }
    let diskCache = symbolCacheFolder.flatMap { SymbolDiskCache(folder: $0, symbolizer: executable) }
    var cached: [String: SymbolDiskCache.Module] = [:]
    var asked: [Int] = []
    for index in order {
      let location = locations[index]
      if cached[location.module] == nil, let diskCache, let module = diskCache.module(location.module) {
        cached[location.module] = module
      }
      if let stored = cached[location.module]?.frames[location.lookupOffset] {
        result[index] = stored.isEmpty ? [.unresolved(location)] : stored.map { Self.frame($0, at: location) }
      } else {
        asked.append(index)
      }
    }
    guard !asked.isEmpty else { return (result, nil) }
    let (named, left) = readsSymbolTables ? nameFromSymbolTables(asked, of: locations) : ([], asked)
    for (index, frames) in named { result[index] = frames }
    var failure: (indices: Set<Int>, error: SymbolError)?
    if left.isEmpty {
      early?.session.end()
    } else {
      let parallel = resolveInParallel(left, of: locations, early: early)
      for (index, frames) in parallel.resolved { result[index] = frames }
      failure = parallel.failure
    }
    if let diskCache {
      // What was named is stored; the locations of a process that failed are not stored as
      // unnamed: the next report asks again.
      for index in asked where failure?.indices.contains(index) != true {
        let location = locations[index]
        guard var module = cached[location.module] else { continue }
        let frames = result[index]
        module.frames[location.lookupOffset] =
          frames.count == 1 && frames[0] == .unresolved(location)
          ? []
          : frames.map { .init(function: $0.function, file: $0.file, line: $0.line, isInlined: $0.isInlined) }
        module.changed = true
        cached[location.module] = module
      }
      for module in cached.values { diskCache.save(module) }
    }
    return (result, failure?.error)
  }

  /// The frames of the locations at `asked` (sorted by module) that are in modules without debug
  /// information, named from their symbol tables here (``ELFSymbolTable``) as llvm-symbolizer would
  /// name them, and the locations left to the symbolizer.
  private func nameFromSymbolTables(_ asked: [Int], of locations: [CodeLocation])
    -> (named: [(Int, [SymbolizedFrame])], left: [Int])
  {
    var named: [(Int, [SymbolizedFrame])] = []
    var left: [Int] = []
    var names: [String: String] = [:]
    var start = asked.startIndex
    while start < asked.endIndex {
      let module = locations[asked[start]].module
      var end = start + 1
      while end < asked.endIndex && locations[asked[end]].module == module { end += 1 }
      let indices = asked[start..<end]
      if let found = ELFSymbolTable.names(in: module, at: indices.map { locations[$0].lookupOffset }) {
        for (index, symbol) in zip(indices, found) {
          // The answer llvm-symbolizer gives such an address, read as its answers are.
          let answer = SymbolizerAnswer(symbols: [
            .init(functionName: symbol?.name ?? "", fileName: symbol?.file ?? "", line: 0)
          ])
          named.append((index, frames(answer, location: locations[index], names: &names)))
        }
      } else {
        left += indices
      }
      start = end
    }
    return (named, left)
  }

  /// The frames of the locations at `asked` (sorted by module), from symbolizer processes that run
  /// at once, one per group of modules. Every process is started here, on the calling thread, which
  /// waits for the others: a symbolizer dies with the thread that started it. A process that fails
  /// fails its own group only: its locations are left out of `resolved`, and `failure` says which and
  /// why (the first failure, if several).
  private func resolveInParallel(_ asked: [Int], of locations: [CodeLocation], early: EarlySymbolizer?)
    -> (resolved: [(Int, [SymbolizedFrame])], failure: (indices: Set<Int>, error: SymbolError)?)
  {
    var byModule: [String: [Int]] = [:]
    var modules: [String] = []
    for index in asked {
      let module = locations[index].module
      if byModule[module] == nil { modules.append(module) }
      byModule[module, default: []].append(index)
    }
    // The early session, if it is alive and loading one of these modules (by file, whatever the path).
    let earlyModule = early.flatMap { early -> String? in
      guard early.session.isRunning() else { return nil }
      return modules.first { EarlySymbolizer.FileKey($0) == early.moduleFile }
    }
    if earlyModule == nil { early?.session.end() }  // a session nobody asks is not kept
    let plan =
      modules.count == 1 && earlyModule == nil
      ? SymbolizerGroups(modules: [(modules[0], 0)], processes: 1)
      : SymbolizerGroups(
        modules: modules.map { ($0, SymbolizerGroups.estimatedCost($0)) }, processes: processes,
        early: earlyModule)
    var failure: (indices: Set<Int>, error: SymbolError)?
    func fail(_ indices: [Int], _ error: any Error) {
      let reason = error as? SymbolError ?? .symbolizerFailed(path: executable, reason: "\(error)")
      failure = ((failure?.indices ?? []).union(indices), failure?.error ?? reason)
    }
    var jobs: [SymbolizerJob] = []
    defer { jobs.forEach { $0.session.end() } }
    for (position, group) in plan.groups.enumerated() {
      let indices = group.flatMap { byModule[$0]! }
      let session: SymbolizerSession
      if position == 0 && earlyModule != nil {
        session = early!.session
      } else {
        do {
          session = try SymbolizerSession(
            arguments: Self.arguments(executable), environment: Self.environment(ProcessInfo.processInfo.environment),
            timeLimit: timeLimit, addressSpaceLimit: addressSpaceLimit)
        } catch {
          fail(indices, error)  // a process that cannot start fails its own group only
          continue
        }
      }
      let aliases = position == 0 && earlyModule != nil ? [earlyModule!: early!.module] : [:]
      jobs.append(SymbolizerJob(indices: indices, session: session, aliases: aliases))
    }
    guard let first = jobs.first else { return ([], failure) }
    let finished = DispatchGroup()
    for job in jobs.dropFirst() {
      finished.enter()
      Thread.detachNewThread { [self] in
        job.run(self, locations: locations)
        finished.leave()
      }
    }
    first.run(self, locations: locations)
    finished.wait()
    var resolved: [(Int, [SymbolizedFrame])] = []
    for job in jobs {
      if let error = job.error {
        fail(job.indices, error)
        continue
      }
      resolved += zip(job.indices, job.frames).map { ($0, $1) }
    }
    return (resolved, failure)
  }

  /// The frames of `indices` of `locations`, asked of `session`: the batch, then the line search.
  /// `aliases` names modules as the session loaded them already (the early session's C library by
  /// the path this process found, the capture's by another path to the same file).
  fileprivate func resolve(
    _ indices: [Int], of locations: [CodeLocation], session: SymbolizerSession, aliases: [String: String]
  ) throws -> [[SymbolizedFrame]] {
    let asked = indices.map { locations[$0] }
    var quoted: [String: String] = [:]
    for location in asked where quoted[location.module] == nil {
      quoted[location.module] = Self.quoted(aliases[location.module] ?? location.module)
    }
    var input = ""
    input.reserveCapacity(asked.count * 64)
    for location in asked {
      input += "CODE \(quoted[location.module]!) 0x\(String(location.lookupOffset, radix: 16))\n"
    }
    let answers = try decode(try session.answer(Array(input.utf8), expected: asked.count), expected: asked.count)
    var names: [String: String] = [:]  // linkage name → demangled, many addresses share a function
    var result = zip(answers, asked).map { answer, location in frames(answer, location: location, names: &names) }
    let functionStarts = answers.map { $0.symbols?.last?.startAddress }
    try lineCodeBefore(
      in: &result, locations: asked, functionStarts: functionStarts, quoted: quoted, names: &names, session: session)
    session.end()
    return result
  }

  /// The symbolizer's command line: `executable` and its options.
  static func arguments(_ executable: String) -> [String] {
    [executable, "--inlines", "--output-style=JSON", "--functions=linkage", "--no-demangle"]
  }

  /// The symbolizer's environment: ours, without debuginfod, so that it never waits on the network
  /// for a library's debug information, and with ``SymbolizerPreload``'s faster inflation.
  static func environment(_ environment: [String: String]) -> [String: String] {
    SymbolizerPreload.preloading(environment.merging(["DEBUGINFOD_URLS": ""]) { $1 })
  }

  /// A stored frame at `location`.
  private static func frame(_ stored: SymbolDiskCache.Stored, at location: CodeLocation) -> SymbolizedFrame {
    SymbolizedFrame(
      function: stored.function, file: stored.file, line: stored.line, location: location,
      isInlined: stored.isInlined)
  }

  /// How far back, in bytes, a location of line 0 is looked for a line, in rounds: most are found
  /// within the first round, so the batches stay small.
  static let lineSearchRounds: [ClosedRange<UInt64>] = [1...96, 97...1024]

  /// Gives a line to the frames that have a file but line 0. The compiler puts the code it
  /// generates itself at line 0 (a `for` loop's call to `IndexingIterator.next()` is there in a
  /// debug build), so a return address into it names the file but no line, and the learner cannot
  /// tell which loop it is. The line of the nearest code before it in the same function is the
  /// statement that code belongs to, as a debugger would show it. The search stays within the
  /// function, from its first byte (`functionStarts`, each location's in the batch's answer).
  /// `names` keeps the demangled linkage names, as in the batch.
  private func lineCodeBefore(
    in result: inout [[SymbolizedFrame]], locations: [CodeLocation], functionStarts: [UInt64?],
    quoted: [String: String], names: inout [String: String], session: SymbolizerSession
  ) throws {
    var mayHaveLines: [String: Bool] = [:]
    var missing = locations.indices.filter { index in
      guard result[index].last.map({ $0.file != nil && $0.line == nil && $0.function != nil }) ?? false else {
        return false
      }
      let module = locations[index].module
      if let known = mayHaveLines[module] { return known }
      let lines = ModuleLineTables.mayHaveLines(module)
      mayHaveLines[module] = lines
      return lines
    }
    for round in Self.lineSearchRounds where !missing.isEmpty {
      var input = ""
      var asked: [(index: Int, distance: UInt64)] = []
      for index in missing {
        let start = locations[index].lookupOffset
        // Not before the function's first byte: what lies there is another function's code, whose
        // line is not this one's (most line-0 functions are short; the rounds ask up to 1024 bytes).
        let farthest = functionStarts[index].map { $0 <= start ? start - $0 : start } ?? start
        for distance in round where distance <= farthest {
          input += "CODE \(quoted[locations[index].module]!) 0x\(String(start - distance, radix: 16))\n"
          asked.append((index, distance))
        }
      }
      guard !asked.isEmpty else { return }
      let answers = try decode(
        try session.answer(Array(input.utf8), expected: asked.count), expected: asked.count)
      var found = Set<Int>()
      for (answer, question) in zip(answers, asked) where !found.contains(question.index) {
        // The owning function is the answer's last symbol; the search ends where that function does.
        guard let owner = answer.symbols?.last, let frame = result[question.index].last,
          owner.fileName == frame.file
        else { continue }
        let linkage = owner.functionName ?? ""
        let name = names[linkage] ?? SwiftDemangler.demangle(linkage)
        names[linkage] = name
        guard name == frame.function else {
          found.insert(question.index)  // another function: give up on this one
          continue
        }
        if let line = owner.line, line > 0 {
          result[question.index][result[question.index].count - 1].line = line
          found.insert(question.index)
        }
      }
      missing.removeAll { found.contains($0) }
    }
  }

  /// Whether `path` is a regular file (after symbolic links), the only kind of module looked into.
  /// A path with a line break is not asked at all: it would be two questions to the symbolizer,
  /// whose extra answer would shift every answer after it in the session.
  static func isRegularFile(_ path: String) -> Bool {
    guard !path.utf8.contains(where: { $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") }) else { return false }
    var status = stat()
    return stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFREG
  }

  static func quoted(_ path: String) -> String {
    // Through the UTF-8 view: String.contains(String) goes through Foundation's slow search.
    path.utf8.contains(UInt8(ascii: " ")) || path.utf8.contains(UInt8(ascii: "\""))
      ? "\"\(path.replacingOccurrences(of: "\"", with: "\\\""))\"" : path
  }

  private func frames(_ answer: SymbolizerAnswer, location: CodeLocation, names: inout [String: String])
    -> [SymbolizedFrame]
  {
    guard let symbols = answer.symbols, !symbols.isEmpty else { return [.unresolved(location)] }
    var frames: [SymbolizedFrame] = []
    frames.reserveCapacity(symbols.count)
    for (position, symbol) in symbols.enumerated() {
      var function: String?
      if let linkage = symbol.functionName, !linkage.isEmpty, linkage != "??" {
        if let known = names[linkage] {
          function = known
        } else {
          let demangled = SwiftDemangler.demangle(linkage)
          names[linkage] = demangled
          function = demangled
        }
      }
      let file = symbol.fileName.flatMap { $0.isEmpty || $0 == "??" ? nil : $0 }
      let line = symbol.line.flatMap { $0 > 0 ? $0 : nil }
      if function == nil && file == nil { continue }
      frames.append(
        SymbolizedFrame(
          function: function, file: file, line: file == nil ? nil : line, location: location,
          isInlined: position < symbols.count - 1))
    }
    return frames.isEmpty ? [.unresolved(location)] : frames
  }

  private func decode(_ output: [UInt8], expected: Int) throws -> [SymbolizerAnswer] {
    let answers: [SymbolizerAnswer]
    do {
      answers = try SymbolizerAnswer.answers(in: output)
    } catch {
      throw SymbolError.symbolizerFailed(
        path: executable, reason: "its output is not the JSON expected (\(error.reason))")
    }
    guard answers.count == expected else {
      throw SymbolError.symbolizerFailed(
        path: executable, reason: "it answered \(answers.count) of \(expected) addresses")
    }
    return answers
  }
}

/// One symbolizer process's share of a batch, run on a thread of its own.
private final class SymbolizerJob: @unchecked Sendable {
  /// The locations it names (indices into the batch's), whole modules sorted by offset.
  let indices: [Int]
  /// Its symbolizer, started by the resolver's thread.
  let session: SymbolizerSession
  /// Modules by the paths the session knows them by (see ``LLVMSymbolizer/resolve(_:of:session:aliases:)``).
  let aliases: [String: String]
  /// Their frames, once run.
  var frames: [[SymbolizedFrame]] = []
  /// Why it failed, if it did.
  var error: (any Error)?

  init(indices: [Int], session: SymbolizerSession, aliases: [String: String]) {
    self.indices = indices
    self.session = session
    self.aliases = aliases
  }

  func run(_ resolver: LLVMSymbolizer, locations: [CodeLocation]) {
    do {
      frames = try resolver.resolve(indices, of: locations, session: session, aliases: aliases)
    } catch {
      self.error = error
    }
  }
}
