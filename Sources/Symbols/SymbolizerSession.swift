// One llvm-symbolizer process that answers every batch of a report through a socket.
import ProcessLaunch

#if canImport(Glibc)
  import Glibc
#endif

/// A running `llvm-symbolizer` that answers batches of `CODE module 0xoffset` lines, one JSON
/// line per address.
///
/// Why one process per report, fed through a socket rather than files: a report asks a batch for
/// its frames and then up to two more for the line search (``LLVMSymbolizer``), and each new
/// process read every module's tables again (the Swift runtime's symbol table alone costs the
/// symbolizer about 90 ms); the symbolizer keeps them while it runs. Reading the answers as they
/// come also ends the wait the moment the last one arrives, where polling for the process's exit
/// slept up to 50 ms. A socket (not a pipe) for both streams, so that writing to a symbolizer that
/// died fails with EPIPE (`MSG_NOSIGNAL`) instead of killing us with SIGPIPE.
final class SymbolizerSession {
  private let executable: String
  private let pid: pid_t
  private let socket: Int32
  private let timeLimit: Double
  private let deadline: Double
  private let addressSpaceLimit: UInt64
  private var ended = false

  /// Starts `arguments` (the symbolizer and its options) with its standard input and output on a
  /// socket of ours and its errors discarded, bounded as ``ProcessLaunch/spawnBounded(addressSpaceBytes:)``.
  init(arguments: [String], environment: [String: String], timeLimit: Double, addressSpaceLimit: UInt64) throws {
    executable = arguments[0]
    self.timeLimit = timeLimit
    self.addressSpaceLimit = addressSpaceLimit
    var ends: [Int32] = [-1, -1]
    guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &ends) == 0 else {
      throw SymbolError.symbolizerNotStarted(
        path: executable, reason: "no socket could be made (\(String(cString: strerror(errno))))")
    }
    let discarded = open("/dev/null", O_WRONLY | O_CLOEXEC)
    defer {
      close(ends[1])
      if discarded >= 0 { close(discarded) }
    }
    let launch = ProcessLaunch(arguments: arguments, environment: environment)
    switch Result(catching: { () throws(ProcessLaunchError) in
      try launch.spawnBounded(
        addressSpaceBytes: addressSpaceLimit, input: ends[1], output: ends[1], errorOutput: discarded)
    }) {
    case .success(let started): pid = started
    case .failure(let error):
      close(ends[0])
      throw SymbolError.symbolizerNotStarted(path: executable, reason: error.reason)
    }
    socket = ends[0]
    deadline = ProcessLaunch.monotonicSeconds() + timeLimit
  }

  deinit { end() }

  /// Sends `input` (whole lines) and returns the symbolizer's output for it: exactly `expected`
  /// lines. Writes and reads at once, so that neither side waits on a full buffer.
  ///
  /// - Throws: ``SymbolError/symbolizerFailed(path:reason:)`` when the symbolizer ends early, or
  ///   is still busy at the session's time bound (it is then killed with its group).
  func answer(_ input: [UInt8], expected: Int) throws -> [UInt8] {
    var output: [UInt8] = []
    var lines = 0
    var written = 0
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    while lines < expected {
      let remaining = deadline - ProcessLaunch.monotonicSeconds()
      guard remaining > 0 else {
        end()
        throw SymbolError.symbolizerFailed(
          path: executable, reason: "it was still running after \(Int(timeLimit)) s and was stopped")
      }
      var events = Int16(POLLIN)
      if written < input.count { events |= Int16(POLLOUT) }
      var watched = pollfd(fd: socket, events: events, revents: 0)
      let ready = poll(&watched, 1, Int32(min(remaining * 1000 + 1, 60_000)))
      if ready < 0 && errno != EINTR {
        end()
        throw SymbolError.symbolizerFailed(path: executable, reason: "its answers could not be awaited")
      }
      guard ready > 0 else { continue }
      if watched.revents & Int16(POLLOUT) != 0 && written < input.count {
        let sent = input.withUnsafeBytes { bytes in
          send(socket, bytes.baseAddress! + written, bytes.count - written, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
        }
        if sent > 0 {
          written += sent
        } else if sent < 0 && errno != EAGAIN && errno != EINTR {
          written = input.count  // it stopped reading: whatever it answered is read below
        }
      }
      if watched.revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 {
        let got = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
        if got > 0 {
          output.append(contentsOf: buffer[0..<got])
          for byte in buffer[0..<got] where byte == UInt8(ascii: "\n") { lines += 1 }
        } else if got == 0 || (errno != EAGAIN && errno != EINTR) {
          try endedEarly()
          return output  // it ended well but short: the caller counts the answers and says so
        }
      }
    }
    return output
  }

  /// Ends the symbolizer: its answers are all read, so it is killed rather than waited for while
  /// it frees its tables.
  func end() {
    guard !ended else { return }
    ended = true
    close(socket)
    ProcessLaunch.killGroup(of: pid)
  }

  /// The symbolizer closed its output before answering everything: why, from its exit status.
  private func endedEarly() throws {
    ended = true
    close(socket)
    let waited: Int32?
    switch Result(catching: { () throws(ProcessLaunchError) in
      try ProcessLaunch.waitStatus(of: pid, seconds: max(deadline - ProcessLaunch.monotonicSeconds(), 0.01))
    }) {
    case .success(let status): waited = status
    case .failure(let error):
      ProcessLaunch.killGroup(of: pid)
      throw SymbolError.symbolizerFailed(path: executable, reason: error.reason)
    }
    guard let status = waited else {
      ProcessLaunch.killGroup(of: pid)
      throw SymbolError.symbolizerFailed(
        path: executable, reason: "it was still running after \(Int(timeLimit)) s and was stopped")
    }
    // No group kill here: the symbolizer is reaped, so its group id could already name another
    // process's group; llvm-symbolizer starts no children of its own.
    switch ExitStatus(waitStatus: status) {
    case .exited(0): return
    case .exited(let code):
      throw SymbolError.symbolizerFailed(path: executable, reason: "it exited with status \(code)")
    case .signaled(let signal):
      throw SymbolError.symbolizerFailed(
        path: executable,
        reason: "it was ended by signal \(signal) (its memory is bounded to \(addressSpaceLimit >> 30) GiB)")
    }
  }
}
