// A loop over an array of structs: in a debug build, the call to IndexingIterator.next() sits in
// code the compiler gives line 0. Line numbers below are asserted by LLVMSymbolizerTests.
struct Sale { var name: String; var units: Int }

@inline(never) func total(_ sales: [Sale]) -> Int {
  var sum = 0
  for sale in sales {
    sum += sale.units
  }
  return sum
}

print(total([Sale(name: "a", units: 1), Sale(name: "b", units: 2)]))
