import Foundation

/// How a program ended: its exit code, or the signal that killed it.
public enum ExitStatus: Equatable, Sendable, CustomStringConvertible {
  /// The program returned from `main` or called `exit` with this code.
  case exited(Int32)
  /// A signal ended the program.
  case signaled(Int32)

  /// Decodes a `waitpid` status word.
  public init(waitStatus status: Int32) {
    let signal = status & 0x7f
    if signal == 0 {
      self = .exited((status >> 8) & 0xff)
    } else {
      self = .signaled(signal)
    }
  }

  /// The shell's convention: the exit code, or 128 + the signal number.
  public var shellCode: Int32 {
    switch self {
    case .exited(let code): return code
    case .signaled(let signal): return 128 + signal
    }
  }

  /// "exited with status 0", "was killed by SIGSEGV (signal 11)".
  public var description: String {
    switch self {
    case .exited(let code): return "exited with status \(code)"
    case .signaled(let signal): return "was killed by \(Self.signalName(signal)) (signal \(signal))"
    }
  }

  /// The conventional name of a signal number, such as `SIGSEGV`.
  public static func signalName(_ signal: Int32) -> String {
    let names: [Int32: String] = [
      SIGHUP: "SIGHUP", SIGINT: "SIGINT", SIGQUIT: "SIGQUIT", SIGILL: "SIGILL", SIGTRAP: "SIGTRAP",
      SIGABRT: "SIGABRT", SIGBUS: "SIGBUS", SIGFPE: "SIGFPE", SIGKILL: "SIGKILL", SIGUSR1: "SIGUSR1",
      SIGSEGV: "SIGSEGV", SIGUSR2: "SIGUSR2", SIGPIPE: "SIGPIPE", SIGALRM: "SIGALRM", SIGTERM: "SIGTERM",
      SIGXCPU: "SIGXCPU", SIGXFSZ: "SIGXFSZ",
    ]
    return names[signal] ?? "signal \(signal)"
  }
}
