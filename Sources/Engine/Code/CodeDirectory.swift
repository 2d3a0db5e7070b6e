public import AMLAuthCore
import AuthCrypto
import Foundation

/// One file of a code directory: its path inside the directory (`/`-separated) and its bytes.
public struct CodeFile: Sendable, Equatable {
    public var path: String
    public var bytes: [UInt8]

    public init(path: String, bytes: [UInt8]) {
        self.path = path
        self.bytes = bytes
    }
}

/// A code directory as read once: the bytes apply uploads are the bytes the digest was taken of.
public struct CodeSnapshot: Sendable {
    /// In the digest's order (lower-cased path, then path).
    public var files: [CodeFile]
    public var digest: CodeDigest
}

/// Why a code directory cannot be uploaded. Each case names the offending path as the manifest
/// would (relative to the code directory).
public enum CodeDirectoryProblem: Error, Equatable, Sendable {
    case missing
    case notADirectory
    case unreadable(String)
    case scriptMissing(String)
    /// A symlink whose target lies outside the code directory (or does not exist).
    case symlinkLeaves(String)
    /// A symlink to a directory: never followed (loops, and trees outside the digest's view).
    case symlinkedDirectory(String)
    case tooLarge(bytes: Int, limit: Int)
    case empty

    /// A message for a located diagnostic.
    public var message: String {
        switch self {
        case .missing: "the code directory does not exist"
        case .notADirectory: "'code' is not a directory"
        case .unreadable(let path): "cannot read '\(path)' in the code directory"
        case .scriptMissing(let path): "the scoring script '\(path)' is not a file in the code directory"
        case .symlinkLeaves(let path):
            "'\(path)' is a symlink that leads outside the code directory; amlauth does not follow it"
        case .symlinkedDirectory(let path): "'\(path)' is a symlink to a directory; amlauth does not follow it"
        case .tooLarge(let bytes, let limit):
            "the code directory holds more than \(limit) bytes (\(bytes) counted when amlauth stopped), more than it uploads"
        case .empty: "the code directory holds no files"
        }
    }
}

/// Reads an OnlineDeployment's `code` directory: every regular file under it, recursively, with
/// symlinks to files inside it read as those files (azure-ai-ml hashes a link's target,
/// `_utils/_asset_utils.py` `_get_dir_hash`). A symlink that leaves the directory is refused, not
/// followed: manifests come from pull requests, and a link to `~/.ssh` must not be uploaded.
///
/// The digest is azure-ai-ml 1.35.2's content hash (`_utils/_asset_utils.py`
/// `_get_file_list_content_hash`, hash version 202208): SHA-256 over the file count, then
/// `#<path>#<size>` per file, then every file's bytes, files ordered by lower-cased path. No
/// timestamps or modes enter it. Unlike the SDK, amlauth honours no `.amlignore`/`.gitignore`:
/// every file is uploaded, and the plan says how many.
public enum CodeDirectory {
    /// 100 MB, the size above which azure-ai-ml warns that an upload is large
    /// (`_artifacts/_blob_storage_helper.py` `upload`: `file_size_in_mb > 100`).
    public static let sizeLimit = 100_000_000

    /// Reads `directory` (an absolute path); `limit` is `sizeLimit` but in tests.
    public static func read(_ directory: String, scoringScript: String, limit: Int = sizeLimit) -> Result<
        CodeSnapshot, CodeDirectoryProblem
    > {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: directory, isDirectory: &isDirectory) else { return .failure(.missing) }
        guard isDirectory.boolValue else { return .failure(.notADirectory) }
        guard let root = realPath(directory) else { return .failure(.unreadable(".")) }
        var found: [(path: String, absolute: String, size: Int)] = []
        var total = 0
        var pending = [""]
        while let relative = pending.popLast() {
            let absolute = relative.isEmpty ? root : root + "/" + relative
            guard let names = try? manager.contentsOfDirectory(atPath: absolute) else {
                return .failure(.unreadable(relative.isEmpty ? "." : relative))
            }
            for name in names.sorted() {
                let path = relative.isEmpty ? name : relative + "/" + name
                let full = root + "/" + path
                guard let attributes = try? manager.attributesOfItem(atPath: full),
                    let type = attributes[.type] as? FileAttributeType
                else { return .failure(.unreadable(path)) }
                var target = full
                if type == .typeSymbolicLink {
                    guard let resolved = realPath(full), resolved.hasPrefix(root + "/") else {
                        return .failure(.symlinkLeaves(path))
                    }
                    var targetIsDirectory: ObjCBool = false
                    _ = manager.fileExists(atPath: resolved, isDirectory: &targetIsDirectory)
                    if targetIsDirectory.boolValue { return .failure(.symlinkedDirectory(path)) }
                    target = resolved
                } else if type == .typeDirectory {
                    pending.append(path)
                    continue
                } else if type != .typeRegular {
                    continue  // sockets, fifos, devices: nothing to upload
                }
                guard let size = (try? manager.attributesOfItem(atPath: target))?[.size] as? Int else {
                    return .failure(.unreadable(path))
                }
                total += size
                if total > limit { return .failure(.tooLarge(bytes: total, limit: limit)) }
                found.append((path, target, size))
            }
        }
        guard !found.isEmpty else { return .failure(.empty) }
        guard found.contains(where: { $0.path == scoringScript }) else {
            return .failure(.scriptMissing(scoringScript))
        }
        var files: [CodeFile] = []
        for file in found {
            guard let data = manager.contents(atPath: file.absolute) else { return .failure(.unreadable(file.path)) }
            files.append(CodeFile(path: file.path, bytes: [UInt8](data)))
        }
        // Sizes are measured on the bytes read, so a file that grew meanwhile cannot slip past the limit.
        let size = files.reduce(0) { $0 + $1.bytes.count }
        if size > limit { return .failure(.tooLarge(bytes: size, limit: limit)) }
        return .success(snapshot(files))
    }

    /// The snapshot of files already in memory: ordered and digested as azure-ai-ml does.
    public static func snapshot(_ files: [CodeFile]) -> CodeSnapshot {
        let ordered = files.sorted { ($0.path.lowercased(), $0.path) < ($1.path.lowercased(), $1.path) }
        var bytes = Array(String(ordered.count).utf8)
        for file in ordered { bytes += Array("#\(file.path)#\(file.bytes.count)".utf8) }
        for file in ordered { bytes += file.bytes }
        let hex = Digest.sha256(bytes).map { String(format: "%02x", $0) }.joined()
        return CodeSnapshot(
            files: ordered,
            digest: CodeDigest(
                sha256: hex, fileCount: ordered.count, totalBytes: ordered.reduce(0) { $0 + $1.bytes.count }))
    }

    private static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}

/// The code snapshots of one run, by content hash: what `upload_online_code` steps upload.
public struct CodeSnapshots: Sendable {
    public var byDigest: [String: CodeSnapshot] = [:]

    public init(_ snapshots: [CodeSnapshot] = []) {
        for snapshot in snapshots { byDigest[snapshot.digest.sha256] = snapshot }
    }
}
