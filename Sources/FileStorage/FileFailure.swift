#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Why a file could not be written: the path as given and a reason a user can act on.
public struct FileFailure: Error, CustomStringConvertible, Sendable, Equatable {
    /// The path the caller asked to write.
    public var path: String
    public var reason: Reason

    public init(path: String, reason: Reason) {
        self.path = path
        self.reason = reason
    }

    /// `cannot write 'PATH': REASON`.
    public var description: String { "cannot write '\(path)': \(reason)" }

    /// Why, as a value (tests and callers can match it), with the explanation in its description.
    public enum Reason: Sendable, Equatable, CustomStringConvertible {
        /// A system call failed: what was being done (nil for the write itself) and `errno`.
        case system(String?, errno: Int32)
        /// The path exists and is not a regular file, so replacing it would destroy or redirect
        /// something that is not ours (a device, a FIFO, a link to anywhere, a directory).
        case notARegularFile(FileKind)
        /// A symbolic link to something other than a pipe or terminal (the kind it resolves to,
        /// nil when it dangles); only `OutputFile` reports this.
        case linkNotToAStream(FileKind?)
        /// The directory may be written by group or others and is not a sticky directory owned by
        /// the current user: whoever can write it can plant or swap the file's name.
        case unsafeDirectory(String, mode: UInt32, owner: UInt32, currentUser: UInt32)
        /// The path names no file (empty, or ending in `/`, `.` or `..`).
        case notAFileName

        public var description: String {
            switch self {
            case .system(nil, let code):
                String(cString: strerror(code))
            case .system(let operation?, let code):
                "\(operation): \(String(cString: strerror(code)))"
            case .notARegularFile(.symbolicLink):
                "it is a symbolic link; amlauth never writes through or replaces a link here, because a planted "
                    + "link could send the file anywhere: name the file itself"
            case .notARegularFile(let kind):
                "it is \(kind); amlauth replaces only a regular file, never \(kind): choose another path"
            case .linkNotToAStream(let kind):
                "it is a symbolic link to \(kind?.description ?? "nothing"); amlauth writes through a link only to a "
                    + "pipe or terminal (such as /dev/stdout in a pipeline) and never replaces a link: name the file itself"
            case .unsafeDirectory(let directory, let mode, let owner, let currentUser):
                if mode & UInt32(S_ISVTX) != 0 {
                    "its directory '\(directory)' is writable by group or others (mode \(octal(mode))) and, though sticky, "
                        + "is owned by uid \(owner), not by you (uid \(currentUser)); anyone who can write there could plant "
                        + "or swap the file: use a directory only you can write"
                } else {
                    "its directory '\(directory)' is writable by group or others (mode \(octal(mode))) and is not a sticky "
                        + "directory owned by you (uid \(currentUser)); anyone who can write there could plant or swap the "
                        + "file: use a directory only you can write"
                }
            case .notAFileName:
                "the path does not name a file"
            }
        }

        private func octal(_ mode: UInt32) -> String {
            let digits = String(mode, radix: 8)
            return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
        }
    }
}
