// The check for exercise 9: correctness cases first, then the memory workload.

/// Review `number`: made up from a few phrases, the same every time.
func review(_ number: Int) -> String {
  let openings = ["Arrived late,", "Excellent!", "The box was broken;", "Good value.", "I want a REFUND:"]
  let middles = ["the kettle boils fast", "it works", "colour as pictured", "the lid is broken", "late again"]
  let endings = ["would buy again.", "not happy", "five stars", "Refund please!", "ok"]
  return "\(openings[number % 5]) \(middles[(number / 5) % 5]) \(endings[(number / 25) % 5])"
}

checkCase("an empty review", keywordScore(of: ""), equals: 0)
checkCase("short words do not count", keywordScore(of: "it is ok"), equals: 0)
checkCase("one long word", keywordScore(of: "kettle"), equals: 6)
checkCase("a keyword", keywordScore(of: "refund"), equals: 16)
checkCase("case and punctuation", keywordScore(of: "Late, LATE! late."), equals: 42)
checkCase("two spaces", keywordScore(of: "broken  kettle"), equals: 22)
checkCase("the first review", keywordScore(of: review(0)), equals: 46)
var total = 0
for number in 0..<125 { total += keywordScore(of: review(number)) }
checkCase("every kind of review", total, equals: 5_000)

let reviews = (0..<3_000).map(review)
measureWorkload {
  var score = 0
  for index in reviews.indices { score += keywordScore(of: reviews[index]) }
  keep(score)
}
