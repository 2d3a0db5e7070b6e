import AMLAuthCore
import AuthCrypto
import Foundation
import WireFormat

/// The workspaces' storage account, path-style as Azurite serves it
/// (`https://127.0.0.1:{port}/{account}/{container}/{blob}`), for the code azure-ai-ml and amlauth
/// upload through `startPendingUpload`'s SAS. Only what uploading code takes, with Azure Storage's
/// statuses, `x-ms-error-code` header and XML error body (Blob service REST reference: Put Blob,
/// Set Blob Metadata, Get Blob, Get Blob Properties, "Blob service error codes"):
///
/// - `PUT` a blob with `x-ms-blob-type: BlockBlob` (201); any other type is refused (400
///   `InvalidHeaderValue`, or `MissingRequiredHeader` without one), and so is a `Content-MD5`
///   that is not the body's (400 `Md5Mismatch`). azure-storage-blob sends files
///   up to `max_single_put_size` (64 MiB) in one Put Blob; Put Block / Put Block List are answered
///   501, which no upload amlauth or azure-ai-ml makes of a code directory under 100 MB reaches.
/// - `PUT ?comp=metadata` (200), `HEAD` (200 with `x-ms-meta-*`; 404 without body), `GET` (200).
/// - Every request carries the container's SAS: `sig` must be the one handed out and `se` in the
///   future, else 403 `AuthenticationFailed`.
struct BlobRoutes {
    let cloud: LocalCloud
    let context: RequestContext
    var request: CloudRequest { context.request }

    /// Every storage account name of the local cloud starts so (lower-case letters and digits,
    /// 3 to 24 characters, as Azure's are).
    static let accountPrefix = "amlst"

    /// The storage account of a workspace: the prefix and 16 hex digits of its workspace id.
    static func account(of workspace: WorkspaceRecord) -> String {
        accountPrefix + String(workspace.workspaceID.lowercased().filter { $0.isHexDigit }.prefix(16))
    }

    /// A container SAS as `startPendingUpload` hands it out: read, add, create, write, list.
    static func sasQuery(signature: String, expiry: Double) -> String {
        "sv=2021-08-06&sr=c&sp=racwl&se=\(FormEncoding.percentEncode(ISOTime.format(expiry)))&sig=\(FormEncoding.percentEncode(signature))"
    }

    func handle(_ segments: [String]) async -> CloudResponse {
        guard segments.count >= 2 else {
            return error(400, "InvalidUri", "The requested URI does not represent any resource on the server.")
        }
        let (account, containerName) = (segments[0].lowercased(), segments[1])
        let blobName = segments.dropFirst(2).joined(separator: "/")
        let state = await cloud.store.state
        guard
            let container = (state.blobContainers ?? []).first(where: {
                $0.account == account && $0.name == containerName
            })
        else {
            // Without a container there is no SAS to check: Azure answers an unknown container's
            // SAS as a failed authentication too (UNVERIFIED which of the two comes first).
            return error(404, "ContainerNotFound", "The specified container does not exist.")
        }
        if let refusal = checkSAS(container) { return refusal }
        guard !blobName.isEmpty else {
            return error(400, "InvalidUri", "The local cloud serves blobs, not container operations.")
        }
        let blob = container.blobs.first { $0.name == blobName }
        switch (request.method, request.query("comp")?.lowercased()) {
        case ("PUT", nil): return await putBlob(container, blobName, existing: blob)
        case ("PUT", "metadata"):
            guard let blob else { return error(404, "BlobNotFound", "The specified blob does not exist.") }
            return await setMetadata(container, blob)
        case ("HEAD", nil):
            guard let blob else { return .empty(404, headers: [("x-ms-error-code", "BlobNotFound")]) }
            return .empty(200, headers: properties(blob) + [("Content-Length", String(content(blob).count))])
        case ("GET", nil):
            guard let blob else { return error(404, "BlobNotFound", "The specified blob does not exist.") }
            return CloudResponse(status: 200, headers: properties(blob), body: content(blob))
        case ("PUT", "block"), ("PUT", "blocklist"):
            return error(501, "NotImplemented", "The local cloud takes each blob in one Put Blob.")
        default:
            return error(
                400, "UnsupportedHttpVerb",
                "The resource doesn't support the specified HTTP verb \(request.method) with these parameters.")
        }
    }

    private func checkSAS(_ container: BlobContainerRecord) -> CloudResponse? {
        let signed = request.query("sig") == container.signature
        let expiry = request.query("se").flatMap(ISOTime.parse)
        guard signed, let expiry, expiry > context.now else {
            return error(
                403, "AuthenticationFailed",
                "Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.",
                detail: signed
                    ? "Signed expiry time [\(request.query("se") ?? "")] must be after signed start time."
                    : "Signature did not match.")
        }
        return nil
    }

