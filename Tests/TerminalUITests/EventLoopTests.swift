import Dispatch
import Testing
import TerminalUI

#if canImport(Glibc)
  import Glibc
#endif

/// The event loop on a pipe instead of a terminal.
///
/// Each test takes milliseconds once it runs, but on two cores it may wait minutes for a thread of
/// the test pool while the tmux and browser suites hold both (seen: 145 s from start to pass). The
/// limit is there to catch a loop that never returns, so it allows for that wait.
@Suite("EventLoop", .timeLimit(.minutes(5)))
struct EventLoopTests {
  /// A pipe whose read end is the loop's input.
  final class Input {
    let readEnd: Int32
    var writeEnd: Int32

    init() throws {
      var ends: [Int32] = [-1, -1]
      try #require(pipe(&ends) == 0)
      readEnd = ends[0]
      writeEnd = ends[1]
    }

    func send(_ text: String) {
      _ = Array(text.utf8).withUnsafeBytes { write(writeEnd, $0.baseAddress, $0.count) }
    }

    func close() {
      if writeEnd >= 0 { Glibc.close(writeEnd) }
      writeEnd = -1
    }

    deinit {
      close()
      Glibc.close(readEnd)
    }
  }

  @Test("keys written to the input come out decoded, then the end when it closes")
  func keysThenEnd() throws {
    let input = try Input()
    let loop = try EventLoop(input: input.readEnd, output: nil, catchingSignals: false)
    input.send("q\u{1B}[A漢")
    #expect(loop.next() == .key(.character("q")))
    #expect(loop.next() == .key(.up))
    #expect(loop.next() == .key(.character("漢")))
    input.send("x")
    input.close()
    #expect(loop.next() == .key(.character("x")))
    #expect(loop.next() == nil)
    #expect(loop.ending == .inputClosed)
    #expect(loop.next() == nil, "an ended loop stays ended instead of spinning")
  }

  @Test("a wake-up posted from another thread wakes the waiting loop")
  func wakeFromAnotherThread() throws {
    let input = try Input()
    let loop = try EventLoop(input: input.readEnd, output: nil, catchingSignals: false)
    let waker = loop.waker
    let posted = DispatchSemaphore(value: 0)
    DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(50)) {
      waker.wake()
      posted.signal()
    }
    #expect(loop.next() == .wake)
    // Wake-ups posted while nothing waits are one event. (Posting them from the other thread
    // raced with the loop: under load that thread could be stopped between two of them, after
    // the loop had already taken the first.)
    posted.wait()
    for _ in 0..<100 { waker.wake() }
    #expect(loop.next() == .wake)
    input.send("k")
    #expect(loop.next() == .key(.character("k")), "many wake-ups at once are one event")
  }

  @Test("a lone Esc comes out after the escape delay; ticks come when nothing else does")
  func escapeAndTicks() throws {
    let input = try Input()
    let loop = try EventLoop(input: input.readEnd, output: nil, tick: .milliseconds(30), catchingSignals: false)
    input.send("\u{1B}")
    #expect(loop.next() == .key(.escape))
    let clock = ContinuousClock()
    let start = clock.now
    #expect(loop.next() == .tick)
    #expect(loop.next() == .tick)
    #expect(clock.now - start < .seconds(2))
  }

  /// Raises `signal` on this thread with it unblocked, so that it is handled before this returns
  /// (the test runner's threads may block signals).
  func raiseHere(_ signal: Int32) {
    var set = sigset_t()
    var old = sigset_t()
    sigemptyset(&set)
    sigaddset(&set, signal)
    pthread_sigmask(SIG_UNBLOCK, &set, &old)
    raise(signal)
    pthread_sigmask(SIG_SETMASK, &old, nil)
  }

  /// The handler of `signal` now, as a number: 0 is SIG_DFL.
  func handler(of signal: Int32) -> Int {
    var action = sigaction()
    sigaction(signal, nil, &action)
    return action.__sigaction_handler.sa_handler.map { unsafeBitCast($0, to: Int.self) } ?? 0
  }

  @Test("SIGWINCH is a resize measured on the terminal; SIGTERM ends the loop; the handlers go with it")
  func signals() throws {
    // A pseudo-terminal of 100 × 30 stands for the window.
    let terminal = open("/dev/ptmx", O_RDWR | O_NOCTTY)
    try #require(terminal >= 0)
    defer { close(terminal) }
    var size = winsize(ws_row: 30, ws_col: 100, ws_xpixel: 0, ws_ypixel: 0)
    try #require(ioctl(terminal, UInt(TIOCSWINSZ), &size) == 0)
    let before = handler(of: SIGTERM)
    let input = try Input()
    do {
      let loop = try EventLoop(input: input.readEnd, output: terminal, catchingSignals: true)
      #expect(handler(of: SIGTERM) != before)
      raiseHere(SIGWINCH)
      raiseHere(SIGWINCH)
      input.send("a")
      #expect(loop.next() == .resize(width: 100, height: 30))
      #expect(loop.next() == Event.key(.character("a")))
      raiseHere(SIGTERM)
      input.send("b")
      #expect(loop.next() == nil)
      #expect(loop.ending == .signal(SIGTERM))
    }
    #expect(handler(of: SIGTERM) == before)
  }
}
