import Foundation
import MemoryAnalysis
import ProcessLaunch
import Rendering
import MemoryTrace

#if canImport(Glibc)
  import Glibc
#endif

/// What `workshop run` says on standard error once the program has ended.
public struct RunReport {
  /// The program as the user named it.
  public var program: String
  /// How it ended.
  public var status: ExitStatus
  /// The capture the tracker wrote.
  public var capturePath: String
  /// The captures of followed children.
  public var childCaptures: [String]
  /// The capture's analysis, or why there is none.
  public var profile: Result<MemoryProfile, Error>
  /// Problems met after the run (a capture that could not be compressed), one sentence each.
  public var problems: [String] = []
  /// The environment the program ran with (``OwnAllocator`` reads `PYTHONMALLOC` from it).
  public var environment: [String: String] = ProcessInfo.processInfo.environment

  /// The report of a finished run; `childCaptures` are those its followed children wrote, and
  /// `profile` is the capture's analysis (``CaptureFollower/finish()`` makes it).
  public init(
    program: String, status: ExitStatus, capturePath: String, childCaptures: [String] = [],
    profile: Result<MemoryProfile, Error>
  ) {
    self.program = program
    self.status = status
    self.capturePath = capturePath
    self.childCaptures = childCaptures
    self.profile = profile
  }

  /// The summary as text, one fact a line.
  public func render() -> String {
    var lines = ["workshop: \(program) \(status)"]
    lines += problems.map { "  \($0)" }
    switch profile {
    case .failure(let error):
      lines.append("  \(error)")
      return lines.joined(separator: "\n") + "\n"
    case .success(let profile):
      if let problem = profile.readProblem { lines.append("  \(problem)") }
      lines += IncompleteCapture.sentences(for: profile, capturePath: capturePath).map { "  " + $0 }
      if !profile.execs.isEmpty {
        // The same process ran these programs in turn: "env → /usr/bin/true".
        let programs = [program] + profile.execs.map { $0.command.executable.isEmpty ? "?" : $0.command.executable }
        lines.append("  exec         " + programs.joined(separator: " → "))
      }
      lines.append(
        "  peak heap    \(ByteCountText.describe(profile.peak.bytes)) at \(ByteCountText.duration(milliseconds: profile.peak.milliseconds))"
      )
      lines.append(
        "  leaked       \(ByteCountText.describe(profile.leakedBytes)) in "
          + ByteCountText.counted(profile.leakedAllocations, "allocation")
      )
      lines.append(
        "  allocations  \(ByteCountText.grouped(profile.totals.allocations)) "
          + "(\(ByteCountText.describe(profile.totals.bytesAllocated)) in all) in "
          + "\(ByteCountText.duration(milliseconds: profile.totals.durationMilliseconds))")
      for allocator in OwnAllocator.found(in: profile, environment: environment) {
        lines.append("  not seen     " + allocator.sentence)
      }
    }
    // stat, not FileManager's attributes: those look the owner up in /etc/passwd and /etc/group.
    var status = stat()
    let size = stat(capturePath, &status) == 0 ? UInt64(status.st_size) : nil
    lines.append("  capture      \(capturePath)" + (size.map { " (\(ByteCountText.describe($0)))" } ?? ""))
    for child in childCaptures { lines.append("  child        \(child)") }
    lines.append("look further:")
    let capture = TerminalText.shellQuoted(capturePath)
    lines.append("  workshop stats \(capture)")
    lines.append("  workshop flamegraph \(capture)")
    lines.append("  workshop summary \(capture)")
    return lines.joined(separator: "\n") + "\n"
  }

}

/// An allocator of its own inside a tracked program: memory it hands out without calling malloc is
/// out of the tracker's sight, and the summary says so with what to do.
public enum OwnAllocator: Hashable, Sendable {
  /// CPython's pymalloc, which serves objects up to 512 bytes from its own arenas.
  case cpython(program: String)
  /// tcmalloc, jemalloc or mimalloc linked in (`operator new` and their own API bypass malloc).
  case library(name: String)

