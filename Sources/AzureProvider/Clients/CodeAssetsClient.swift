public import AMLAuthCore
import HTTPClient
import WireFormat

/// Azure ML code assets (ARM, `…/workspaces/{ws}/codes/{name}/versions/{version}`) and the blob
/// upload their content takes, as azure-ai-ml 1.35.2 performs it for a deployment's code:
/// `operations/_code_operations.py` `CodeOperations.create_or_update` asks for a temporary blob
/// container with `startPendingUpload` (`_utils/_asset_utils.py`
/// `get_storage_info_for_non_registry_asset`, body `{"pendingUploadType": "TemporaryBlobReference"}`),
/// uploads every file with azure-storage-blob through the answer's SAS URI
/// (`_artifacts/_blob_storage_helper.py` `BlobStorageClient.upload`, one `Put Blob` of type
/// `BlockBlob` per file, `overwrite=True`), then PUTs the code version with `codeUri` pointing
/// at the uploaded directory.
///
/// api-version `2023-04-01`: azure-ai-ml builds `CodeOperations` on `ServiceClient042023`
/// (`_ml_client.py`).
public struct CodeAssetsClient: Sendable {
    public let pipeline: AzurePipeline
    public let cloud: AzureCloudEndpoints

    public static let apiVersion = "2023-04-01"
    /// The blob service version sent with each upload (`x-ms-version`), as azure-storage-blob
    /// 12.x sends a recent one; the local cloud requires the header, as Azure Storage does for SAS
    /// requests without it only on old versions (UNVERIFIED which it defaults to).
    public static let blobServiceVersion = "2021-08-06"

    public init(pipeline: AzurePipeline, cloud: AzureCloudEndpoints) {
        self.pipeline = pipeline
        self.cloud = cloud
    }

    /// Where a pending upload goes: the container's URI, and the same with its SAS query.
    public struct PendingUpload: Sendable, Equatable {
        public var blobURI: String
        public var sasURI: String
    }

    private func url(_ id: AzureResourceID, _ suffix: String = "") -> String {
        cloud.resourceManager.trimmingSuffixSlash + id.description + suffix + "?api-version=" + Self.apiVersion
    }

    private func arm(_ method: String, _ url: String, json: JSONValue? = nil, accept: Set<Int> = [])
        -> AzurePipeline.Request
    {
        AzurePipeline.Request(
            method, url, service: .resourceManager, audience: cloud.resourceManagerAudience, json: json, accept: accept)
    }

    /// Whether the code version exists (GET; 404 is no).
    public func codeVersionExists(id: AzureResourceID) async throws(AzureError) -> Bool {
        try await pipeline.send(arm("GET", url(id), accept: [404])).status != 404
    }

    /// `POST …/codes/{name}/versions/{version}/startPendingUpload`.
    public func startPendingUpload(id: AzureResourceID) async throws(AzureError) -> PendingUpload {
        var request = arm(
            "POST", url(id, "/startPendingUpload"),
            json: .object([("pendingUploadType", .string("TemporaryBlobReference"))]))
        // Asking twice only hands out a second temporary container.
        request.idempotent = true
        let json = try await pipeline.json(request)
        let reference = json["blobReferenceForConsumption"]
        guard let blobURI = reference?["blobUri"]?.stringValue,
            let sasURI = reference?["credential"]?["sasUri"]?.stringValue
        else {
            throw AzureError(
                service: .resourceManager, status: 200, code: "InvalidResponse",
                message:
                    "startPendingUpload answered without blobReferenceForConsumption.blobUri and credential.sasUri",
                target: "POST \(id)/startPendingUpload")
        }
        return PendingUpload(blobURI: blobURI, sasURI: sasURI)
    }

    /// `Put Blob` (BlockBlob) of one file into the pending upload's container, authorised by its
    /// SAS alone: no bearer token goes to storage.
    public func putBlob(_ upload: PendingUpload, path: String, bytes: [UInt8]) async throws(AzureError) {
        var request = AzurePipeline.Request("PUT", Self.blobURL(upload.sasURI, path), service: .storage, audience: nil)
        request.headers = [
            ("x-ms-blob-type", "BlockBlob"), ("x-ms-version", Self.blobServiceVersion),
            ("Content-Type", "application/octet-stream"),
        ]
        request.body = bytes
        _ = try await pipeline.send(request)
    }

    /// `PUT …/codes/{name}/versions/{version}`, as `Code._to_rest_object` writes it: `codeUri`,
    /// `isAnonymous`, and the content hash in `properties`.
    public func putCodeVersion(id: AzureResourceID, codeURI: String, sha256: String) async throws(AzureError) {
        let body = JSONValue.object([
            (
                "properties",
                .object([
                    ("codeUri", .string(codeURI)), ("isAnonymous", .bool(true)),
                    (
                        "properties",
                        .object([("hash_sha256", .string(sha256)), ("hash_version", .string("202208"))])
                    ),
                ])
            )
        ])
        _ = try await pipeline.send(arm("PUT", url(id), json: body))
    }

    /// The blob `path` (below the container) with the container SAS's query.
    static func blobURL(_ sasURI: String, _ path: String) -> String {
        let (base, query) = split(sasURI)
        return base + "/" + URLPath.escaped(path) + (query.isEmpty ? "" : "?" + query)
    }

    /// The container URI and its query, split at the first `?`.
    public static func split(_ uri: String) -> (base: String, query: String) {
        guard let mark = uri.firstIndex(of: "?") else { return (uri.trimmingSuffixSlash, "") }
        return (String(uri[..<mark]).trimmingSuffixSlash, String(uri[uri.index(after: mark)...]))
    }
}
