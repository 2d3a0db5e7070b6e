#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A file only its owner may read, in a directory only its owner may enter (the login cache):
/// read only when it is a regular file (never through a symbolic link), owned by the current user,
/// with no permission for group or others; written with `AtomicFile.writeSecret` (created 0600,
/// renamed into place: there is never a moment with a wider mode).
public enum PrivateFile {
    /// Why a private file or its directory was refused.
    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        public var path: String
        public var reason: String

        public init(path: String, reason: String) {
            self.path = path
            self.reason = reason
        }

        public var description: String { "refusing '\(path)': \(reason)" }
    }

    /// The file's bytes, or nil when there is no file.
    ///
    /// - Throws: `Problem` when it is a symbolic link or not a regular file, belongs to someone
    ///   else, or group or others have any permission on it.
    public static func read(_ path: String) throws(Problem) -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else {
            let code = errno
            if code == ENOENT { return nil }
            if code == ELOOP {
                throw Problem(
                    path: path, reason: "it is a symbolic link; the login cache is read only from a regular file")
            }
            throw Problem(path: path, reason: "cannot open it: \(String(cString: strerror(code)))")
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw Problem(path: path, reason: "cannot examine it: \(String(cString: strerror(errno)))")
        }
        try check(status, path: path, kind: .regularFile)
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16_384)
        while true {
            let count = buffer.withUnsafeMutableBytes { systemRead(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw Problem(path: path, reason: "cannot read it: \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            bytes += buffer[0..<count]
        }
        return bytes
    }

    /// Creates `path` (and missing parents) with mode 0700, and checks that the directory itself is
    /// not a link, is the current user's and is closed to group and others.
    ///
    /// - Throws: `Problem` naming what is wrong.
    public static func prepareDirectory(_ path: String) throws(Problem) {
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            prefix += "/" + component
            var existing = stat()
            if stat(prefix, &existing) == 0 { continue }
            if mkdir(prefix, 0o700) != 0, errno != EEXIST {
                throw Problem(path: prefix, reason: "cannot create it: \(String(cString: strerror(errno)))")
            }
        }
        var status = stat()
        guard lstat(path, &status) == 0 else {
            throw Problem(path: path, reason: "cannot examine it: \(String(cString: strerror(errno)))")
        }
        try check(status, path: path, kind: .directory)
    }

    /// Removes the file if it is there (never following a link: a link is removed, not its target).
    public static func remove(_ path: String) throws(Problem) {
        guard unlink(path) == 0 || errno == ENOENT else {
            throw Problem(path: path, reason: "cannot remove it: \(String(cString: strerror(errno)))")
        }
    }

    private static func check(_ status: stat, path: String, kind expected: FileKind) throws(Problem) {
        let kind = FileKind(mode: status.st_mode)
        guard kind == expected else {
            throw Problem(path: path, reason: "it is \(kind), not \(expected)")
        }
        guard status.st_uid == geteuid() else {
            throw Problem(path: path, reason: "it belongs to uid \(status.st_uid), not to you (uid \(geteuid()))")
        }
        let mode = UInt32(status.st_mode) & 0o777
        guard mode & 0o077 == 0 else {
            let wanted = expected == .directory ? "0700" : "0600"
            throw Problem(
                path: path,
                reason:
                    "group or others have access (mode 0\(String(mode, radix: 8))); it holds a login: chmod \(wanted) it, or 'amlauth logout' and log in again"
            )
        }
    }
}

/// `read(2)`, named apart from `PrivateFile.read`.
private func systemRead(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    read(descriptor, buffer, count)
}
