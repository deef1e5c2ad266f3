// Exercise 4 — The connections that never closed
//
// A tiny server's connection: bytes come in, a `LineParser` cuts them into lines, and the
// connection records each line as a command. Connections are opened, used and dropped — and yet
// not one of them is ever freed. Every connection the program has ever served is still in memory
// when it exits.
//
// Your task: keep the commands the same, and bring the memory the workload leaks (allocated while
// it runs and still allocated when the program ends) under the limit in exercise.json (64 KiB).
// Run `workshop check 4` to check, `workshop lesson 4` for the lesson.

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
    parser.onLine = { line in
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
