import Foundation

/// An advisory `flock(2)` on `DIR/state.lock`: several processes (two `amlauth apply` runs with
/// `cloud: local`, each serving the same data directory in-process) take it around every
/// read-modify-write of `state.json`, so none writes back a state that misses another's change.
/// The kernel drops the lock when its holder dies, so a crash never leaves the directory locked.
struct DirectoryLock: Sendable {
    static let fileName = "state.lock"

    let path: String

    init(directory: String) { path = directory + "/" + Self.fileName }

    /// Runs `body` holding the lock: exclusive for writers, shared for readers.
    func withLock<T>(exclusive: Bool, _ body: () throws -> T) throws -> T {
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw CloudStore.PersistenceError(description: "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        while flock(descriptor, exclusive ? LOCK_EX : LOCK_SH) != 0 {
            guard errno == EINTR else {
                throw CloudStore.PersistenceError(
                    description: "cannot lock \(path): \(String(cString: strerror(errno)))")
            }
        }
        defer { flock(descriptor, LOCK_UN) }
        return try body()
    }

    /// Identifies one version of `state.json`: every save renames a new file into place, so a new
    /// inode (or, on a file system that reuses inodes, a new modification time) means new content.
    static func version(of path: String) -> FileVersion? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return FileVersion(
            inode: UInt64(info.st_ino), seconds: Int64(info.st_mtim.tv_sec), nanoseconds: Int64(info.st_mtim.tv_nsec),
            size: Int64(info.st_size))
    }
}

/// The identity of one saved `state.json`.
struct FileVersion: Equatable, Sendable {
    var inode: UInt64
    var seconds: Int64
    var nanoseconds: Int64
    var size: Int64
}
