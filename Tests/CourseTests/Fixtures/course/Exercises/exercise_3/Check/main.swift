checkCase("1 + 2 + 3", boxedSum(count: 3), equals: 6)
checkCase("nothing", boxedSum(count: 0), equals: 0)
measureWorkload {
  keep(boxedSum(count: 10_000))
}
