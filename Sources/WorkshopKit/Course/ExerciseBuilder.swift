import Foundation
import ProcessLaunch

#if canImport(Glibc)
  import Glibc
#endif

/// Which files stand in for the learner's: theirs, or the reference solution's.
public enum ExerciseVariant: String, Sendable, CaseIterable {
  /// The learner's files in `Exercises/exercise_N/`.
  case learner
  /// The reference solution in `Solutions/exercise_N/`.
  case solution
}

/// What building an exercise gave.
public enum BuildOutcome: Sendable, Equatable {
  /// The program, and whether it came from the cache.
  case built(executable: String, key: String, cached: Bool)
  /// The compiler's diagnostics, with paths relative to the course folder.
  case failed(diagnostics: String)
}

/// Builds an exercise with `swiftc -g` into one program: the support file, the learner's (or the
/// solution's) files and the check harness.
///
/// Builds are cached by content in ``cacheFolder``: the key hashes every source's path and bytes, the
/// compiler's version and the flags, so an unchanged exercise is never compiled again and a changed
/// one never reuses a stale program. Two builders may build the same key at once: each compiles
/// into its own temporary file and renames it into place.
public struct ExerciseBuilder: Sendable {
  /// Where built programs are kept (`.workshop/build/` of the course, by default).
  public var cacheFolder: URL
  /// The compiler's flags besides the files and `-o`: the debug build every check uses.
  public static let flags = ["-g", "-module-name", "Exercise"]
  /// Flags added after ``flags`` (the course verification adds `-O` to check the margins of an
  /// optimized build too); part of the cache key.
  public var extraFlags: [String]

  /// A builder that caches in `cacheFolder`.
  public init(cacheFolder: URL) {
    self.init(cacheFolder: cacheFolder, extraFlags: [])
  }

  /// A builder that caches in `cacheFolder` and compiles with ``flags`` then `extraFlags`.
  public init(cacheFolder: URL, extraFlags: [String]) {
    self.cacheFolder = cacheFolder
    self.extraFlags = extraFlags
  }

  /// A builder that caches in the course's `.workshop/build/`, or in `WORKSHOP_BUILD_CACHE` when set
  /// (the tests share one cache between their copies of a course: keys do not depend on where the
  /// course is).
  public init(course: Course, environment: [String: String] = ProcessInfo.processInfo.environment) {
    if let shared = environment["WORKSHOP_BUILD_CACHE"], !shared.isEmpty {
      self.init(cacheFolder: URL(fileURLWithPath: shared))
    } else {
      self.init(cacheFolder: course.stateFolder.appendingPathComponent("build"))
    }
  }

  /// The sources of `variant`, relative to the course folder, in compile order.
  public static func sources(of exercise: Exercise, variant: ExerciseVariant) -> [String] {
    [Exercise.supportFile] + (variant == .learner ? exercise.learnerFiles : exercise.solutionFiles)
      + [exercise.checkMain]
  }

