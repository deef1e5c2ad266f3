// Exercise 4 — alternative: `[unowned self]`.
//
// `unowned` also breaks the cycle: like `weak`, it does not keep the connection alive. Unlike
// `weak`, it is not optional and is not set to nil; it promises that the connection outlives the
// closure, and the program traps if the promise is broken. Here the promise holds: the parser (and
// so the closure) belongs to the connection and is only called from `receive`, a method of the
// connection. Use `unowned` when a lifetime really is guaranteed by ownership, `weak` when in doubt.

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
    parser.onLine = { [unowned self] line in
      self.handle(line)
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
