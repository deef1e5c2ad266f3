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
  /// When the session is stopped as hung: `timeLimit` after it started, or after it was handed to
  /// the report that asks it (``restartClock()``).
  private var deadline: Double
  private let addressSpaceLimit: UInt64
  private var ended = false
  /// Answers still to come for warm-up questions (``warmUp(_:)``), dropped before the next batch's.
  private var warmUpAnswers = 0
  /// The symbolizer's process id.
  var processID: pid_t { pid }

  /// The time limit counts from now: a session started early (``EarlySymbolizer``) waited while its
  /// report read the capture, which may take long, and its limit is for answering.
  func restartClock() {
    deadline = ProcessLaunch.monotonicSeconds() + timeLimit
  }

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

  /// Asks one address of `module` now and drops its answer, so that the symbolizer loads the
  /// module's tables and debug information while the caller does other work (reads its capture).
  /// The question fits the socket's buffer, so this never waits.
  func warmUp(_ quotedModule: String) {
    let question = Array("CODE \(quotedModule) 0x0\n".utf8)
    let sent = question.withUnsafeBytes { send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
    if sent == question.count { warmUpAnswers += 1 }
  }

  /// Whether the symbolizer is still running: a session started early by another thread ends with
  /// that thread (the child dies with the thread that forked it, `PR_SET_PDEATHSIG`).
  /// A session found ended is closed here, and never signalled again (its id may be reused).
  func isRunning() -> Bool {
    guard !ended else { return false }
    var status: Int32 = 0
    guard waitpid(pid, &status, WNOHANG) == pid else { return true }
    ended = true
    close(socket)
    return false
  }

  /// Sends `input` (whole lines) and returns the symbolizer's output for it: exactly `expected`
  /// lines. Writes and reads at once, so that neither side waits on a full buffer.
  ///
  /// - Throws: ``SymbolError/symbolizerFailed(path:reason:)`` when the symbolizer ends early, or
  ///   is still busy at the session's time bound (it is then killed with its group).
  func answer(_ input: [UInt8], expected: Int) throws -> [UInt8] {
    let dropped = warmUpAnswers
    warmUpAnswers = 0
    let expected = expected + dropped
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
          return Self.dropping(dropped, linesOf: output)  // it ended well but short: the caller counts the answers
        }
      }
    }
    return Self.dropping(dropped, linesOf: output)
  }

  /// `output` without its first `count` lines (the warm-up answers).
  private static func dropping(_ count: Int, linesOf output: [UInt8]) -> [UInt8] {
    guard count > 0 else { return output }
    var start = 0
    for _ in 0..<count {
      guard let end = output[start...].firstIndex(of: UInt8(ascii: "\n")) else { return [] }
      start = end + 1
    }
    return Array(output[start...])
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
