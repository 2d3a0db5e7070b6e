import AMLAuthCore
import FileStorage
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
