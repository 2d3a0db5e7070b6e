/// A file in a workspace's artifact service (`{origin}/{container}/{path}`): created empty by the
/// batch metadata call, filled by a BlockBlob PUT to its SAS content URI.
public struct ArtifactRecord: Codable, Sendable {
    public var resourceGroup: String
    public var workspace: String
    public var origin: String
    public var container: String
    public var path: String
    /// The SAS signature its content URI carries; a PUT without it is refused, as storage does.
    public var signature: String
    /// Set once content has been PUT.
    public var uploaded: Bool
    /// Hex SHA-256 and size of the content.
    public var sha256: String?
    public var size: Int
    /// The content, base64 (nil until uploaded, and in older data directories), for Get Blob.
    public var content: String?
    public var createdTime: Double

    /// `{origin}/{container}/{path}`, the id `aml://artifact/` URLs name.
    public var artifactID: String { "\(origin)/\(container)/\(path)" }
}

/// A registered Azure ML environment version (`name:version`), as the environment service keeps it.
public struct EnvironmentRecord: Codable, Sendable {
    public var resourceGroup: String
    public var workspace: String
    public var name: String
    public var version: String
    /// The definition as registered (compact JSON); the seed's are minimal.
    public var definition: String
}

/// A registered v1 model version (`name:version`), as the model-management service keeps it:
/// what `Model(ws, name, version=…)`, `Model.register` and a service's `modelIds` name.
public struct ModelRecord: Codable, Sendable {
    public var resourceGroup: String
    public var workspace: String
    public var name: String
    public var version: Int
    /// Where its files are (`aml://artifact/…` for a registered upload).
    public var url: String
    public var mimeType: String
    public var framework: String?
    public var description: String?
    public var kvTags: [String: String]
    public var properties: [String: String]
    public var createdTime: Double

    /// `name:version`, the id MMS routes and `modelIds` use.
    public var id: String { "\(name):\(version)" }
}
