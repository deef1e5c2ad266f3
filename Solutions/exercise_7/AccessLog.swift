// Exercise 7 — reference solution.
//
// Each name is copied out of its line with `String(_:)` before it is kept. A name of up to 15
// bytes fits inside the `String` value itself, so the copy allocates nothing, and once the loop
// moves on nothing refers to the line any more: it is freed. What the workload keeps is the array
// of names.
//
// Another way is in alternatives/: keep the line numbers, and cut the names out only when asked.

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
func failedUsers(inLines count: Int) -> [String] {
  var users: [String] = []
  for number in 0..<count {
    let line = accessLogLine(number)
    let fields = line.split(separator: " ", maxSplits: 6)
    if fields[4] == "500" {
      users.append(String(fields[1]))
    }
  }
  return users
}
