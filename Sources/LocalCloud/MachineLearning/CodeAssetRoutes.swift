import AMLAuthCore
import AuthCrypto
import WireFormat

/// ARM `…/workspaces/{ws}/codes/{name}/versions[/{version}[/startPendingUpload]]`, the routes
/// azure-ai-ml 1.35.2 uses to register code (`_restclient/arm_ml_service/operations/_operations.py`:
/// `build_code_versions_list_request` with `hash`/`hashVersion`, `…_get_request`,
/// `…_create_or_update_request`, `…_create_or_get_start_pending_upload_request`). The content lives
/// in the local storage account (`BlobRoutes`); `startPendingUpload` hands out a fresh container
/// and a SAS for it.
struct CodeAssetRoutes {
    let routes: OnlineEndpointRoutes
    var scope: OnlineEndpointScope { routes.scope }
    var context: RequestContext { routes.context }
    var cloud: LocalCloud { routes.cloud }

    static let readAction = "Microsoft.MachineLearningServices/workspaces/codes/versions/read"
    static let writeAction = "Microsoft.MachineLearningServices/workspaces/codes/versions/write"

    func handle(_ rest: [String], state: CloudState) async -> CloudResponse {
        guard rest.count >= 2, rest[1].lowercased() == "versions" else {
            return ErrorBody.arm(404, "NotFound", "No route for \(context.request.method) \(context.request.path).")
        }
        let name = rest[0]
        switch (context.request.method, rest.count) {
        case ("GET", 2): return list(name, state)
        case ("GET", 3): return get(name, rest[2], state)
        case ("PUT", 3): return await put(name, rest[2], state)
        case ("POST", 4) where rest[3].lowercased() == "startpendingupload":
            return await startPendingUpload(name, rest[2], state)
        default:
            return ErrorBody.arm(404, "NotFound", "No route for \(context.request.method) \(context.request.path).")
        }
    }

    func id(_ name: String, _ version: String) -> String {
        scope.workspaceID + "/codes/\(name)/versions/\(version)"
    }

    func versions(_ state: CloudState) -> [CodeVersionRecord] {
        (state.codeVersions ?? []).filter {
            $0.workspace == scope.workspace.name && $0.resourceGroup == scope.workspace.resourceGroup
        }
    }

    func find(_ name: String, _ version: String, _ state: CloudState) -> CodeVersionRecord? {
        versions(state).first { $0.name.lowercased() == name.lowercased() && $0.version == version }
    }

    private func body(_ record: CodeVersionRecord) -> JSONValue {
        .object([
            ("id", .string(id(record.name, record.version))), ("name", .string(record.version)),
            ("type", .string("Microsoft.MachineLearningServices/workspaces/codes/versions")),
            (
                "properties",
                .object([
                    ("codeUri", .string(record.codeURI)), ("isAnonymous", .bool(record.isAnonymous)),
                    ("isArchived", .bool(false)), ("provisioningState", .string("Succeeded")),
                    (
                        "properties",
                        .object(record.properties.keys.sorted().map { ($0, .string(record.properties[$0]!)) })
                    ),
                    ("tags", .object([])),
                ])
            ),
            (
                "systemData",
                OnlineEndpointScope.systemData(
                    created: record.createdTime, by: record.createdBy, updated: record.updatedTime)
            ),
        ])
    }

    /// The versions of one name; `hash` (with `hashVersion`) keeps those whose content hash it is,
    /// as azure-ai-ml asks before uploading (`CodeOperations.create_or_update`).
    private func list(_ name: String, _ state: CloudState) -> CloudResponse {
        if let denied = routes.authorize(Self.readAction, at: scope.workspaceID, state) { return denied }
        var items = versions(state).filter { $0.name.lowercased() == name.lowercased() }
        if let hash = context.request.query("hash") {
            items = items.filter { $0.properties["hash_sha256"] == hash }
        }
        return OnlineEndpointRoutes.page(
            items.sorted { $0.version < $1.version }.map(body), context: context, pageSize: cloud.options.armPageSize)
    }

    private func get(_ name: String, _ version: String, _ state: CloudState) -> CloudResponse {
        if let denied = routes.authorize(Self.readAction, at: id(name, version), state) { return denied }
        guard let record = find(name, version, state) else {
            // UNVERIFIED: the service's wording; ARM's not-found shape.
            return routes.notFound("codes/\(name)/versions", version)
        }
        return .json(200, body(record))
    }

