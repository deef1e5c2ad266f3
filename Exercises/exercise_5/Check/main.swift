// The check for exercise 5: correctness cases first, then the memory workload.

let stores = ["Aberdeen", "Brighton", "Cardiff", "Dundee", "Exeter", "Falmouth", "Glasgow"]

/// `count` made-up but repeatable sales.
func sales(_ count: Int) -> [Sale] {
  (0..<count).map { index in
    Sale(day: 1 + index % 365, store: stores[index % stores.count], units: 1 + (index &* 37) % 50,
         cents: (index &* 7_919) % 100_000)
  }
}

checkCase("whole and small amounts", [dollars(1234), dollars(5), dollars(0), dollars(100)], equals: ["12.34", "0.05", "0.00", "1.00"])
checkCase("no sales", csvReport([]), equals: "day,store,units,amount\n")
checkCase("one sale", csvReport([Sale(day: 3, store: "Cardiff", units: 2, cents: 1999)]), equals: "day,store,units,amount\n3,Cardiff,2,19.99\n")
checkCase("three sales", csvReport(sales(3)), equals: "day,store,units,amount\n1,Aberdeen,1,0.00\n2,Brighton,38,79.19\n3,Cardiff,25,158.38\n")
checkCase("a thousand sales", csvReport(sales(1_000)).utf8.count, equals: 21_548)

let workloadSales = sales(5_000)
measureWorkload {
  keep(csvReport(workloadSales))
}
