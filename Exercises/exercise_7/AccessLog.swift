// Exercise 7 — The slice that kept the whole
//
// `failedUsers(inLines:)` reads a web server's access log one line at a time and keeps the user
// name of every request that failed. Each line is about 700 bytes; a user name is a few. The names
// it keeps are right. But a `Substring` is a view into the string it was cut from: to keep eight
// bytes of a line, it keeps the whole line alive.
//
// Your task: keep the names the same, and bring the workload's peak memory under the limit in
// exercise.json (512 KiB, for 4,000 lines of which 1,000 failed). Run `workshop check 7` to check,
// `workshop lesson 7` for the lesson.

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
      users.append(fields[1])
    }
  }
  return users
}
