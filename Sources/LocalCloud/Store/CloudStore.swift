import AMLAuthCore
import FileStorage
import Foundation

/// Holds the cloud's state and writes every change to disk before the change is acknowledged:
/// temp file, fsync, rename, fsync of the directory. One actor, so requests see a consistent
/// state and writes are serialised within a process.
///
/// Several processes may serve one data directory (two `amlauth apply` runs with `cloud: local`
/// start one cloud each). Every write therefore takes an exclusive `flock` on `state.lock`,
/// re-reads `state.json` if another process saved it since, applies the change to that state and
/// saves it before unlocking; reads take the shared lock and re-read a changed file. No process
/// writes back a state that misses another's change, and a check-then-create inside one `write`
/// (an upsert by alternate key) is atomic across processes.
public actor CloudStore {
    private var cached: CloudState
    /// The `state.json` that `cached` was read from (or written as).
    private var cachedVersion: FileVersion?
    /// Where `state.json` lives; nil keeps everything in memory (tests).
    let directory: String?

    public init(state: CloudState, directory: String?) {
        cached = state
        self.directory = directory
        cachedVersion = directory.flatMap { DirectoryLock.version(of: $0 + "/" + Self.fileName) }
    }

    /// The current state: re-read when another process saved a newer `state.json`. A file that
    /// cannot be re-read leaves the last good state (the next write reports the problem).
    public var state: CloudState {
        guard let directory else { return cached }
        try? DirectoryLock(directory: directory).withLock(exclusive: false) { try refresh(directory) }
        return cached
    }

    /// Reloads `state.json` if it is not the version in memory. Call with the lock held.
    private func refresh(_ directory: String) throws {
        let version = DirectoryLock.version(of: directory + "/" + Self.fileName)
        guard version != cachedVersion else { return }
        if let loaded = try Self.load(directory: directory) { cached = loaded }
        cachedVersion = version
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
            var state = try JSONDecoder().decode(CloudState.self, from: data)
            // A bootstrap principal seeded before Graph reads were checked: give it the lookup
            // permission the seed grants now, so its amlauth keeps working.
            for index in state.applications.indices
            where state.applications[index].tags.contains("amlauth:local-cloud/bootstrap")
                && !state.applications[index].graphPermissions.contains("Directory.Read.All")
            {
                state.applications[index].graphPermissions.append("Directory.Read.All")
            }
            guard state.formatVersion == CloudState.formatVersion else {
                throw PersistenceError(
                    description:
                        "\(path) has format version \(state.formatVersion); this amlauth reads \(CloudState.formatVersion)"
                )
            }
            return state
        } catch let error as PersistenceError {
            throw error
        } catch {
            throw PersistenceError(
                description:
                    "\(path) is damaged (\(error)); the local cloud will not start empty over it. Move it away to start afresh."
            )
        }
    }

    /// Runs `body` on the newest state; when it succeeds, persists the result before returning.
    public func write<T: Sendable>(_ body: (inout CloudState) throws -> T) throws -> T {
        guard let directory else {
            var copy = cached
            let result = try body(&copy)
            cached = copy
            return result
        }
        return try DirectoryLock(directory: directory).withLock(exclusive: true) {
            try refresh(directory)
            var copy = cached
            let result = try body(&copy)
            try Self.save(copy, to: directory)
            cached = copy
            cachedVersion = DirectoryLock.version(of: directory + "/" + Self.fileName)
            return result
        }
    }

    public func read<T: Sendable>(_ body: (CloudState) throws -> T) rethrows -> T {
        try body(state)
    }

    /// Runs `body` holding the data directory's exclusive lock (opening a directory: load or seed
    /// it once, even when two processes start together).
    public static func withDirectoryLock<T>(_ directory: String, _ body: () throws -> T) throws -> T {
        try DirectoryLock(directory: directory).withLock(exclusive: true, body)
    }

    /// Writes `state` to `DIR/state.json` atomically (a new cloud's seed is saved before it serves).
    public static func save(_ state: CloudState, to directory: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(state)
        try AtomicFile.write(Array(data), to: directory + "/" + fileName, mode: 0o600)
    }
}