  /// Builds `variant` of `exercise`, or finds it in the cache.
  ///
  /// - Throws: ``WorkshopError/exerciseFileMissing(path:)`` for a missing source,
  ///   ``WorkshopError/compilerNotStarted(reason:)`` when there is no swiftc.
  /// - Parameter compiling: called before the compiler starts (not when the build is cached).
  public func build(_ exercise: Exercise, variant: ExerciseVariant, compiling: () -> Void = {}) throws(WorkshopError)
    -> BuildOutcome
  {
    let sources = Self.sources(of: exercise, variant: variant)
    let compiler = try Compiler.find()
    let (key, folder) = try place(of: exercise, variant: variant, compiler: compiler)
    let executable = folder.appendingPathComponent("program").path
    if FileManager.default.isExecutableFile(atPath: executable) {
      markUsed(folder)
      return .built(executable: executable, key: key, cached: true)
    }
    // One compiler per key at a time: whoever waited finds the program built.
    try create(cacheFolder)
    let lock = open(cacheFolder.appendingPathComponent("\(key).lock").path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
    if lock >= 0 { flock(lock, LOCK_EX) }
    defer {
      if lock >= 0 {
        unlink(cacheFolder.appendingPathComponent("\(key).lock").path)
        flock(lock, LOCK_UN)
        close(lock)
      }
    }
    if FileManager.default.isExecutableFile(atPath: executable) {
      markUsed(folder)
      return .built(executable: executable, key: key, cached: true)
    }
    compiling()
    try create(folder)
    let temporary = folder.appendingPathComponent("program.\(getpid()).\(UInt32.random(in: 0...UInt32.max))").path
    let diagnosticsPath = temporary + ".diagnostics"
    defer {
      unlink(temporary)
      unlink(diagnosticsPath)
    }
    let status = try compiler.compile(
      sources + ["-o", temporary], flags: Self.flags + extraFlags, in: exercise.courseFolder.path,
      diagnostics: diagnosticsPath)
    let diagnostics = (try? String(contentsOfFile: diagnosticsPath, encoding: .utf8)) ?? ""
    guard status == .exited(0) else {
      try? FileManager.default.removeItem(at: folder)
      let reason = status == .exited(1) ? "" : "swiftc \(status)\n"
      return .failed(diagnostics: reason + diagnostics)
    }
    guard rename(temporary, executable) == 0 else {
      throw .writeFailed(path: executable, reason: String(cString: strerror(errno)))
    }
    removeStaleBuilds(of: exercise, variant: variant, keeping: folder.lastPathComponent)
    return .built(executable: executable, key: key, cached: false)
  }

  /// The program of `variant` when its build of the files as they are now is in the cache, else
  /// nil; never compiles.
  public func cachedProgram(of exercise: Exercise, variant: ExerciseVariant) -> String? {
    guard let compiler = try? Compiler.find(),
      let (_, folder) = try? place(of: exercise, variant: variant, compiler: compiler)
    else { return nil }
    let executable = folder.appendingPathComponent("program").path
    return FileManager.default.isExecutableFile(atPath: executable) ? executable : nil
  }

  /// The cache key of the build of `variant` (the compiler, the flags, every source) and its folder.
  private func place(of exercise: Exercise, variant: ExerciseVariant, compiler: Compiler) throws(WorkshopError) -> (
    key: String, folder: URL
  ) {
    var hash = ContentHash()
    hash.add(try compiler.version(cacheFolder: cacheFolder))
    hash.add((Self.flags + extraFlags).joined(separator: " "))
    for source in Self.sources(of: exercise, variant: variant) {
      guard let bytes = FileManager.default.contents(atPath: exercise.path(source)) else {
        throw .exerciseFileMissing(path: source)
      }
      hash.add(source)
      hash.add(bytes)
    }
    let key = hash.hex
    return (key, cacheFolder.appendingPathComponent("\(exercise.name)-\(variant.rawValue)-\(key)"))
  }

  private func create(_ folder: URL) throws(WorkshopError) {
    do {
      try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    } catch {
      throw .writeFailed(path: folder.path, reason: error.localizedDescription)
    }
  }

  /// Marks a build as just used, so that pruning keeps it: a check that found it cached is about to
  /// run it and then symbolize its frames from it.
  private func markUsed(_ folder: URL) {
    utimes(folder.path, nil)
  }

  /// Keeps the three most recently used builds per exercise and variant, so the cache does not grow
  /// with every edit; a build used in the last ten minutes is never removed: a check may still be
  /// running it or symbolizing from it, which on a loaded machine can take more than a minute.
  private func removeStaleBuilds(of exercise: Exercise, variant: ExerciseVariant, keeping kept: String) {
    let prefix = "\(exercise.name)-\(variant.rawValue)-"
    let names = (try? FileManager.default.contentsOfDirectory(atPath: cacheFolder.path)) ?? []
    let builds = names.filter { $0.hasPrefix(prefix) && $0 != kept && !$0.hasSuffix(".lock") }.map { name in
      let url = cacheFolder.appendingPathComponent(name)
      let modified = (try? FileManager.default.attributesOfItem(atPath: url.path)[.modificationDate] as? Date) ?? nil
      return (url, modified ?? .distantPast)
    }.sorted { $0.1 > $1.1 }
    for (url, modified) in builds.dropFirst(2) where modified < Date(timeIntervalSinceNow: -600) {
      try? FileManager.default.removeItem(at: url)
    }
  }
}

/// The Swift compiler in `PATH`.
struct Compiler {
  /// Its path as found in `PATH` (symlinks kept: the driver decides what it is by its name).
  var path: String

