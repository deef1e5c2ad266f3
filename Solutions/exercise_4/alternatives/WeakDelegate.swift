// Exercise 4 — alternative: a weak delegate instead of a closure.
//
// Cocoa's pattern: the parser refers to whoever handles its lines through a `weak var delegate`.
// The ownership is spelled out in the types, so nobody can reintroduce the cycle by writing a
// closure without a capture list. The delegate protocol is class-bound (`AnyObject`), which is
// what lets it be `weak`.

/// Whoever handles a parser's lines.
protocol LineParserDelegate: AnyObject {
  func parser(_ parser: LineParser, didParse line: String)
}

/// Cuts a stream of bytes into lines, and hands each complete line to its delegate.
final class LineParser {
  /// The longest line a client may send.
  static let maximumLineLength = 16_384

  /// Told about each complete line, without its newline. Weak: the parser does not own it.
  weak var delegate: LineParserDelegate?

  private var pending: [UInt8] = []

  init() {
    pending.reserveCapacity(Self.maximumLineLength)
  }

  func feed(_ bytes: [UInt8]) {
    for byte in bytes {
      if byte == UInt8(ascii: "\n") {
        delegate?.parser(self, didParse: String(decoding: pending, as: UTF8.self))
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
    parser.delegate = self
  }

  /// Bytes from the client, possibly ending in the middle of a line.
  func receive(_ bytes: [UInt8]) {
    parser.feed(bytes)
  }

}

extension Connection: LineParserDelegate {
  func parser(_ parser: LineParser, didParse line: String) {
    commands.append(line.uppercased())
  }
}
