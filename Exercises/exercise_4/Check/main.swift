// The check for exercise 4: correctness cases first, then the memory workload.

func commands(after chunks: [String]) -> [String] {
  let connection = Connection(id: 0)
  for chunk in chunks { connection.receive(Array(chunk.utf8)) }
  return connection.commands
}

checkCase("nothing received", commands(after: []), equals: [])
checkCase("one command", commands(after: ["hello\n"]), equals: ["HELLO"])
checkCase("three commands at once", commands(after: ["hello\nping\nquit\n"]), equals: ["HELLO", "PING", "QUIT"])
checkCase("a command split in two", commands(after: ["pi", "ng\nqu", "it\n"]), equals: ["PING", "QUIT"])
checkCase("an unfinished line is not a command", commands(after: ["ping\nqui"]), equals: ["PING"])
checkCase("an empty line", commands(after: ["\n"]), equals: [""])
checkCase("a connection keeps its id", Connection(id: 42).id, equals: 42)

measureWorkload {
  let session: [UInt8] = Array("hello\nlist inbox\nfetch 1\nfetch 2\nquit\n".utf8)
  var served = 0
  for id in 0..<400 {
    let connection = Connection(id: id)
    connection.receive(session)
    served += connection.commands.count
  }
  keep(served)
}
