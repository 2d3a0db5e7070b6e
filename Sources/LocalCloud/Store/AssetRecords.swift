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
    /// Hex SHA-256 and size of the content (the content itself is not kept: nothing runs it).
    public var sha256: String?
    public var size: Int
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
