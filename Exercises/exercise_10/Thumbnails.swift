// Exercise 10 — The callback that kept the pixels
//
// `makeThumbnails(count:announcer:)` decodes photos one at a time, shrinks each into a thumbnail,
// and asks the `Announcer` to tell the gallery about it later, when the whole batch is done. The
// announcer keeps every callback it is given until then. Each photo's pixels are needed only while
// its thumbnail is made — but the callback that announces it names the photo, so the photo, with
// all its pixels, lives as long as the callback does.
//
// Your task: keep the announcements the same, and bring the workload's peak memory under the limit
// in exercise.json (512 KiB, for 24 photos of 64 KiB). Run `workshop check 10` to check,
// `workshop lesson 10` for the lesson.

/// Collects callbacks, and calls them all once a batch of work is done.
final class Announcer {
  private var pending: [() -> String] = []

  /// Keeps `callback` until ``announceAll()``.
  func whenDone(_ callback: @escaping () -> String) {
    pending.append(callback)
  }

  /// Calls every callback kept, in the order they came, and forgets them.
  func announceAll() -> [String] {
    let messages = pending.map { $0() }
    pending.removeAll()
    return messages
  }
}

/// A decoded photo: a name, and one byte of brightness per pixel.
struct Photo {
  static let side = 256
  var name: String
  var pixels: [UInt8]

  /// Photo `number`: made-up pixels, the same every time.
  init(number: Int) {
    name = "IMG_\(1000 + number).jpg"
    pixels = [UInt8](repeating: 0, count: Photo.side * Photo.side)
    for row in 0..<Photo.side {
      for column in 0..<Photo.side {
        pixels[row * Photo.side + column] = UInt8(truncatingIfNeeded: row / 2 + column / 3 + number * 29 + column % 7)
      }
    }
  }
}

/// A thumbnail: the mean brightness of each 32 × 32 block of the photo, 8 × 8 blocks in all.
func thumbnail(of photo: Photo) -> [UInt8] {
  let block = Photo.side / 8
  var result: [UInt8] = []
  result.reserveCapacity(64)
  for blockRow in 0..<8 {
    for blockColumn in 0..<8 {
      var total = 0
      for row in blockRow * block..<(blockRow + 1) * block {
        for column in blockColumn * block..<(blockColumn + 1) * block {
          total += Int(photo.pixels[row * Photo.side + column])
        }
      }
      result.append(UInt8(total / (block * block)))
    }
  }
  return result
}

/// Makes the thumbnails of photos 0..<count, and tells `announcer` to announce each one.
func makeThumbnails(count: Int, announcer: Announcer) -> [[UInt8]] {
  var thumbnails: [[UInt8]] = []
  for number in 0..<count {
    let photo = Photo(number: number)
    let small = thumbnail(of: photo)
    thumbnails.append(small)
    announcer.whenDone {
      "\(photo.name): thumbnail ready, mean brightness \(small.reduce(0) { $0 + Int($1) } / small.count)"
    }
  }
  return thumbnails
}
