import Foundation

/// What `/proc` says of a process, for tests that check a process has ended.
public enum ProcessState {
  /// True when `pid` has ended but not been reaped (its parent may be gone).
  public static func isZombie(_ pid: pid_t) -> Bool {
    let status = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
    return status.split(separator: ")").last?.split(separator: " ").first == "Z"
  }

  /// True when `pid` is still running: it exists and has not ended.
  public static func isRunning(_ pid: pid_t) -> Bool { kill(pid, 0) == 0 && !isZombie(pid) }
}
