// Exercise 8 — reference solution.
//
// `defer { free(text) }`, written right after the copy is made, runs on every way out of the
// function: the happy path and both early returns. The copy and its `free` now sit side by side,
// so a way out added later cannot forget it.
//
// Another way is in alternatives/: parse the line in Swift, with no C memory at all.
import Glibc

/// The settings in `line`: `name=value` pairs separated by `;`, each value a whole number. Nil when
/// a pair has no `=` or its value is not a number.
func parseSettings(_ line: String) -> [String: Int]? {
  // strtok_r cuts the text it is given in place, so it gets a copy of its own.
  guard let text = strdup(line) else { return nil }
  defer { free(text) }
  var settings: [String: Int] = [:]
  var rest: UnsafeMutablePointer<CChar>? = nil
  var pair = strtok_r(text, ";", &rest)
  while let current = pair {
    guard let equals = strchr(current, Int32(UInt8(ascii: "="))) else { return nil }
    equals.pointee = 0  // ends the name
    var end: UnsafeMutablePointer<CChar>? = nil
    let value = strtol(equals + 1, &end, 10)
    guard let end, end != equals + 1, end.pointee == 0 else { return nil }
    settings[String(cString: current)] = value
    pair = strtok_r(nil, ";", &rest)
  }
  return settings
}
