// Waits for what a full-screen UI reacts to: keys, a resized window, a wake-up from another
// thread, the passing of time; and ends cleanly on Ctrl-C, SIGTERM, SIGHUP or a terminal gone.
#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Events from one input descriptor (the terminal's keys), a self-pipe that other threads write
/// to (``Waker``), and, when it catches signals, a self-pipe the signal handlers write to
/// (SIGWINCH becomes ``Event/resize(width:height:)``; SIGINT, SIGTERM and SIGHUP end the loop so
/// that the caller restores the terminal). One `poll(2)` waits for all of them and the tick.
///
/// Works on any descriptors: tests drive it with pipes, no terminal needed.
public final class EventLoop {
  /// Why ``next()`` returned nil.
  public enum Ending: Hashable, Sendable {
    /// The input was closed or failed: the terminal is gone (hung up, its window closed).
    case inputClosed
    /// A signal asked the program to stop (SIGINT, SIGTERM or SIGHUP).
    case signal(Int32)
  }

  /// Wakes the loop from any thread: thread-safe, cheap (one byte into a non-blocking pipe; when
  /// the pipe is full a wake-up is already pending), and harmless after the loop is gone.
  public struct Waker: Sendable {
    fileprivate let pipe: SelfPipe

    /// Makes the loop report ``Event/wake`` (once for wake-ups that arrive together).
    public func wake() { pipe.post(1) }
  }

  /// How long a lone `ESC` waits for the rest of an escape sequence before it counts as Esc.
  public static let escapeDelay: Duration = .milliseconds(25)

  /// Posts ``Event/wake`` to this loop.
  public let waker: Waker
  /// How often ``Event/tick`` comes when nothing else does; nil for never.
  public var tick: Duration? {
    didSet { nextTick = tick.map { ContinuousClock.now + $0 } }
  }
  /// Why the loop ended, once ``next()`` has returned nil.
  public private(set) var ending: Ending?

  private let input: Int32
  private let output: Int32?
  private let wakePipe: SelfPipe
  private let signals: SignalForwarding?
  private var decoder = KeyDecoder()
  private var queue: [Event] = []
  private var nextTick: ContinuousClock.Instant?

  /// A loop reading keys from `input`; resizes are measured on `output`. With `catchingSignals`
  /// it handles SIGWINCH, SIGINT, SIGTERM and SIGHUP until it is released (a signal ignored when
  /// it starts, as `nohup` does to SIGHUP, stays ignored). Only one loop may catch signals at once.
  public init(
    input: Int32 = STDIN_FILENO, output: Int32? = STDOUT_FILENO, tick: Duration? = nil, catchingSignals: Bool = true
  ) throws(TerminalUIError) {
    self.input = input
    self.output = output
    wakePipe = try SelfPipe()
    waker = Waker(pipe: wakePipe)
    signals = catchingSignals ? try SignalForwarding() : nil
    self.tick = tick
    nextTick = tick.map { ContinuousClock.now + $0 }
  }

  /// The next event, waiting for it as long as it takes; nil when the loop has ended (see
  /// ``ending``): the input closed, or a signal asked to stop. Keys read before the input closed
  /// come first.
  public func next() -> Event? {
    while true {
      if !queue.isEmpty { return queue.removeFirst() }
      if ending != nil { return nil }
      wait()
    }
  }

  /// One poll(2): what it finds goes into the queue, or sets ``ending``.
  private func wait() {
    var descriptors = [
      pollfd(fd: input, events: Int16(POLLIN), revents: 0),
      pollfd(fd: wakePipe.readEnd, events: Int16(POLLIN), revents: 0),
    ]
    if let signals { descriptors.append(pollfd(fd: signals.pipe.readEnd, events: Int16(POLLIN), revents: 0)) }
    let now = ContinuousClock.now
    var timeout: Duration? = decoder.hasPending ? Self.escapeDelay : nil
    if let nextTick { timeout = min(timeout ?? .seconds(3600), max(nextTick - now, .zero)) }
    let result = poll(&descriptors, nfds_t(descriptors.count), timeout.map(Self.milliseconds) ?? -1)
    if result < 0 {
      if errno != EINTR { ending = .inputClosed }
      return
    }
    if result == 0 {
      if decoder.hasPending {
        queue += decoder.flush().map(Event.key)
      } else if let tick, let nextTick, ContinuousClock.now >= nextTick {
        // The next tick counts from now: a slow handler makes ticks late, never a burst.
        self.nextTick = ContinuousClock.now + tick
        queue.append(.tick)
      }
      return
    }
    if let signals, descriptors[2].revents != 0 { handle(signals: signals.pipe.drain()) }
    if ending != nil { return }
    if descriptors[1].revents != 0, !wakePipe.drain().isEmpty { queue.append(.wake) }
    if descriptors[0].revents != 0 { readInput() }
  }