    private func put(_ name: String, _ version: String, _ state: CloudState) async -> CloudResponse {
        let id = id(name, version)
        if let denied = routes.authorize(Self.writeAction, at: id, state) { return denied }
        guard let json = try? JSONParser.parse(context.request.body), let properties = json["properties"],
            let codeURI = properties["codeUri"]?.stringValue, !codeURI.isEmpty
        else {
            return OnlineEndpointScope.userError(400, "BadArgument", "properties.codeUri is required.")
        }
        let existing = find(name, version, state)
        // The service lets tags, description and isArchived change, never the content's URI
        // (azure-ai-ml's ASSET_PATH_ERROR, `_utils/_asset_utils.py`; status UNVERIFIED).
        if let existing, existing.codeURI != codeURI {
            return OnlineEndpointScope.userError(
                409, "Conflict",
                "A code version with this name and version already exists. If you are trying to create a new code version, use a different name or version. If you are trying to update an existing code version, the existing asset's code uri cannot be changed."
            )
        }
        guard BlobRoutes.blobs(under: codeURI, context: context, state) != nil else {
            return OnlineEndpointScope.userError(
                400, "BadArgument", "codeUri '\(codeURI)' names no uploaded content in the workspace's storage.")
        }
        var extra: [String: String] = [:]
        for (key, value) in properties["properties"]?.objectValue ?? [] {
            if let text = value.stringValue { extra[key] = text }
        }
        let now = context.now
        let record = CodeVersionRecord(
            name: existing?.name ?? name, version: version, resourceGroup: scope.workspace.resourceGroup,
            workspace: scope.workspace.name, codeURI: codeURI,
            isAnonymous: properties["isAnonymous"]?.boolValue ?? false, properties: extra,
            createdTime: existing?.createdTime ?? now, updatedTime: now,
            createdBy: existing?.createdBy ?? routes.caller.appID)
        do {
            return try await cloud.store.write { state -> CloudResponse in
                var all = state.codeVersions ?? []
                all.removeAll {
                    $0.workspace == record.workspace && $0.resourceGroup == record.resourceGroup
                        && $0.name.lowercased() == name.lowercased() && $0.version == version
                }
                all.append(record)
                state.codeVersions = all
                return .json(existing == nil ? 201 : 200, body(record))
            }
        } catch {
            return routes.persistFailure(error)
        }
    }

    /// A fresh container in the workspace's storage account, writable for an hour through the SAS
    /// in the answer (shape of `PendingUploadResponseDto`: `blobReferenceForConsumption` with
    /// `blobUri`, `storageAccountArmId` and a `SAS` credential's `sasUri`).
    private func startPendingUpload(_ name: String, _ version: String, _ state: CloudState) async -> CloudResponse {
        if let denied = routes.authorize(Self.writeAction, at: id(name, version), state) { return denied }
        let account = BlobRoutes.account(of: scope.workspace)
        let container = SecureRandom.uuid().lowercased()
        let signature = Base64.encode(SecureRandom.bytes(32))
        let expiry = context.now + 3600
        let blobURI = context.base + "/\(account)/\(container)"
        let query = BlobRoutes.sasQuery(signature: signature, expiry: expiry)
        do {
            try await cloud.store.write { state in
                var containers = state.blobContainers ?? []
                containers.append(
                    BlobContainerRecord(
                        account: account, name: container, signature: signature, expiry: expiry, blobs: []))
                state.blobContainers = containers
            }
        } catch {
            return routes.persistFailure(error)
        }
        return .json(
            200,
            .object([
                (
                    "blobReferenceForConsumption",
                    .object([
                        ("blobUri", .string(blobURI)),
                        (
                            "storageAccountArmId",
                            .string(
                                "/subscriptions/\(scope.subscriptionID)/resourceGroups/\(scope.workspace.resourceGroup)/providers/Microsoft.Storage/storageAccounts/\(account)"
                            )
                        ),
                        (
                            "credential",
                            .object([("credentialType", .string("SAS")), ("sasUri", .string(blobURI + "?" + query))])
                        ),
                    ])
                ),
                ("pendingUploadId", .string(SecureRandom.uuid().lowercased())),
                ("pendingUploadType", .string("TemporaryBlobReference")),
            ]))
    }
}
