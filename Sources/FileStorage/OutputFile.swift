#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A file the user names on the command line for output (`plan -o PATH`), written as a user of
/// `terraform plan -out` or a shell redirect expects, without ever destroying what is there.
///
/// - Nothing there, or a regular file: replaced atomically (`AtomicFile.write`).
/// - A FIFO or character device (a pipe, a terminal, /dev/null): opened for writing without
///   creating or truncating anything, like `>` in a shell, and written to; a failed write
///   (`/dev/full`) is an error. The node stays as it was.
/// - A symbolic link to a FIFO or character device (/dev/stdout, /dev/fd/N under a pipe or a
///   terminal): written through, as above.
/// - Anything else (a link to a file, a dangling link, a directory, a block device, a socket):
///   refused with a message that says why; nothing is replaced.
public enum OutputFile {
    /// Writes `bytes` to `path` as described above; `mode` is the mode of a file it creates or
    /// replaces (a stream keeps its own).
    ///
    /// - Throws: `FileFailure` naming `path` and the reason.
    public static func write(_ bytes: [UInt8], to path: String, mode: UInt32) throws(FileFailure) {
        var status = stat()
        guard lstat(path, &status) == 0 else {
            guard errno == ENOENT else {
                throw FileFailure(path: path, reason: .system("cannot examine it", errno: errno))
            }
            return try AtomicFile.write(bytes, to: path, mode: mode)
        }
        let kind = FileKind(mode: status.st_mode)
        switch kind {
        case .regularFile:
            try AtomicFile.write(bytes, to: path, mode: mode)
        case .fifo, .characterDevice:
            try stream(bytes, to: path)
        case .symbolicLink:
            var target = stat()
            let resolved = stat(path, &target) == 0 ? FileKind(mode: target.st_mode) : nil
            guard let resolved, resolved.isStream else {
                throw FileFailure(path: path, reason: .linkNotToAStream(resolved))
            }
            try stream(bytes, to: path)
        case .directory, .blockDevice, .socket, .unknown:
            throw FileFailure(path: path, reason: .notARegularFile(kind))
        }
    }

    /// Opens an existing FIFO or character device for writing (no O_CREAT, no O_TRUNC; O_NOCTTY so
    /// a terminal never becomes the controlling one), checks it still is one, and writes.
    private static func stream(_ bytes: [UInt8], to path: String) throws(FileFailure) {
        let descriptor = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw FileFailure(path: path, reason: .system("cannot open it for writing", errno: errno))
        }
        var open = true
        defer { if open { close(descriptor) } }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw FileFailure(path: path, reason: .system("cannot examine it", errno: errno))
        }
        // lstat saw a FIFO or device; if something else was swapped in since, write nothing.
        guard FileKind(mode: status.st_mode).isStream else {
            throw FileFailure(path: path, reason: .system("it was replaced while being opened", errno: EBUSY))
        }
        if let code = writeFully(descriptor, bytes) { throw FileFailure(path: path, reason: .system(nil, errno: code)) }
        open = false
        guard close(descriptor) == 0 else { throw FileFailure(path: path, reason: .system(nil, errno: errno)) }
    }
}
