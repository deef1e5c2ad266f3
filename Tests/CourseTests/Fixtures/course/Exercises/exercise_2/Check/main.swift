checkCase("the child keeps its name", adopt("Ada"), equals: "Ada")
measureWorkload {
  var count = 0
  for index in 0..<1_000 { count &+= adopt("child \(index)").utf8.count }
  keep(count)
}
