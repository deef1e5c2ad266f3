// Exercise 9 — alternative: one word at a time, without the arrays.
//
// The clean-up of a word stays as it was (`lowercased()`, then `filter`), but no array of words is
// ever built: the loop finds the next space, scores the word before it as a `Substring` (a view
// into the review, no copy), and moves on. A cleaned word of up to 15 bytes fits inside its
// `String` value, so this allocates nothing either. Keeping `split` and folding the rest into one
// `reduce` is not enough: `split` still builds an array per review.

/// The words the shop looks for in its reviews.
let keywords: Set<String> = ["broken", "refund", "excellent", "late"]

/// What the word in `piece` earns: its letters, lower-cased, are the word.
func points(for piece: Substring) -> Int {
  let word = piece.lowercased().filter { $0.isLetter }
  guard word.count > 3 else { return 0 }
  return word.count + (keywords.contains(word) ? 10 : 0)
}

/// A review's score: one point per letter of each word longer than three letters, and ten more
/// for each of those words that is a keyword. Words are cut at spaces; case and punctuation do not
/// count.
func keywordScore(of review: String) -> Int {
  var score = 0
  var start = review.startIndex
  while let space = review[start...].firstIndex(of: " ") {
    score += points(for: review[start..<space])
    start = review.index(after: space)
  }
  return score + points(for: review[start...])
}
