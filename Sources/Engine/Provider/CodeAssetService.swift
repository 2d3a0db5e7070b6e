public import AMLAuthCore
public import AzureProvider

/// Azure ML code assets and the upload of their content, as the engine needs them
/// (`CodeAssetsClient`).
public protocol CodeAssetService: Sendable {
    /// Whether the code version exists.
    func codeVersionExists(id: AzureResourceID) async throws(AzureError) -> Bool
    /// A temporary container for the version's content, with its SAS.
    func startPendingUpload(id: AzureResourceID) async throws(AzureError) -> CodeAssetsClient.PendingUpload
    /// Uploads one file below the pending upload's container.
    func putBlob(_ upload: CodeAssetsClient.PendingUpload, path: String, bytes: [UInt8]) async throws(AzureError)
    /// Registers the version with the URI of its uploaded content.
    func putCodeVersion(id: AzureResourceID, codeURI: String, sha256: String) async throws(AzureError)
}

extension CodeAssetsClient: CodeAssetService {}
