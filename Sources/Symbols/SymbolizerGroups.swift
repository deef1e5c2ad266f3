// Splits a batch's modules between symbolizer processes that run at once.
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// The modules of one batch shared out between a few symbolizer processes that run in parallel,
/// each module whole in one process, the costliest first to the least loaded process.
///
/// Why: a symbolizer reads each module's tables and debug information before its first answer,
/// one module after the other, and for a small capture that is nearly all of a cold report (the C
/// library's compressed debug information about 45 ms of CPU, the Swift runtime's symbol table
/// 17 ms, the program's own a few). Two processes on two cores take the longest module's time
/// rather than the sum. A module stays in one process so that it is read once.
struct SymbolizerGroups: Equatable {
  /// The modules of each process, in the order given; the first group may be the early session's.
  var groups: [[String]]

  /// Shares `modules` (each with its estimated cost) among at most `processes` groups; `early`, a
  /// module a session is already loading, leads the first group and counts its cost there.
  init(modules: [(module: String, cost: UInt64)], processes: Int, early: String? = nil) {
    let count = max(1, min(processes, modules.count))
    var groups = [[String]](repeating: [], count: count)
    var loads = [UInt64](repeating: 0, count: count)
    var rest = modules
    if let early, let position = rest.firstIndex(where: { $0.module == early }) {
      groups[0].append(early)
      loads[0] = rest[position].cost
      rest.remove(at: position)
    }
    // Stable: equal costs keep their order, so the plan is the same from run to run.
    let ordered = rest.enumerated().sorted { ($0.element.cost, $1.offset) > ($1.element.cost, $0.offset) }
    for (_, module) in ordered {
      let lightest = loads.indices.min { (loads[$0], $0) < (loads[$1], $1) }!
      groups[lightest].append(module.module)
      loads[lightest] += module.cost
    }
    self.groups = groups.filter { !$0.isEmpty }
  }

  /// What loading `path` is estimated to cost the symbolizer, in bytes read: the file, and eight
  /// times a separate debug file (its sections are compressed: inflating them is most of the time).
  static func estimatedCost(_ path: String) -> UInt64 {
    func size(_ path: String) -> UInt64 {
      var status = stat()
      return stat(path, &status) == 0 ? UInt64(max(status.st_size, 0)) : 0
    }
    return size(path) + (ModuleLineTables.separateDebugFile(path).map { 8 * size($0) } ?? 0)
  }

  /// Processes worth running at once: one per core this process may run on, at most four.
  static var processes: Int {
    max(1, min(4, usableCores()))
  }

  /// The cores this process may run on: its affinity (`taskset`, a container's cpuset) as the
  /// kernel states it in `/proc/self/status`, else every online core. (Glibc's `sched_getaffinity`
  /// is not visible from Swift, and Foundation's `activeProcessorCount` counts every online core.)
  static func usableCores() -> Int {
    let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    for line in status.split(separator: "\n") where line.hasPrefix("Cpus_allowed_list:") {
      if let count = coreCount(list: line.dropFirst("Cpus_allowed_list:".count)), count > 0 { return count }
    }
    return Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
  }

  /// The cores in a kernel CPU list such as `0-3,8,10-11` (7), nil if it is not one.
  static func coreCount(list: Substring) -> Int? {
    var count = 0
    for part in list.split(separator: ",") {
      let bounds = part.split(separator: "-", omittingEmptySubsequences: false)
        .map { Int($0.trimmingCharacters(in: .whitespaces)) }
      switch bounds.count {
      case 1:
        guard bounds[0] != nil else { return nil }
        count += 1
      case 2:
        guard let first = bounds[0], let last = bounds[1], first <= last else { return nil }
        count += last - first + 1
      default:
        return nil
      }
    }
    return count
  }
}
