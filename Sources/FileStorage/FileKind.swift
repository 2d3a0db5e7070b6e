#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What a path names, as `lstat` or `fstat` reports it: the reason a write refuses a path is
/// usually what the path turned out to be.
public enum FileKind: Sendable, Equatable, CustomStringConvertible {
    case regularFile
    case directory
    case symbolicLink
    case fifo
    case characterDevice
    case blockDevice
    case socket
    case unknown

    /// The kind encoded in `st_mode`.
    init(mode: mode_t) {
        switch mode & S_IFMT {
        case S_IFREG: self = .regularFile
        case S_IFDIR: self = .directory
        case S_IFLNK: self = .symbolicLink
        case S_IFIFO: self = .fifo
        case S_IFCHR: self = .characterDevice
        case S_IFBLK: self = .blockDevice
        case S_IFSOCK: self = .socket
        default: self = .unknown
        }
    }

    /// The kind with its article, for messages: "a FIFO", "an unknown kind of file".
    public var description: String {
        switch self {
        case .regularFile: "a regular file"
        case .directory: "a directory"
        case .symbolicLink: "a symbolic link"
        case .fifo: "a FIFO"
        case .characterDevice: "a character device"
        case .blockDevice: "a block device"
        case .socket: "a socket"
        case .unknown: "an unknown kind of file"
        }
    }

    /// Whether writing means streaming bytes into something that exists (a pipe, a terminal, a
    /// device such as /dev/null), rather than storing a file.
    var isStream: Bool {
        switch self {
        case .fifo, .characterDevice: true
        case .regularFile, .directory, .symbolicLink, .blockDevice, .socket, .unknown: false
        }
    }
}