  /// One line: what is not seen, and what to do.
  public var sentence: String {
    switch self {
    case .cpython(let program):
      return "\(program) serves small objects from its own allocator, which the tracker does not see: "
        + "run it with PYTHONMALLOC=malloc to see them"
    case .library(let name):
      return "\(name) is linked in: what it hands out without malloc (operator new, its own API) is "
        + "not seen; track a build without it to see everything"
    }
  }

  /// The allocators of their own that `profile`'s programs and stack modules show. CPython is left
  /// out when `PYTHONMALLOC=malloc` (or `debug`/`malloc_debug`) already sends it through malloc.
  public static func found(in profile: MemoryProfile, environment: [String: String]) -> [OwnAllocator] {
    let programs = ([profile.command?.executable] + profile.execs.map { $0.command.executable }).compactMap { $0 }
    let paths = programs + profile.frames.modules.map(\.path)
    var found: [OwnAllocator] = []
    let pymallocOff = ["malloc", "malloc_debug"].contains(environment["PYTHONMALLOC"] ?? "")
    if !pymallocOff, let python = paths.first(where: { isPython(fileName(of: $0)) }) {
      found.append(.cpython(program: fileName(of: python)))
    }
    let names = ["tcmalloc", "jemalloc", "mimalloc"]
    // Each program's file is read at most once for all three names (python's is 6.8 MB).
    var linked: [Set<String>]?
    for name in names {
      if let module = paths.first(where: { fileName(of: $0).contains(name) }) {
        found.append(.library(name: fileName(of: module)))
        continue
      }
      if linked == nil { linked = programs.map { linkedNames(names, executable: $0) } }
      if let index = linked?.firstIndex(where: { $0.contains(name) }) {
        found.append(.library(name: "lib\(name) (needed by \(fileName(of: programs[index])))"))
      }
    }
    return found
  }

  private static func fileName(of path: String) -> String {
    path.split(separator: "/").last.map(String.init) ?? path
  }

  /// `python3`, `python3.11`, `libpython3.11.so.1.0`.
  private static func isPython(_ name: String) -> Bool {
    let stem = name.hasPrefix("lib") ? name.dropFirst(3) : name[...]
    guard stem.hasPrefix("python") else { return false }
    let rest = stem.dropFirst("python".count)
    return rest.isEmpty || rest.first?.isNumber == true
  }

  /// Which of `names` `executable` names as `lib<name>` among its libraries (its dynamic strings
  /// hold the name). The first 64 MiB are read once, a MiB at a time into one buffer (reading
  /// python's 6.8 MB whole cost a fresh 6.8 MB buffer's page faults), and scanned with `memchr`.
  private static func linkedNames(_ names: [String], executable: String) -> Set<String> {
    let descriptor = open(executable, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { return [] }
    defer { close(descriptor) }
    let needles = names.map { Array("lib\($0)".utf8) }
    // The end of each piece is read again at the start of the next, so a name cut in two is seen.
    let carried = (needles.map(\.count).max() ?? 1) - 1
    let piece = 1 << 20
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: carried + piece, alignment: 16)
    defer { buffer.deallocate() }
    guard let base = buffer.baseAddress else { return [] }
    var found: Set<String> = []
    var kept = 0
    var offset = 0
    while offset < 64 << 20, found.count < names.count {
      let count = pread(descriptor, base + kept, piece, off_t(offset))
      if count < 0 && errno == EINTR { continue }
      guard count > 0 else { break }
      offset += count
      let available = kept + count
      var at = 0
      while at < available, let hit = memchr(base + at, Int32(UInt8(ascii: "l")), available - at) {
        at = base.distance(to: hit)
        for (index, needle) in needles.enumerated()
        where at + needle.count <= available && memcmp(base + at, needle, needle.count) == 0 {
          found.insert(names[index])
        }
        at += 1
      }
      kept = min(carried, available)
      memmove(base, base + available - kept, kept)
    }
    return found
  }
}
