import AMLAuthCore
import AuthCrypto
import WireFormat

/// What a v1 service's image request refers to: the artifact service (`/artifact/v2.0/…`, where
/// azureml-core's `upload_dependency` puts the entry script, azureml/_model_management/_util.py
/// lines 137-185), the storage blob its SAS content URI names (in the workspace's storage account,
/// `https://{account}.blob.localhost:{port}/azureml/…`), and the environment service (`/environment/v1.0/…`,
/// azureml/_restclient/environment_client.py). All on the workspace's API host, as the discovery
/// document's `history` key names it.
struct AssetRoutes {
    let cloud: LocalCloud
    let context: RequestContext
    var request: CloudRequest { context.request }

    private func error(_ status: Int, _ code: String, _ message: String) -> CloudResponse {
        ErrorBody.modelManagement(status, code, message, requestID: context.requestID)
    }

    /// `{service}/{version}/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.MachineLearningServices/workspaces/{ws}/…`:
    /// the workspace and the caller, or the error response.
    private func workspace(_ segments: [String], state: CloudState) -> Result<(WorkspaceRecord, Caller), CloudResponse>
    {
        let lower = segments.map { $0.lowercased() }
        guard lower.count >= 9, lower[1] == "subscriptions", lower[3] == "resourcegroups", lower[5] == "providers",
            lower[6] == "microsoft.machinelearningservices", lower[7] == "workspaces"
        else { return .failure(error(404, "NotFound", "No route '\(request.path)'.")) }
        guard lower[2] == state.subscriptionID else {
            return .failure(error(404, "SubscriptionNotFound", "The subscription '\(segments[2])' could not be found."))
        }
        guard
            let workspace = state.workspaces.first(where: {
                $0.resourceGroup.lowercased() == lower[4] && $0.name.lowercased() == lower[8]
            })
        else {
            return .failure(error(404, "WorkspaceNotFound", "Workspace '\(segments[8])' was not found."))
        }
        switch BearerCheck.authenticate(
            context, cloud: cloud, tenantID: state.tenantID, audiences: Audience.resourceManager(base: context.base),
            style: .resourceManager)
        {
        case .success(let caller): return .success((workspace, caller))
        case .failure(let response): return .failure(response)
        }
    }

    private func workspaceID(_ workspace: WorkspaceRecord, _ state: CloudState) -> String {
        "/subscriptions/\(state.subscriptionID)/resourceGroups/\(workspace.resourceGroup)/providers/Microsoft.MachineLearningServices/workspaces/\(workspace.name)"
    }

    /// UNVERIFIED which action Azure ML checks for artifact and environment writes; the local
    /// cloud asks for workspace write (Owner and Contributor have it, Reader does not).
    private func authorize(_ caller: Caller, write: Bool, _ workspace: WorkspaceRecord, _ state: CloudState)
        -> CloudResponse?
    {
        let action = "Microsoft.MachineLearningServices/workspaces/\(write ? "write" : "read")"
        let target = workspaceID(workspace, state)
        return Authorization.isAllowed(caller.objectID, action, at: target, in: state)
            ? nil : Authorization.denied(caller, action, target)
    }

    // MARK: Artifacts

