// Exercise 7 — alternative: keep returning `[Substring]`, cut from a string of its own.
//
// When callers expect `[Substring]` and you cannot change them, copy the name into a `String`
// first and take the whole of it as a `Substring`: `Substring(String(fields[1]))`. The substring's
// base is now the short copy (stored inside the value, no allocation), not the 700-byte line.
// The type says "a piece of a bigger string" while it is in fact the whole of a small one, which
// is worth a comment where you do it.

/// Line `number` of the access log: made up, but the same every time. Fields are separated by one
/// space: time, user, method, path, status, bytes sent, and the client's long description of itself.
func accessLogLine(_ number: Int) -> String {
  let user = "user\(1_000 + (number &* 7_919) % 9_000)"
  let status = number % 4 == 3 ? 500 : 200
  let path = "/reports/\(number % 97)/page/\(number % 13)"
  let client = String(repeating: "Mozilla/5.0 (X11; Linux x86_64) ", count: 20)
  return "2026-11-29T12:\(10 + number % 50):00Z \(user) GET \(path) \(status) \(number % 5_000) \(client)"
}

/// The user of every request in the first `count` lines of the log that failed (status 500), in
/// the order of the log.
func failedUsers(inLines count: Int) -> [Substring] {
  var users: [Substring] = []
  for number in 0..<count {
    let line = accessLogLine(number)
    let fields = line.split(separator: " ", maxSplits: 6)
    if fields[4] == "500" {
      // A substring of its own copy: it no longer keeps the line alive.
      users.append(Substring(String(fields[1])))
    }
  }
  return users
}
