import Foundation
import Glibc
import Synchronization
import Testing

/// A fresh directory under the system temporary directory, removed by the caller.
func temporaryDirectory(_ label: String = "files") throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("amlauth-\(label)-\(UUID().uuidString)")
        .path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// What a path names without following a final symbolic link, from `lstat`.
enum Kind: Equatable, CustomStringConvertible {
    case missing, regular, directory, symlink, fifo, characterDevice, other

    init(at path: String) {
        var status = stat()
        guard lstat(path, &status) == 0 else {
            self = .missing
            return
        }
        switch status.st_mode & S_IFMT {
        case S_IFREG: self = .regular
        case S_IFDIR: self = .directory
        case S_IFLNK: self = .symlink
        case S_IFIFO: self = .fifo
        case S_IFCHR: self = .characterDevice
        default: self = .other
        }
    }

    var description: String {
        switch self {
        case .missing: "missing"
        case .regular: "regular file"
        case .directory: "directory"
        case .symlink: "symbolic link"
        case .fifo: "FIFO"
        case .characterDevice: "character device"
        case .other: "other"
        }
    }
}

/// The permission bits of `path` (following links), or nil when it does not exist.
func permissions(_ path: String) -> Int? {
    var status = stat()
    guard stat(path, &status) == 0 else { return nil }
    return Int(status.st_mode & 0o7777)
}

func contents(_ path: String) -> String? {
    FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
}

/// Everything in `directory` but the names in `except`: a temporary file left behind shows up here.
func leftovers(in directory: String, except: Set<String>) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: directory).filter { !except.contains($0) }.sorted()
}

/// Reads a FIFO on a background thread until every writer has closed it.
final class FIFOReader: Sendable {
    private let done = DispatchSemaphore(value: 0)
    private let received = Mutex<[UInt8]?>(nil)
    let path: String

    init(_ path: String) {
        self.path = path
        let thread = Thread { [self] in
            let descriptor = open(path, O_RDONLY | O_CLOEXEC)
            var bytes: [UInt8] = []
            if descriptor >= 0 {
                var buffer = [UInt8](repeating: 0, count: 65536)
                while true {
                    let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                    if count > 0 {
                        bytes += buffer[..<count]
                    } else if count < 0 && errno == EINTR {
                        continue
                    } else {
                        break
                    }
                }
                close(descriptor)
            }
            received.withLock { $0 = bytes }
            done.signal()
        }
        thread.start()
    }

    /// What the reader received, once the writer is done. `unblock` names another link to the same
    /// FIFO, opened for writing and closed so the reader ends even when nobody else wrote to it.
    func finish(unblockingThrough unblock: String) -> String {
        if done.wait(timeout: .now() + 0.5) == .timedOut {
            let writer = open(unblock, O_WRONLY | O_NONBLOCK | O_CLOEXEC)
            if writer >= 0 { close(writer) }
            done.wait()
        }
        return String(decoding: received.withLock { $0 } ?? [], as: UTF8.self)
    }
}
