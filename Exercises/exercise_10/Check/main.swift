// The check for exercise 10: correctness cases first, then the memory workload.

func announcements(count: Int) -> [String] {
  let announcer = Announcer()
  _ = makeThumbnails(count: count, announcer: announcer)
  return announcer.announceAll()
}

checkCase("no photos", announcements(count: 0), equals: [])
checkCase("one photo", announcements(count: 1), equals: ["IMG_1000.jpg: thumbnail ready, mean brightness 108"])
let five = announcements(count: 5)
checkCase("five photos, in order", five.map { String($0.prefix(8)) }, equals: ["IMG_1000", "IMG_1001", "IMG_1002", "IMG_1003", "IMG_1004"])
checkCase("five photos: the last announcement", five.last, equals: "IMG_1004.jpg: thumbnail ready, mean brightness 156")
let two = makeThumbnails(count: 2, announcer: Announcer())
checkCase("a thumbnail has 64 blocks", two.first?.count, equals: 64)
checkCase("the second photo's first row of blocks", two.last.map { Array($0.prefix(8)) }, equals: [44, 55, 65, 76, 87, 97, 108, 118])
let announcer = Announcer()
announcer.whenDone { "first" }
checkCase("an announcer announces what it kept", announcer.announceAll(), equals: ["first"])
checkCase("an announcer forgets what it announced", announcer.announceAll(), equals: [])

measureWorkload {
  let announcer = Announcer()
  let thumbnails = makeThumbnails(count: 24, announcer: announcer)
  keep(thumbnails)
  keep(announcer.announceAll())
}
