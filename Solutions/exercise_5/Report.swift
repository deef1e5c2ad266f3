// Exercise 5 — reference solution.
//
// One string is built, in place, and it is given all the room it needs before the loop starts.
// Each field is appended to it directly: no array of fields, no line assembled on the side, and no
// `report = report + …`, which copied the whole report into a new buffer for every sale.
//
// Other ways to get there are in alternatives/.

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
  // About 30 bytes a line; if a report needs more, the string grows a few times, not per sale.
  report.reserveCapacity(report.utf8.count + 32 * sales.count)
  for index in sales.indices {
    let sale = sales[index]
    report += String(sale.day)
    report += ","
    report += sale.store
    report += ","
    report += String(sale.units)
    report += ","
    report += dollars(sale.cents)
    report += "\n"
  }
  return report
}
