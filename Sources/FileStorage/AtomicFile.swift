#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Crash-safe replacement of a regular file, safe against names planted by others.
///
/// The bytes go to a new temporary file beside the target, with an unpredictable name, created with
/// `O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC` and mode 0600 (so nothing planted there is ever opened, and
/// nobody else can read it while it is written); it is fsynced, given its final mode, renamed over
/// the target and the directory is fsynced: a crash leaves the old or the new file, never a torn one.
/// Every step's result is checked. Only a regular file is replaced: a symbolic link, FIFO, device,
/// socket or directory at the path is refused and left as it was. All steps work relative to one
/// open descriptor of the directory, so the directory cannot be swapped between them.
public enum AtomicFile {
    /// Why a write failed (kept under this name for callers that catch `AtomicFile.Failure`).
    public typealias Failure = FileFailure

    /// Writes `bytes` to `path` with permission bits `mode`, replacing a regular file there.
    ///
    /// - Throws: `FileFailure` when `path` exists and is not a regular file, or any step fails; the
    ///   temporary file is removed and the old file is untouched.
    public static func write(_ bytes: [UInt8], to path: String, mode: UInt32) throws(FileFailure) {
        try replace(path, with: bytes, mode: mode, privateDirectory: false)
    }

    /// Writes a secret to `path`, readable by its owner only (0600), like `write`, and first
    /// refuses a directory that group or others may write unless it is sticky and owned by the
    /// current user: whoever can write the directory could plant a name there or swap the file
    /// after amlauth wrote it.
    ///
    /// - Throws: `FileFailure` with `.unsafeDirectory`, `.notARegularFile` (a symbolic link at the
    ///   path is refused, never followed) or a failed step.
    public static func writeSecret(_ bytes: [UInt8], to path: String) throws(FileFailure) {
        try replace(path, with: bytes, mode: 0o600, privateDirectory: true)
    }

    private static func replace(_ path: String, with bytes: [UInt8], mode: UInt32, privateDirectory: Bool)
        throws(FileFailure)
    {
        guard let (directoryPath, name) = split(path) else { throw FileFailure(path: path, reason: .notAFileName) }
        let directory = open(directoryPath, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard directory >= 0 else {
            throw FileFailure(path: path, reason: .system("cannot open its directory '\(directoryPath)'", errno: errno))
        }
        defer { close(directory) }
        if privateDirectory { try requirePrivate(directory, named: directoryPath, for: path) }
        try requireRegularOrAbsent(name, in: directory, for: path)

        let (descriptor, temporary) = try createTemporary(besides: name, in: directory, for: path)
        do throws(FileFailure) {
            var open = true
            defer { if open { close(descriptor) } }
            if let code = writeFully(descriptor, bytes) {
                throw FileFailure(
                    path: path, reason: .system("cannot write the temporary file '\(temporary)'", errno: code))
            }
            // The file was created 0600; give it its final mode only now that it is complete.
            guard fchmod(descriptor, mode_t(mode)) == 0 else {
                throw FileFailure(path: path, reason: .system("cannot set the mode of '\(temporary)'", errno: errno))
            }
            guard fsync(descriptor) == 0 else {
                throw FileFailure(path: path, reason: .system("cannot flush '\(temporary)' to disk", errno: errno))
            }
            open = false
            guard close(descriptor) == 0 else {
                throw FileFailure(path: path, reason: .system("cannot close '\(temporary)'", errno: errno))
            }
            // Checked again right before the rename: something may have appeared since.
            try requireRegularOrAbsent(name, in: directory, for: path)
            guard renameat(directory, temporary, directory, name) == 0 else {
                throw FileFailure(path: path, reason: .system("cannot rename '\(temporary)' into place", errno: errno))
            }
        } catch {
            unlinkat(directory, temporary, 0)
            throw error
        }
        // Make the rename itself durable. EINVAL: the file system cannot sync directories.
        guard fsync(directory) == 0 || errno == EINVAL else {
            throw FileFailure(
                path: path,
                reason: .system("written, but cannot flush its directory '\(directoryPath)' to disk", errno: errno))
        }
    }

    /// The directory part (`.` when there is none) and the last component, or nil when the last
    /// component is not a file name.
    static func split(_ path: String) -> (directory: String, name: String)? {
        let directory: String
        let name: String
        if let slash = path.lastIndex(of: "/") {
            let head = path[..<slash]
            directory = head.isEmpty ? "/" : String(head)
            name = String(path[path.index(after: slash)...])
        } else {
            directory = "."
            name = path
        }
        guard !name.isEmpty, name != ".", name != ".." else { return nil }
        return (directory, name)
    }

    /// Throws unless `name` in `directory` is absent or a regular file (never following a link).
    static func requireRegularOrAbsent(_ name: String, in directory: Int32, for path: String) throws(FileFailure) {
        var status = stat()
        guard fstatat(directory, name, &status, AT_SYMLINK_NOFOLLOW) == 0 else {
            if errno == ENOENT { return }
            throw FileFailure(path: path, reason: .system("cannot examine it", errno: errno))
        }
        let kind = FileKind(mode: status.st_mode)
        guard kind == .regularFile else { throw FileFailure(path: path, reason: .notARegularFile(kind)) }
    }

    /// Throws unless the directory is writable by its owner alone, or is sticky and owned by the
    /// current user (only the owner of a name may then remove or rename it).
    private static func requirePrivate(_ directory: Int32, named directoryPath: String, for path: String)
        throws(FileFailure)
    {
        var status = stat()
        guard fstat(directory, &status) == 0 else {
            throw FileFailure(
                path: path, reason: .system("cannot examine its directory '\(directoryPath)'", errno: errno))
        }
        let mode = UInt32(status.st_mode) & 0o7777
        guard mode & 0o022 != 0 else { return }
        let currentUser = UInt32(geteuid())
        if mode & UInt32(S_ISVTX) != 0 && UInt32(status.st_uid) == currentUser { return }
        throw FileFailure(
            path: path,
            reason: .unsafeDirectory(directoryPath, mode: mode, owner: UInt32(status.st_uid), currentUser: currentUser))
    }

    /// Creates `.<name>.<16 random hex digits>.tmp` exclusively, never following a link, mode 0600.
    /// The suffix comes from the system's CSPRNG, so the name cannot be planted in advance; a name
    /// that exists anyway is skipped.
    private static func createTemporary(besides name: String, in directory: Int32, for path: String) throws(FileFailure)
        -> (Int32, String)
    {
        // Keep the name well under NAME_MAX whatever the target's length.
        let stem = String(decoding: name.utf8.prefix(100), as: UTF8.self)
        var generator = SystemRandomNumberGenerator()
        var lastError: Int32 = EEXIST
        for _ in 0..<16 {
            let digits = String(generator.next() as UInt64, radix: 16)
            let temporary = ".\(stem).\(String(repeating: "0", count: 16 - digits.count))\(digits).tmp"
            let descriptor = openat(directory, temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
            if descriptor >= 0 { return (descriptor, temporary) }
            lastError = errno
            if lastError != EEXIST && lastError != EINTR { break }
        }
        throw FileFailure(path: path, reason: .system("cannot create a temporary file beside it", errno: lastError))
    }
}

/// Writes all of `bytes`, retrying short writes and EINTR; the `errno` of a failure, or nil.
func writeFully(_ descriptor: Int32, _ bytes: [UInt8]) -> Int32? {
    var written = 0
    while written < bytes.count {
        let result = bytes[written...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        if result < 0 {
            if errno == EINTR { continue }
            return errno
        }
        guard result > 0 else { return EIO }
        written += result
    }
    return nil
}