    /// `POST /artifact/v2.0/{workspace}/artifacts/batch/metadata/{origin}/{container}` with
    /// `{"paths": [{"path": …}]}`: creates empty artifacts and answers with their ids and SAS
    /// content URIs (`BatchArtifactContentInformationResult`: `artifacts`,
    /// `artifactContentInformation`, `errors`, each keyed by path; azureml/_restclient/models).
    func artifacts(_ segments: [String]) async -> CloudResponse {
        let state = await cloud.store.state
        let (workspace, caller): (WorkspaceRecord, Caller)
        switch self.workspace(segments, state: state) {
        case .success(let value): (workspace, caller) = value
        case .failure(let response): return response
        }
        let rest = segments.dropFirst(9).map { $0.lowercased() }
        if request.method == "GET", rest.count >= 5, rest[0] == "artifacts", rest[1] == "contentinfo" {
            if let denied = authorize(caller, write: false, workspace, state) { return denied }
            let (origin, container, path) = (segments[11], segments[12], segments.dropFirst(13).joined(separator: "/"))
            // `ArtifactsClient.get_file_by_artifact_id` (azureml/_restclient/artifacts_client.py):
            // the artifact's SAS `contentUri`, whose GET is the content.
            guard let record = (state.artifacts ?? []).first(where: { $0.isAt(workspace, origin, container, path) })
            else { return error(404, "ArtifactNotFound", "Artifact \(origin)/\(container)/\(path) was not found.") }
            return .json(
                200,
                .object([
                    ("contentUri", .string(contentURI(record, account: BlobRoutes.account(of: workspace)))),
                    ("origin", .string(origin)), ("container", .string(container)), ("path", .string(path)),
                ]))
        }
        if request.method == "DELETE", rest.count >= 5, rest[0] == "artifacts", rest[1] == "metadata" {
            if let denied = authorize(caller, write: true, workspace, state) { return denied }
            return await deleteArtifact(
                workspace, origin: segments[11], container: segments[12],
                path: segments.dropFirst(13).joined(separator: "/"))
        }
        guard request.method == "POST", rest.count == 5, rest[0] == "artifacts", rest[1] == "batch",
            rest[2] == "metadata"
        else { return error(404, "NotFound", "No artifact route \(request.method) '\(request.path)'.") }
        if let denied = authorize(caller, write: true, workspace, state) { return denied }
        let origin = segments[12]
        let container = segments[13]
        guard let body = try? JSONParser.parse(request.body), let items = body["paths"]?.arrayValue else {
            return error(
                400, "BadArgument", "The body must be a BatchArtifactCreateCommand: {\"paths\": [{\"path\": …}]}.")
        }
        let paths = items.compactMap { $0["path"]?.stringValue }
        guard paths.count == items.count, !paths.isEmpty, paths.allSatisfy(Self.isArtifactPath) else {
            return error(400, "BadArgument", "Each artifact needs a relative path without '..'.")
        }
        let fresh = paths.map { path in
            ArtifactRecord(
                resourceGroup: workspace.resourceGroup, workspace: workspace.name, origin: origin,
                container: container, path: path, signature: Self.hex(SecureRandom.bytes(16)), uploaded: false,
                sha256: nil, size: 0, content: nil, createdTime: context.now)
        }
        let records: [ArtifactRecord]
        do {
            records = try await cloud.store.write { state -> [ArtifactRecord] in
                var artifacts = state.artifacts ?? []
                // UNVERIFIED: creating an artifact that exists is assumed to answer with the same
                // artifact and content URI (a SAS stays valid), so two concurrent uploads of one
                // content-addressed script both succeed; a PUT replaces the content.
                let answered = fresh.map { record in
                    artifacts.first {
                        $0.workspace == record.workspace && $0.resourceGroup == record.resourceGroup
                            && $0.artifactID == record.artifactID
                    } ?? record
                }
                for record in answered where !artifacts.contains(where: { $0.signature == record.signature }) {
                    artifacts.append(record)
                }
                state.artifacts = artifacts
                return answered
            }
        } catch {
            return self.error(500, "InternalServerError", "The local cloud could not persist the change: \(error)")
        }
        return .json(
            200,
            .object([
                (
                    "artifacts",
                    .object(
                        records.map { record in
                            (
                                record.path,
                                .object([
                                    ("artifactId", .string(record.artifactID)), ("origin", .string(record.origin)),
                                    ("container", .string(record.container)), ("path", .string(record.path)),
                                    ("etag", .string(record.signature.prefix(8).description)),
                                    ("createdTime", .string(ISOTime.format(record.createdTime))),
                                    ("dataPath", .null),
                                ])
                            )
                        })
                ),
                (
                    "artifactContentInformation",
                    .object(
                        records.map { record in
                            (
                                record.path,
                                .object([
                                    (
                                        "contentUri",
                                        .string(contentURI(record, account: BlobRoutes.account(of: workspace)))
                                    ), ("origin", .string(record.origin)),
                                    ("container", .string(record.container)), ("path", .string(record.path)),
                                ])
                            )
                        })
                ),
                ("errors", .object([])),
            ]))
    }

    /// `DELETE /artifact/v2.0/{workspace}/artifacts/metadata/{origin}/{container}/{path}`
    /// (`ArtifactOperations.delete_meta_data`, which accepts only 200): the artifact and its
    /// content are gone; an unknown one is 404.
    private func deleteArtifact(_ workspace: WorkspaceRecord, origin: String, container: String, path: String) async
        -> CloudResponse
    {
        let removed: Bool
        do {
            removed = try await cloud.store.write { state -> Bool in
                let before = state.artifacts?.count ?? 0
                state.artifacts?.removeAll { $0.isAt(workspace, origin, container, path) }
                return (state.artifacts?.count ?? 0) < before
            }
        } catch {
            return self.error(500, "InternalServerError", "The local cloud could not persist the change: \(error)")
        }
        guard removed else {
            return error(404, "ArtifactNotFound", "Artifact \(origin)/\(container)/\(path) was not found.")
        }
        return .empty(200)
    }

