// Exercise 10 — alternative: make the text now, and capture only the text.
//
// The announcement does not depend on anything that happens later, so it can be written while
// the photo is at hand. The closure then captures one string (about 50 bytes) and nothing else.
// Capturing a local `let` that holds a small value is as good as a capture list: what matters is
// what the captured names refer to, not how the capture is spelled.

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
    let message = "\(photo.name): thumbnail ready, mean brightness \(small.reduce(0) { $0 + Int($1) } / small.count)"
    announcer.whenDone { message }
  }
  return thumbnails
}
