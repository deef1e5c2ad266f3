import MemoryTrace

/// The process replaced its program with `exec()`, and the capture went on with the new one.
///
/// The blocks the old program had alive ended there: the kernel discarded its heap. They are
/// neither freed nor leaked; they count in the peak of the run for as long as they lived.
public struct ProgramExec: Sendable, Equatable {
  /// When the new program started, in microseconds since the capture's start.
  public var microseconds: UInt64
  /// The number of ALLOC and FREE events before it.
  public var eventIndex: UInt64
  /// The new program's command line (its executable as the kernel resolved it); empty if the
  /// capture ends before the new program's COMMAND record.
  public var command: CaptureCommand
  /// The bytes the old program had alive.
  public var endedBytes: UInt64
  /// The blocks the old program had alive.
  public var endedBlocks: UInt64

  /// Creates an exec.
  public init(
    microseconds: UInt64, eventIndex: UInt64, command: CaptureCommand, endedBytes: UInt64, endedBlocks: UInt64
  ) {
    self.microseconds = microseconds
    self.eventIndex = eventIndex
    self.command = command
    self.endedBytes = endedBytes
    self.endedBlocks = endedBlocks
  }
}