    private func putBlob(_ container: BlobContainerRecord, _ name: String, existing: BlobRecord?) async
        -> CloudResponse
    {
        if let refusal = StorageHost.putBlobRefusal(request) {
            return error(refusal.status, refusal.code, refusal.message)
        }
        let record = BlobRecord(
            name: name, content: Base64.encode(request.body), contentType: request.header("content-type"),
            metadata: metadata(),
            etag: "\"0x\(SecureRandom.uuid().replacingOccurrences(of: "-", with: "").prefix(15).uppercased())\"",
            lastModified: context.now)
        return await store(container, record, status: 201)
    }

    private func setMetadata(_ container: BlobContainerRecord, _ blob: BlobRecord) async -> CloudResponse {
        var record = blob
        record.metadata = metadata()
        record.lastModified = context.now
        return await store(container, record, status: 200)
    }

    private func store(_ container: BlobContainerRecord, _ record: BlobRecord, status: Int) async -> CloudResponse {
        do {
            try await cloud.store.write { state in
                guard
                    let index = state.blobContainers?.firstIndex(where: {
                        $0.account == container.account && $0.name == container.name
                    })
                else { return }
                state.blobContainers?[index].blobs.removeAll { $0.name == record.name }
                state.blobContainers?[index].blobs.append(record)
            }
        } catch {
            return self.error(500, "InternalError", "The local cloud could not persist the blob: \(error)")
        }
        return .empty(
            status,
            headers: [
                ("ETag", record.etag), ("Last-Modified", HTTPDate.format(record.lastModified)),
                ("x-ms-request-server-encrypted", "true"), ("x-ms-version", "2021-08-06"),
            ])
    }

    /// `x-ms-meta-*` headers of the request, by the name after the prefix.
    private func metadata() -> [String: String] {
        var result: [String: String] = [:]
        for (name, value) in request.headers where name.hasPrefix("x-ms-meta-") {
            result[String(name.dropFirst("x-ms-meta-".count))] = value
        }
        return result
    }

    private func properties(_ blob: BlobRecord) -> [(String, String)] {
        [
            ("Content-Type", blob.contentType ?? "application/octet-stream"), ("ETag", blob.etag),
            ("Last-Modified", HTTPDate.format(blob.lastModified)), ("x-ms-blob-type", "BlockBlob"),
            ("x-ms-version", "2021-08-06"),
        ] + blob.metadata.keys.sorted().map { ("x-ms-meta-\($0)", blob.metadata[$0]!) }
    }

    private func content(_ blob: BlobRecord) -> [UInt8] { Base64.decode(blob.content) ?? [] }

    private func error(_ status: Int, _ code: String, _ message: String, detail: String? = nil) -> CloudResponse {
        StorageHost.error(status, code, message, context: context, detail: detail)
    }

    /// The blobs below a code URI (`{base}/{account}/{container}/{prefix}`), or nil when it names
    /// no container of the local cloud or nothing was uploaded there.
    static func blobs(under uri: String, context: RequestContext, _ state: CloudState) -> [BlobRecord]? {
        guard uri.hasPrefix(context.base + "/") else { return nil }
        let path = uri.dropFirst(context.base.count + 1).split(separator: "/").map {
            FormEncoding.percentDecode(String($0), plusIsSpace: false)
        }
        guard path.count >= 2,
            let container = (state.blobContainers ?? []).first(where: {
                $0.account == path[0].lowercased() && $0.name == path[1]
            })
        else { return nil }
        let prefix = path.dropFirst(2).joined(separator: "/")
        let found = container.blobs.filter { prefix.isEmpty || $0.name.hasPrefix(prefix + "/") }
        return found.isEmpty ? nil : found
    }

    /// Whether `script` is a file of the code a code URI names.
    static func contains(_ script: String, under uri: String, context: RequestContext, _ state: CloudState) -> Bool {
        guard let blobs = blobs(under: uri, context: context, state) else { return false }
        let path = uri.dropFirst(context.base.count + 1).split(separator: "/").map {
            FormEncoding.percentDecode(String($0), plusIsSpace: false)
        }
        let prefix = path.dropFirst(2).joined(separator: "/")
        return blobs.contains { $0.name == (prefix.isEmpty ? script : prefix + "/" + script) }
    }
}

/// RFC 1123 dates (`Last-Modified`), as Azure Storage writes them.
enum HTTPDate {
    static func format(_ seconds: Double) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.string(from: Date(timeIntervalSince1970: seconds.rounded(.down)))
    }
}