    /// The SAS URL of an artifact's blob, in the workspace's storage account, virtual-hosted as
    /// Azure Storage names it (`https://{account}.blob.core.windows.net/azureml/…?sv=…&sig=…`).
    /// azureml-core rebuilds the host from the URL's first two labels and the rest
    /// (azureml/_file_utils/upload.py, `get_block_blob_service_credentials`: `account.blob.suffix`),
    /// so a path-style loopback URL cannot work; the local cloud's storage suffix is `localhost`,
    /// which libcurl resolves to loopback itself and other clients reach through the local
    /// cloud's CONNECT proxy. UNVERIFIED: the blob path below the `azureml` container; the SDK
    /// reads only the host, the container and the blob name from it.
    private func contentURI(_ record: ArtifactRecord, account: String) -> String {
        let file = record.path.split(separator: "/").map { FormEncoding.percentEncode(String($0)) }
            .joined(separator: "/")
        let blob = [record.origin, record.container].map { FormEncoding.percentEncode($0) }.joined(separator: "/")
        return StorageHost.origin(account: account, serving: context)
            + "/\(StorageHost.artifactContainer)/\(blob)/\(file)?sv=2019-07-07&sr=b&sp=rcw&sig=\(record.signature)"
    }

    /// An artifact's blob, virtual-hosted (`{account}.blob.localhost`): `PUT` with
    /// `x-ms-blob-type: BlockBlob` (201; a `Content-MD5` that does not match the body is 400
    /// `Md5Mismatch`, which the SDK's `validate_content=True` relies on), `HEAD` (the properties
    /// the SDK reads to compare sizes after its upload) and `GET`. The SAS signature must be the
    /// one the batch call handed out, else 403 `AuthenticationFailed`, as storage answers.
    func blob(account: String, _ segments: [String]) async -> CloudResponse {
        let state = await cloud.store.state
        guard segments.count >= 4, segments[0] == StorageHost.artifactContainer,
            let workspace = state.workspaces.first(where: { BlobRoutes.account(of: $0) == account })
        else {
            return storageError(404, "ResourceNotFound", "The specified resource does not exist.")
        }
        let (origin, container) = (segments[1], segments[2])
        let path = segments.dropFirst(3).joined(separator: "/")
        guard
            let record = (state.artifacts ?? []).first(where: { $0.isAt(workspace, origin, container, path) }),
            request.query("sig") == record.signature
        else {
            return storageError(
                403, "AuthenticationFailed",
                "Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature."
            )
        }
        switch request.method {
        case "PUT": return await putArtifact(record)
        case "HEAD", "GET":
            guard record.uploaded, let content = record.content.flatMap(Base64.decode) else {
                if request.method == "HEAD" { return .empty(404, headers: [("x-ms-error-code", "BlobNotFound")]) }
                return storageError(404, "BlobNotFound", "The specified blob does not exist.")
            }
            let headers = artifactProperties(record, content)
            if request.method == "HEAD" {
                return .empty(200, headers: headers + [("Content-Length", String(content.count))])
            }
            return CloudResponse(status: 200, headers: headers, body: content)
        default:
            return storageError(405, "UnsupportedHttpVerb", "The resource doesn't support the specified HTTP verb.")
        }
    }

    private func putArtifact(_ record: ArtifactRecord) async -> CloudResponse {
        if let refusal = StorageHost.putBlobRefusal(request) {
            return storageError(refusal.status, refusal.code, refusal.message)
        }
        let md5 = StorageHost.contentMD5(request.body)
        let digest = Self.hex(Digest.sha256(request.body))
        let size = request.body.count
        let content = Base64.encode(request.body)
        do {
            try await cloud.store.write { state in
                guard let index = state.artifacts?.firstIndex(where: { $0.signature == record.signature }) else {
                    return
                }
                state.artifacts?[index].uploaded = true
                state.artifacts?[index].sha256 = digest
                state.artifacts?[index].size = size
                state.artifacts?[index].content = content
            }
        } catch {
            return storageError(500, "InternalError", "The local cloud could not persist the change.")
        }
        return .empty(
            201,
            headers: [
                ("ETag", Self.etag(digest)), ("Content-MD5", md5), ("Last-Modified", HTTPDate.format(context.now)),
                ("x-ms-request-server-encrypted", "true"), ("x-ms-version", "2019-07-07"),
            ])
    }

    private static func etag(_ digest: String) -> String { "\"0x\(digest.prefix(15).uppercased())\"" }

