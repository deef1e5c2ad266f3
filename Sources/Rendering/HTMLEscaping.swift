/// Text from a capture (function names, file paths, the command line) made safe to put in an HTML
/// page: as element text or an attribute value, or as a string inside a JSON block in a `<script>`
/// element. A capture is input like any other, and a page that is shared must never run markup
/// that a program's name or arguments carry.
public enum HTMLEscaping {
  /// `text` for element content or a quoted attribute value: `&`, `<`, `>`, `"` and `'` as
  /// character references, and the controls that HTML forbids (all but tab, line feed and
  /// carriage return) as U+FFFD.
  public static func text(_ text: String) -> String {
    var escaped = ""
    escaped.unicodeScalars.reserveCapacity(text.unicodeScalars.count)
    for scalar in text.unicodeScalars {
      switch scalar {
      case "&": escaped += "&amp;"
      case "<": escaped += "&lt;"
      case ">": escaped += "&gt;"
      case "\"": escaped += "&quot;"
      case "'": escaped += "&#39;"
      case "\t", "\n", "\r": escaped.unicodeScalars.append(scalar)
      case _ where scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value):
        escaped.unicodeScalars.append("\u{FFFD}")
      default: escaped.unicodeScalars.append(scalar)
      }
    }
    return escaped
  }

  /// `text` as a JSON string literal, quotes included, that can sit inside a `<script>` element:
  /// besides what JSON escapes, `<`, `>` and `&` are written `\u003c`, `\u003e` and `\u0026` (so no
  /// `</script>` or `<!--` can end or bend the element), and U+2028 and U+2029 as escapes too.
  public static func jsonString(_ text: String) -> String {
    var escaped = "\""
    escaped.unicodeScalars.reserveCapacity(text.unicodeScalars.count + 2)
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": escaped += "\\\""
      case "\\": escaped += "\\\\"
      case "\n": escaped += "\\n"
      case "\r": escaped += "\\r"
      case "\t": escaped += "\\t"
      case "<", ">", "&", "\u{2028}", "\u{2029}":
        escaped += unicodeEscape(scalar.value)
      case _ where scalar.value < 0x20:
        escaped += unicodeEscape(scalar.value)
      default: escaped.unicodeScalars.append(scalar)
      }
    }
    return escaped + "\""
  }

  /// `\u003c`: four lowercase hex digits.
  private static func unicodeEscape(_ value: UInt32) -> String {
    let hex = String(value, radix: 16)
    return "\\u" + String(repeating: "0", count: max(4 - hex.count, 0)) + hex
  }
}
