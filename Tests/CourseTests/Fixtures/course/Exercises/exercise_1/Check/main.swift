checkCase("the first five squares", Array(squares(count: 5)), equals: [0, 1, 4, 9, 16])
checkCase("no squares", Array(squares(count: 0)), equals: [])
measureWorkload {
  // Forty rounds, so that the workload lasts long enough for the tracker's 10 ms samples to chart it.
  var sum = 0
  for _ in 0..<40 {
    for square in squares(count: 100_000) { sum &+= square }
  }
  keep(sum)
}