  /// Finds `swiftc` in `PATH`.
  static func find(environment: [String: String] = ProcessInfo.processInfo.environment) throws(WorkshopError)
    -> Compiler
  {
    let folders = (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
    for folder in folders {
      let candidate = "\(folder)/swiftc"
      if FileManager.default.isExecutableFile(atPath: candidate) {
        return Compiler(path: candidate)
      }
    }
    throw .compilerNotStarted(reason: "no swiftc in PATH")
  }

  /// `swiftc --version`, asked once per compiler binary (path, size, time) and kept in the cache.
  func version(cacheFolder: URL) throws(WorkshopError) -> String {
    let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
    let attributes = (try? FileManager.default.attributesOfItem(atPath: resolved)) ?? [:]
    let size = (attributes[.size] as? NSNumber)?.uint64Value ?? 0
    let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
    var identity = ContentHash()
    identity.add("\(path) \(resolved) \(size) \(modified)")
    let cached = cacheFolder.appendingPathComponent("swiftc-\(identity.hex).version")
    if let text = try? String(contentsOf: cached, encoding: .utf8), !text.isEmpty { return text }
    let output = FileManager.default.temporaryDirectory
      .appendingPathComponent("workshop-swiftc-version-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
    defer { unlink(output) }
    let status = try run([path, "--version"], in: FileManager.default.currentDirectoryPath, output: output)
    guard status == .exited(0), let text = try? String(contentsOfFile: output, encoding: .utf8), !text.isEmpty else {
      throw .compilerNotStarted(reason: "\(path) --version \(status)")
    }
    try? FileManager.default.createDirectory(at: cacheFolder, withIntermediateDirectories: true)
    let temporary = cached.path + ".\(getpid())"
    if (try? text.write(toFile: temporary, atomically: false, encoding: .utf8)) != nil {
      rename(temporary, cached.path)
    }
    return text
  }

  /// Compiles in `folder` (so that diagnostics name files relative to it), writing what the compiler
  /// says to `diagnostics`.
  func compile(_ arguments: [String], flags: [String], in folder: String, diagnostics: String) throws(WorkshopError)
    -> ExitStatus
  {
    try run([path] + flags + arguments, in: folder, output: diagnostics)
  }

  private func run(_ arguments: [String], in folder: String, output: String) throws(WorkshopError) -> ExitStatus {
    do {
      return try ChildProcess.run(arguments, in: folder, outputPath: output)
    } catch {
      throw .compilerNotStarted(reason: error.reason)
    }
  }
}

/// Runs a helper program (the compiler, git, diff) to completion, its output to a file, nothing preloaded.
public enum ChildProcess {
  /// Why the program could not be started.
  public struct Failure: Error {
    /// What went wrong, for a sentence.
    public var reason: String
  }

  /// Runs `arguments` (the program looked up in `PATH`) in `folder`, standard output and error to
  /// `outputPath`, standard input from /dev/null.
  public static func run(_ arguments: [String], in folder: String, outputPath: String) throws(Failure) -> ExitStatus {
    guard let executable = find(arguments[0]) else { throw Failure(reason: "no \(arguments[0]) in PATH") }
    var environment = ProcessInfo.processInfo.environment
    environment.removeValue(forKey: "LD_PRELOAD")
    let launch = ProcessLaunch(
      arguments: [executable] + arguments.dropFirst(), environment: environment, directory: folder,
      standardInputPath: "/dev/null", standardOutputPath: outputPath, standardErrorPath: outputPath)
    do {
      return ExitStatus(waitStatus: try ProcessLaunch.waitStatus(of: try launch.spawn()))
    } catch {
      throw Failure(reason: error.reason)
    }
  }

  /// The path of `program`: itself when it names a path, else the first match in `PATH`.
  static func find(_ program: String) -> String? {
    if program.contains("/") { return FileManager.default.isExecutableFile(atPath: program) ? program : nil }
    let folders = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
    return folders.map { "\($0)/\(program)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
  }

  /// Runs `arguments` in `folder` and returns what it printed when it exited with 0.
  static func output(_ arguments: [String], in folder: String) -> Data? {
    let path = FileManager.default.temporaryDirectory
      .appendingPathComponent("workshop-output-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
    defer { unlink(path) }
    guard (try? run(arguments, in: folder, outputPath: path)) == .exited(0) else { return nil }
    return FileManager.default.contents(atPath: path)
  }
}

/// A 128-bit content hash (an FNV-1a lane and a multiply-xorshift lane) for cache keys: not cryptographic, but a changed source
/// changes it, and every part is length-prefixed so that no two different file lists hash alike by
/// concatenation.
struct ContentHash {
  private var first: UInt64 = 0xcbf2_9ce4_8422_2325
  private var second: UInt64 = 0x8422_2325_cbf2_9ce4

  mutating func add(_ text: String) { add(Data(text.utf8)) }

  mutating func add(_ data: Data) {
    var length = UInt64(data.count)
    withUnsafeBytes(of: &length) { mix($0) }
    data.withUnsafeBytes { mix($0) }
  }

  private mutating func mix(_ bytes: UnsafeRawBufferPointer) {
    var a = first
    var b = second
    for byte in bytes {
      a = (a ^ UInt64(byte)) &* 0x100_0000_01b3
      b = (b ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 &+ 0x9e37_79b9_7f4a_7c15
      b = b ^ (b >> 29)
    }
    first = a
    second = b
  }

  /// 32 hexadecimal digits.
  var hex: String {
    func digits(_ value: UInt64) -> String {
      let text = String(value, radix: 16)
      return String(repeating: "0", count: 16 - text.count) + text
    }
    return digits(first) + digits(second)
  }
}
