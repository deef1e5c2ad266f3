// The check for exercise 7: correctness cases first, then the memory workload.

/// The names as plain strings, whatever type of text `failedUsers` returns.
func names<Text: StringProtocol>(_ users: [Text]) -> [String] {
  users.map { String($0) }
}

checkCase("no lines", names(failedUsers(inLines: 0)), equals: [])
checkCase("three lines, all served", names(failedUsers(inLines: 3)), equals: [])
checkCase("the first failure", names(failedUsers(inLines: 4)), equals: ["user6757"])
checkCase("a line has its fields", accessLogLine(3).split(separator: " ").prefix(6).joined(separator: " "), equals: "2026-11-29T12:13:00Z user6757 GET /reports/3/page/3 500 3")
checkCase("forty lines", names(failedUsers(inLines: 40)), equals: ["user6757", "user2433", "user7109", "user2785", "user7461", "user3137", "user7813", "user3489", "user8165", "user3841"])
let many = names(failedUsers(inLines: 4_000))
checkCase("four thousand lines: how many failed", many.count, equals: 1_000)
checkCase("four thousand lines: the last to fail", many.last, equals: "user7081")

measureWorkload {
  let users = failedUsers(inLines: 4_000)
  var letters = 0
  for index in users.indices { letters += users[index].utf8.count }
  keep(letters)
  keep(users)
}
