import Dispatch

#if canImport(Glibc)
  import Glibc
#endif

/// Takes over some signals while a command waits for a program, so that the command decides what
/// they do (stop the program and report, or let the program have them) instead of dying at once.
/// The signals' dispositions are restored by ``restore()``.
final class Interrupts {
  private var sources: [DispatchSourceSignal] = []
  private var previous: [(Int32, sighandler_t?)] = []

  /// Ignores `signals` in this process and calls `handler` (on a Dispatch queue) for each one that
  /// arrives; without a handler they are only ignored (the program in our process group still gets
  /// the terminal's Ctrl-C).
  init(_ signals: [Int32], handler: (@Sendable (Int32) -> Void)? = nil) {
    for number in signals {
      previous.append((number, signal(number, SIG_IGN)))
      guard let handler else { continue }
      let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
      source.setEventHandler { handler(number) }
      source.resume()
      sources.append(source)
    }
  }

  /// Gives the signals back their dispositions from before.
  func restore() {
    for source in sources { source.cancel() }
    sources.removeAll()
    for (number, handler) in previous { signal(number, handler) }
    previous.removeAll()
  }

  deinit { restore() }
}