  private func readInput() {
    var buffer = [UInt8](repeating: 0, count: 4096)
    let count = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
    if count > 0 {
      queue += decoder.decode(buffer[..<count]).map(Event.key)
    } else if count == 0 || (errno != EINTR && errno != EAGAIN) {
      // A terminal that hangs up reads as end of file or EIO; either way nobody is left to type.
      queue += decoder.flush().map(Event.key)
      ending = .inputClosed
    }
  }

  private func handle(signals numbers: [UInt8]) {
    for number in numbers.map(Int32.init) {
      if number == SIGWINCH {
        guard let output, let size = Terminal.windowSize(of: output) else { continue }
        queue.removeAll { if case .resize = $0 { true } else { false } }
        queue.append(.resize(width: size.width, height: size.height))
      } else {
        queue.removeAll()
        ending = .signal(number)
        return
      }
    }
  }

  private static func milliseconds(_ duration: Duration) -> Int32 {
    let (seconds, attoseconds) = duration.components
    return Int32(clamping: seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000)
  }
}

/// A pipe whose ends are non-blocking and closed on exec, closed when the last user lets go.
final class SelfPipe: Sendable {
  let readEnd: Int32
  let writeEnd: Int32

  init() throws(TerminalUIError) {
    var ends: [Int32] = [-1, -1]
    guard pipe(&ends) == 0 else { throw .systemCall(name: "pipe", errno: errno) }
    for end in ends {
      _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
      _ = fcntl(end, F_SETFD, FD_CLOEXEC)
    }
    readEnd = ends[0]
    writeEnd = ends[1]
  }

  deinit {
    close(readEnd)
    close(writeEnd)
  }

  func post(_ byte: UInt8) {
    var byte = byte
    _ = write(writeEnd, &byte, 1)
  }

  /// Everything written so far.
  func drain() -> [UInt8] {
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 64)
    while true {
      let count = buffer.withUnsafeMutableBytes { read(readEnd, $0.baseAddress, $0.count) }
      guard count > 0 else { return bytes }
      bytes += buffer[..<count]
    }
  }
}

/// The write end of the pipe the signal handlers write to; -1 when no loop catches signals. Set
/// before a handler is installed and reset after they are all removed, so a handler never sees
/// it change.
nonisolated(unsafe) private var signalPipeWriteEnd: Int32 = -1

/// The signal handler: one byte, the signal's number, into the pipe (write(2) is
/// async-signal-safe; nothing else is done here).
private func forwardSignal(_ number: Int32) {
  let saved = errno
  var byte = UInt8(truncatingIfNeeded: number)
  _ = write(signalPipeWriteEnd, &byte, 1)
  errno = saved
}

/// SIGWINCH, SIGINT, SIGTERM and SIGHUP forwarded into a pipe while it lives; the dispositions
/// before are restored when it goes.
private final class SignalForwarding {
  static let caught: [Int32] = [SIGWINCH, SIGINT, SIGTERM, SIGHUP]
  let pipe: SelfPipe
  private var previous: [(Int32, sigaction)] = []

  init() throws(TerminalUIError) {
    precondition(signalPipeWriteEnd == -1, "only one event loop may catch signals at a time")
    pipe = try SelfPipe()
    signalPipeWriteEnd = pipe.writeEnd
    for number in Self.caught {
      var old = sigaction()
      sigaction(number, nil, &old)
      let oldHandler = old.__sigaction_handler.sa_handler.map { unsafeBitCast($0, to: Int.self) } ?? 0
      // SIG_IGN is 1: a signal the launcher chose to ignore stays ignored.
      if number != SIGWINCH && oldHandler == 1 { continue }
      var action = sigaction()
      action.__sigaction_handler.sa_handler = forwardSignal
      sigemptyset(&action.sa_mask)
      action.sa_flags = 0
      sigaction(number, &action, nil)
      previous.append((number, old))
    }
  }

  deinit {
    for (number, old) in previous {
      var old = old
      sigaction(number, &old, nil)
    }
    signalPipeWriteEnd = -1
  }
}