    private func artifactProperties(_ record: ArtifactRecord, _ content: [UInt8]) -> [(String, String)] {
        [
            ("Content-Type", "application/octet-stream"), ("Content-MD5", StorageHost.contentMD5(content)),
            ("ETag", Self.etag(record.sha256 ?? "")), ("Last-Modified", HTTPDate.format(record.createdTime)),
            ("x-ms-blob-type", "BlockBlob"), ("x-ms-version", "2019-07-07"),
        ]
    }

    /// Azure Storage's XML error body.
    private func storageError(_ status: Int, _ code: String, _ message: String) -> CloudResponse {
        StorageHost.error(status, code, message, context: context)
    }

    // MARK: Environments

    /// `GET|PUT /environment/v1.0/{workspace}/environments/{name}[/versions/{version}]`, as
    /// azureml-core's `EnvironmentClient` calls it (azureml/_restclient/environment_client.py):
    /// `Environment.get` reads one version (or the latest), `Environment.register` PUTs the
    /// definition with capitalised keys (`Name`, `python`, `EnvironmentVariables`, `Docker`, …)
    /// and, without a version, lets the service number it; the SDK accepts only 200.
    func environments(_ segments: [String]) async -> CloudResponse {
        let state = await cloud.store.state
        let (workspace, caller): (WorkspaceRecord, Caller)
        switch self.workspace(segments, state: state) {
        case .success(let value): (workspace, caller) = value
        case .failure(let response): return response
        }
        let rest = Array(segments.dropFirst(9))
        guard rest.count == 2 || rest.count == 4, rest[0].lowercased() == "environments",
            rest.count == 2 || rest[2].lowercased() == "versions"
        else {
            return error(404, "NotFound", "No environment route \(request.method) '\(request.path)'.")
        }
        let name = rest[1]
        let versions = (state.environments ?? []).filter {
            $0.workspace == workspace.name && $0.resourceGroup == workspace.resourceGroup && $0.name == name
        }
        let latest = versions.max { (Int($0.version) ?? 0) < (Int($1.version) ?? 0) }
        switch request.method {
        case "GET":
            if let denied = authorize(caller, write: false, workspace, state) { return denied }
            let found = rest.count == 4 ? versions.first { $0.version == rest[3] } : latest
            guard let found, let definition = try? JSONParser.parse(found.definition) else {
                return error(
                    404, "NotFound",
                    "Environment \(name)\(rest.count == 4 ? " version \(rest[3])" : "") was not found.")
            }
            return .json(200, definition)
        case "PUT":
            if let denied = authorize(caller, write: true, workspace, state) { return denied }
            guard let body = try? JSONParser.parse(request.body), let pairs = body.objectValue else {
                return error(400, "BadArgument", "The body must be an environment definition.")
            }
            let version = rest.count == 4 ? rest[3] : String((Int(latest?.version ?? "0") ?? 0) + 1)
            // Stored as the service answers: keys camel-cased (`Docker` → `docker`).
            let definition = JSONValue.object(
                pairs.map { key, value in (key.prefix(1).lowercased() + key.dropFirst(), value) }
            ).setting("name", to: .string(name)).setting("version", to: .string(version))
            let record = EnvironmentRecord(
                resourceGroup: workspace.resourceGroup, workspace: workspace.name, name: name, version: version,
                definition: definition.compact())
            do {
                try await cloud.store.write { state in
                    var environments = state.environments ?? []
                    environments.removeAll {
                        $0.workspace == record.workspace && $0.resourceGroup == record.resourceGroup
                            && $0.name == name && $0.version == version
                    }
                    state.environments = environments + [record]
                }
            } catch {
                return self.error(500, "InternalServerError", "The local cloud could not persist the change: \(error)")
            }
            return .json(200, definition)
        default:
            return error(405, "MethodNotAllowed", "\(request.method) is not supported here.")
        }
    }

    static func isArtifactPath(_ path: String) -> Bool {
        !path.isEmpty && !path.hasPrefix("/") && !path.split(separator: "/").contains("..")
    }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { byte in
            let hex = String(byte, radix: 16)
            return hex.count == 1 ? "0" + hex : hex
        }.joined()
    }
}

extension ArtifactRecord {
    /// Whether this is the artifact `{origin}/{container}/{path}` of `workspace`.
    func isAt(_ workspace: WorkspaceRecord, _ origin: String, _ container: String, _ path: String) -> Bool {
        resourceGroup == workspace.resourceGroup && self.workspace == workspace.name && self.origin == origin
            && self.container == container && self.path == path
    }
}
