/// Text from outside (a capture's program path, marker names, module paths) made safe to print, and
/// paths spelled so that a shell reads them back as one word.
public enum TerminalText {
  /// `text` without terminal control: escape sequences (CSI `ESC [ … final`, OSC `ESC ] … BEL or
  /// ESC \`, and two-byte ones) go whole, any other C0 or C1 control character and DEL go alone.
  /// The grid renderers drop control characters cell by cell; this is for text printed as is
  /// (folded stacks, errors).
  ///
  /// - Complexity: O(n).
  public static func stripped(_ text: String) -> String {
    guard text.unicodeScalars.contains(where: isControl) else { return text }
    var result = String.UnicodeScalarView()
    var scalars = text.unicodeScalars.makeIterator()
    while let scalar = scalars.next() {
      if scalar == "\u{1b}" {
        guard let kind = scalars.next() else { break }
        if kind == "[" {
          // Parameters and intermediates up to the final byte (0x40-0x7e).
          while let next = scalars.next(), !(0x40...0x7e).contains(next.value) {}
        } else if kind == "]" || kind == "P" || kind == "_" || kind == "^" {
          // A string up to BEL or ESC \.
          while let next = scalars.next(), next != "\u{07}" {
            if next == "\u{1b}" {
              _ = scalars.next()
              break
            }
          }
        }
        continue
      }
      if !isControl(scalar) || scalar == "\n" || scalar == "\t" { result.append(scalar) }
    }
    return String(result)
  }

  private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
    scalar.value < 0x20 || (0x7f...0x9f).contains(scalar.value)
  }

  /// `path` as one shell word: as it is when it holds only characters no shell treats specially,
  /// else in single quotes (a quote inside as `'\''`).
  public static func shellQuoted(_ path: String) -> String {
    let plain = path.unicodeScalars.allSatisfy {
      ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
        || "-_./+,:@%=".unicodeScalars.contains($0)
    }
    if plain && !path.isEmpty { return path }
    return "'" + path.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "'\\''") + "'"
  }
}
