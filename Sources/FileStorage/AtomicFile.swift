import Foundation

/// Crash-safe file replacement.
public enum AtomicFile {
    /// Writes `bytes` to a temporary file beside `path`, fsyncs it, renames it over `path` and
    /// fsyncs the directory, so a crash leaves either the old or the new file, never a torn one.
    public static func write(_ bytes: [UInt8], to path: String, mode: UInt32) throws {
        let temporary = path + ".tmp-\(getpid())"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, mode_t(mode))
        guard descriptor >= 0 else { throw error("cannot create \(temporary)") }
        var written = 0
        while written < bytes.count {
            let result = bytes[written...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            guard result > 0 else {
                close(descriptor)
                unlink(temporary)
                throw error("cannot write \(temporary)")
            }
            written += result
        }
        // Set the mode explicitly: open() applied the umask.
        fchmod(descriptor, mode_t(mode))
        guard fsync(descriptor) == 0, close(descriptor) == 0 else {
            unlink(temporary)
            throw error("cannot flush \(temporary)")
        }
        guard rename(temporary, path) == 0 else {
            unlink(temporary)
            throw error("cannot rename \(temporary) to \(path)")
        }
        let directory = (path as NSString).deletingLastPathComponent
        let directoryDescriptor = open(directory.isEmpty ? "." : directory, O_RDONLY)
        if directoryDescriptor >= 0 {
            fsync(directoryDescriptor)
            close(directoryDescriptor)
        }
    }

    private static func error(_ message: String) -> Failure {
        Failure(description: "\(message): \(String(cString: strerror(errno)))")
    }

    /// Why a write failed, with the system's reason.
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var description: String
    }
}
