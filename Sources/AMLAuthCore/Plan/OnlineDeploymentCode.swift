/// The scoring code of an online deployment: what the edge read of its directory, what the plan
/// asks ARM for, and how the code asset is named.
///
/// azure-ai-ml 1.35.2 registers a deployment's local `code` as an anonymous code asset
/// (`_utils/_endpoint_utils.py` `upload_dependencies` → `operations/_operation_orchestrator.py`
/// `_get_code_asset_arm_id` → `operations/_code_operations.py` `CodeOperations.create_or_update`):
/// it names the asset by a random name and version `1` (`entities/_assets/asset.py`), stores the
/// directory's content hash in `properties.hash_sha256` (`_utils/_asset_utils.py`
/// `get_content_hash`, `hash_version` 202208), uploads under `LocalUpload/<hash>/…` through the SAS
/// of `startPendingUpload`, and PUTs `…/codes/{name}/versions/{version}` with `codeUri`. amlauth
/// names the asset by the same content hash instead of a random name, so uploading is idempotent
/// and the live deployment's `codeId` alone says which content it runs.
public struct CodeDigest: Sendable, Hashable, Codable {
    /// The content hash as azure-ai-ml computes it, 64 lower-case hex digits.
    public var sha256: String
    public var fileCount: Int
    public var totalBytes: Int

    public init(sha256: String, fileCount: Int, totalBytes: Int) {
        self.sha256 = sha256
        self.fileCount = fileCount
        self.totalBytes = totalBytes
    }

    /// `sha256:` and the first 12 hex digits: what a reviewer reads in a plan.
    public var short: String { "sha256:" + sha256.prefix(12) }
}

/// A desired deployment's code: the directory as the manifest wrote it and what it holds now.
public struct DesiredOnlineCode: Sendable {
    /// As written in `code`, relative to the manifest.
    public var directory: String
    public var scoringScript: String
    public var digest: CodeDigest

    public init(directory: String, scoringScript: String, digest: CodeDigest) {
        self.directory = directory
        self.scoringScript = scoringScript
        self.digest = digest
    }
}

/// Uploads a code directory (if its asset does not exist yet) and registers the code version.
public struct OnlineCodeUpload: Sendable, Equatable {
    public var workspaceID: AzureResourceID
    /// The content hash, which names the asset; apply uploads exactly the bytes that hash to it.
    public var sha256: String
    /// As the manifest wrote it, for messages.
    public var directory: String

    public init(workspaceID: AzureResourceID, sha256: String, directory: String) {
        self.workspaceID = workspaceID
        self.sha256 = sha256
        self.directory = directory
    }

    /// Every content gets version `1` of the asset its hash names, as azure-ai-ml gives anonymous
    /// code version `1`.
    public static let version = "1"

    /// Whether `text` is a content hash as amlauth writes it: 64 lower-case hex digits.
    public static func isDigest(_ text: String) -> Bool {
        text.unicodeScalars.count == 64
            && text.unicodeScalars.allSatisfy { ("0"..."9").contains($0) || ("a"..."f").contains($0) }
    }

    /// `…/workspaces/{ws}/codes/{sha256}/versions/1`.
    public var codeVersionID: AzureResourceID {
        workspaceID.child("codes", sha256).child("versions", Self.version)
    }
}

/// What a deployment PUT carries as `properties.codeConfiguration`.
public struct OnlineDeploymentCode: Sendable, Equatable {
    public var codeID: AzureResourceID
    public var scoringScript: String

    public init(codeID: AzureResourceID, scoringScript: String) {
        self.codeID = codeID
        self.scoringScript = scoringScript
    }
}

extension LiveOnlineDeployment {
    /// The code asset's name when `codeID` names a workspace code version
    /// (`…/codes/{name}/versions/{version}`), else nil.
    public var codeName: String? {
        guard let codeID else { return nil }
        let parts = codeID.split(separator: "/").map(String.init)
        guard parts.count >= 4, parts[parts.count - 2].lowercased() == "versions",
            parts[parts.count - 4].lowercased() == "codes"
        else { return nil }
        return parts[parts.count - 3]
    }
}
