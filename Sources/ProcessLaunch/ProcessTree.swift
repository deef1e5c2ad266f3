import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// The processes a child started, found in `/proc`, and how to end them all: those still below it
/// in the process tree, including any that left its process group or session (`setsid`), and
/// those it left behind when it ended (orphans re-parented to init), which carry the run's
/// marker (``markerName``=``markerValue``) in their environment.
///
/// A process group alone misses both: `setsid()` or `setpgid()` takes a process out of the group,
/// and a daemon's double fork takes it out of the tree. The environment a child was started with
/// is inherited by everything it forks or executes, so a variable made for one run
/// (`NAME=unique value`) finds them unless a program empties its environment on purpose.
public struct ProcessTree: Sendable {
  /// The name of the variable every process of the run inherits.
  public let markerName: String
  /// Its value, unique to the run.
  public let markerValue: String

  /// A run's tree, marked by `name=value`: put the same pair in the child's environment.
  public init(markerName name: String, value: String) {
    markerName = name
    markerValue = value
  }

  /// A marker no other run shares: `name` with a fresh random value.
  public static func unique(markerName name: String) -> ProcessTree {
    ProcessTree(markerName: name, value: UUID().uuidString)
  }

  /// Kills (SIGKILL) `root`'s process group when `group` is set, every process below `root` in the
  /// tree, every process that carries the marker, and `root` itself; `root` is not reaped (its
  /// waiter does that). Each is stopped (SIGSTOP) first and the tree read again until nothing new
  /// appears, so that no process forks a new one between the reading and the killing.
  public func kill(root: pid_t?, group: Bool) {
    if let root {
      if group { _ = Glibc.kill(-root, SIGSTOP) }
      _ = Glibc.kill(root, SIGSTOP)
    }
    var stopped: Set<pid_t> = []
    for _ in 0..<16 {
      let found = members(below: root).subtracting(stopped)
      if found.isEmpty { break }
      for pid in found { _ = Glibc.kill(pid, SIGSTOP) }
      stopped.formUnion(found)
    }
    if let root, group { _ = Glibc.kill(-root, SIGKILL) }
    for pid in stopped { _ = Glibc.kill(pid, SIGKILL) }
    if let root { _ = Glibc.kill(root, SIGKILL) }
  }

  /// The processes below `root` in the tree and those that carry the marker, never this process.
  func members(below root: pid_t?) -> Set<pid_t> {
    let own = getpid()
    var children: [pid_t: [pid_t]] = [:]
    var marked: Set<pid_t> = []
    let entry = Array("\(markerName)=\(markerValue)".utf8)
    for pid in Self.processes() where pid != own {
      if let parent = Self.parent(of: pid) { children[parent, default: []].append(pid) }
      if Self.environment(of: pid, contains: entry) { marked.insert(pid) }
    }
    var below: Set<pid_t> = []
    var queue = root.map { [$0] } ?? []
    while let next = queue.popLast() {
      for child in children[next] ?? [] where child != own && below.insert(child).inserted {
        queue.append(child)
      }
    }
    return below.union(marked)
  }

  /// Every process id in `/proc`.
  static func processes() -> [pid_t] {
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
    return names.compactMap { pid_t($0) }
  }

  /// The parent of `pid`, from `/proc/PID/stat` (the field after the state, after the name's last
  /// `)`: a name may hold spaces and parentheses).
  static func parent(of pid: pid_t) -> pid_t? {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
      let close = stat.lastIndex(of: ")")
    else { return nil }
    let fields = stat[stat.index(after: close)...].split(separator: " ")
    return fields.count > 1 ? pid_t(fields[1]) : nil
  }

  /// Whether `/proc/PID/environ` holds `entry` (`NAME=value`) as one whole entry.
  static func environment(of pid: pid_t, contains entry: [UInt8]) -> Bool {
    guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { return false }
    return data.split(separator: 0).contains { $0.elementsEqual(entry) }
  }
}
