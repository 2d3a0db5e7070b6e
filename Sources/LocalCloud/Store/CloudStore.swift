import AMLAuthCore
import Foundation

/// Holds the cloud's state and writes every change to disk before the change is acknowledged:
/// temp file, fsync, rename, fsync of the directory. One actor, so requests see a consistent
/// state and writes are serialised.
public actor CloudStore {
    public private(set) var state: CloudState
    /// Where `state.json` lives; nil keeps everything in memory (tests).
    let directory: String?

    public init(state: CloudState, directory: String?) {
        self.state = state
        self.directory = directory
    }

    public static let fileName = "state.json"

    /// A problem with the data directory, reported to the operator verbatim.
    public struct PersistenceError: Error, CustomStringConvertible, Sendable {
        public var description: String

        public init(description: String) { self.description = description }
    }

    /// Loads `DIR/state.json`; nil when there is none yet. A damaged file is an error, never a
    /// silent fresh start.
    public static func load(directory: String) throws -> CloudState? {
        let path = directory + "/" + fileName
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PersistenceError(description: "cannot read \(path)")
        }
        do {
            let state = try JSONDecoder().decode(CloudState.self, from: data)
            guard state.formatVersion == CloudState.formatVersion else {
                throw PersistenceError(description: "\(path) has format version \(state.formatVersion); this amlauth reads \(CloudState.formatVersion)")
            }
            return state
        } catch let error as PersistenceError {
            throw error
        } catch {
            throw PersistenceError(
                description: "\(path) is damaged (\(error)); the local cloud will not start empty over it. Move it away to start afresh.")
        }
    }

    /// Runs `body` on the state; when it succeeds, persists the result before returning.
    public func write<T: Sendable>(_ body: (inout CloudState) throws -> T) throws -> T {
        var copy = state
        let result = try body(&copy)
        if let directory { try Self.save(copy, to: directory) }
        state = copy
        return result
    }

    public func read<T: Sendable>(_ body: (CloudState) throws -> T) rethrows -> T {
        try body(state)
    }

    /// Writes `state` to `DIR/state.json` atomically (a new cloud's seed is saved before it serves).
    public static func save(_ state: CloudState, to directory: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(state)
        try AtomicFile.write(Array(data), to: directory + "/" + fileName, mode: 0o600)
    }
}

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

    private static func error(_ message: String) -> CloudStore.PersistenceError {
        CloudStore.PersistenceError(description: "\(message): \(String(cString: strerror(errno)))")
    }
}
