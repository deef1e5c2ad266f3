// A function whose name is markup (a raw identifier), so that its frame's label tries to inject
// into `workshop flamegraph --format html`'s page. The arguments try too (the page's title shows
// the command line).
@inline(never)
func `<img src=x onerror=alert(1)> & </script><script>alert(2)</script>`(_ count: Int) -> [Int] {
  var values: [Int] = []
  for index in 0..<count { values.append(index) }
  return values
}

let kept = `<img src=x onerror=alert(1)> & </script><script>alert(2)</script>`(100_000)
print(kept.count)
