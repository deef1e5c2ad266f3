// Exercise 5 — alternative: one interpolated line per sale, appended with `+=`.
//
// The most readable version: a string interpolation per line, appended to a report that was given
// its room up front. Each interpolation builds its line in a small buffer of its own (a line is
// longer than the 15 bytes a Swift string can hold without allocating), so this makes one
// allocation per sale — 5,001 in all, still well under the limit.
//
// The loop walks the indices rather than `for sale in sales`: in a debug build, `for … in` over an
// array reads each element through the generic iterator, and that costs one more small allocation
// per element (lesson 5 explains). With `for sale in sales` this version makes 10,001 allocations:
// it passes, but only just.

/// One day's sales of one store.
struct Sale {
  var day: Int
  var store: String
  var units: Int
  var cents: Int
}

/// An amount of cents as dollars: 1234 → "12.34", 5 → "0.05".
func dollars(_ cents: Int) -> String {
  let fraction = cents % 100
  var text = String(cents / 100) + "."
  if fraction < 10 { text = text + "0" }
  text = text + String(fraction)
  return text
}

/// The sales as CSV: a header line, then `day,store,units,amount` for each sale.
func csvReport(_ sales: [Sale]) -> String {
  var report = "day,store,units,amount\n"
  report.reserveCapacity(report.utf8.count + 32 * sales.count)
  for index in sales.indices {
    let sale = sales[index]
    report += "\(sale.day),\(sale.store),\(sale.units),\(dollars(sale.cents))\n"
  }
  return report
}
