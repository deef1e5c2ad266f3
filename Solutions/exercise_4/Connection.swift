// Exercise 4 — reference solution.
//
// The connection owns its parser, the parser owns its `onLine` closure, and the closure captured
// the connection strongly: a cycle, so none of the three ever reached a reference count of zero.
// Capturing `self` weakly breaks the cycle. The closure no longer keeps the connection alive; if
// the connection is gone when a line arrives, `self?` does nothing.
//
// Other ways to get there are in alternatives/.

/// Cuts a stream of bytes into lines, and hands each complete line to `onLine`.
final class LineParser {
  /// The longest line a client may send.
  static let maximumLineLength = 16_384

  /// Called with each complete line, without its newline.
  var onLine: ((String) -> Void)?

  private var pending: [UInt8] = []

  init() {
    pending.reserveCapacity(Self.maximumLineLength)
  }

  func feed(_ bytes: [UInt8]) {
    for byte in bytes {
      if byte == UInt8(ascii: "\n") {
        onLine?(String(decoding: pending, as: UTF8.self))
        pending.removeAll(keepingCapacity: true)
      } else if pending.count < Self.maximumLineLength {
        pending.append(byte)
      }
    }
  }
}

/// One client's connection: what it received, as commands.
final class Connection {
  let id: Int
  private(set) var commands: [String] = []
  private let parser = LineParser()

  init(id: Int) {
    self.id = id
    parser.onLine = { [weak self] line in
      self?.handle(line)
    }
  }

  /// Bytes from the client, possibly ending in the middle of a line.
  func receive(_ bytes: [UInt8]) {
    parser.feed(bytes)
  }

  private func handle(_ line: String) {
    commands.append(line.uppercased())
  }
}
