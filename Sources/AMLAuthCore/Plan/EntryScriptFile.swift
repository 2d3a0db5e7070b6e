/// A web service's entry script as read from the file its manifest names (relative to that
/// manifest), at plan time: the bytes amlauth uploads as the service's driver program, and their
/// SHA-256, which the plan shows and which is compared with what the service runs.
public struct EntryScriptFile: Sendable, Equatable {
    /// The file's bytes, uploaded unchanged.
    public var content: [UInt8]
    /// Lower-case hex SHA-256 of `content`, computed by the reader (the core does no hashing I/O).
    public var sha256: String

    public init(content: [UInt8], sha256: String) {
        self.content = content
        self.sha256 = sha256
    }

    /// The short digest that names the upload container (`amlauth-<16 hex>`) and shows in plans.
    public var shortDigest: String { String(sha256.prefix(16)) }

    /// The artifact container amlauth uploads this content to: content-addressed, so the same
    /// script always lands in the same place and a service's driver asset says what it runs.
    public var container: String { Self.containerPrefix + shortDigest }

    /// The prefix of amlauth's content-addressed artifact containers.
    public static let containerPrefix = "amlauth-"

    /// The artifact path and asset id of an entry script, which the service reports as its
    /// `driverProgram`: the file name, as azureml-core's `upload_dependency` names artifacts
    /// (`os.path.basename(dependency)`, azureml/_model_management/_util.py line 165), so it is
    /// `score.py` whether the manifest writes `score.py` or `src/score.py`.
    public static func assetName(_ entryScript: String) -> String {
        entryScript.split(separator: "/").last.map(String.init) ?? entryScript
    }

    /// The entry script as a plan shows it: `score.py (sha256:0123456789abcdef)`.
    public static func display(_ name: String, digest: String?) -> String {
        digest.map { "\(name) (sha256:\($0.prefix(16)))" } ?? name
    }
}
