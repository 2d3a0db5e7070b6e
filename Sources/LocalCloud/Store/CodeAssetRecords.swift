/// An Azure ML code version (`…/workspaces/{ws}/codes/{name}/versions/{version}`).
public struct CodeVersionRecord: Codable, Sendable {
    public var name: String
    public var version: String
    public var resourceGroup: String
    public var workspace: String
    /// Where the content is: `https://{host}/{account}/{container}/{prefix}`.
    public var codeURI: String
    public var isAnonymous: Bool
    /// `properties.properties` as sent (azure-ai-ml puts `hash_sha256` and `hash_version` here).
    public var properties: [String: String]
    public var createdTime: Double
    public var updatedTime: Double
    public var createdBy: String
}

/// A blob container of the local storage account, as `startPendingUpload` hands one out: its
/// blobs, and the one SAS signature that opens it until `expiry`.
public struct BlobContainerRecord: Codable, Sendable {
    public var account: String
    public var name: String
    public var signature: String
    public var expiry: Double
    public var blobs: [BlobRecord]
}

/// One blob: its bytes (base64 in the state file), user metadata (`x-ms-meta-*`) and ETag.
public struct BlobRecord: Codable, Sendable {
    public var name: String
    public var content: String
    public var contentType: String?
    public var metadata: [String: String]
    public var etag: String
    public var lastModified: Double
}
