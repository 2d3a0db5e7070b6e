import AMLAuthCore
import AuthCrypto
import WireFormat

/// ARM `…/workspaces/{ws}/onlineEndpoints[/{name}[/listKeys|/regenerateKeys|/token]]` (Azure ML
/// v2), with RBAC by action on the endpoint's ARM id. Shapes: azure-rest-api-specs
/// `Microsoft.MachineLearningServices/stable/2024-04-01/examples/Workspace/OnlineEndpoint/*.json`
/// and azure-ai-ml 1.35.2 `_restclient/arm_ml_service/operations/_operations.py` (statuses each
/// operation accepts, headers it reads). Deployments are in `OnlineDeploymentRoutes`.
struct OnlineEndpointRoutes {
    let cloud: LocalCloud
    let context: RequestContext
    let caller: Caller
    let scope: OnlineEndpointScope
    var request: CloudRequest { context.request }
    var apiVersion: String { request.query("api-version") ?? "" }

    func handle(_ rest: [String]) async -> CloudResponse {
        // Reads settle operations that are due, and count as a look at the resource they name.
        let looked = rest.first.map { scope.endpointID($0) }
        var state = await cloud.store.state
        if ARMOperations.anyRunning(state) {
            let now = context.now
            let observed = request.method == "GET" ? looked : nil
            let finish = cloud.options.operationSeconds
            state =
                (try? await cloud.store.write { state -> CloudState in
                    ARMOperations.observe(
                        resourceID: observed, operationID: nil, now: now, finishSeconds: finish, in: &state)
                    return state
                }) ?? state
        }
        if rest.count >= 2, rest[1].lowercased() == "deployments" {
            return await OnlineDeploymentRoutes(routes: self).handle(
                endpoint: rest[0], Array(rest.dropFirst(2)), state: state)
        }
        switch (request.method, rest.count, rest.last?.lowercased()) {
        case ("GET", 0, _): return list(state)
        case ("GET", 1, _): return get(rest[0], state)
        case ("PUT", 1, _): return await put(rest[0], state, patch: false)
        case ("PATCH", 1, _): return await put(rest[0], state, patch: true)
        case ("DELETE", 1, _): return await delete(rest[0], state)
        case ("POST", 2, "listkeys"): return listKeys(rest[0], state)
        case ("POST", 2, "regeneratekeys"): return await regenerateKeys(rest[0], state)
        case ("POST", 2, "token"): return token(rest[0], state)
        default:
            return ErrorBody.arm(
                404, "NotFound", "No route for \(request.method) \(request.path) in the local cloud's online endpoints."
            )
        }
    }

    func authorize(_ action: String, at target: String, _ state: CloudState) -> CloudResponse? {
        Authorization.isAllowed(caller.objectID, action, at: target, in: state)
            ? nil : Authorization.denied(caller, action, target)
    }

    func notFound(_ type: String, _ name: String) -> CloudResponse {
        ErrorBody.arm(
            404, "ResourceNotFound",
            "The Resource 'Microsoft.MachineLearningServices/workspaces/\(scope.workspace.name)/\(type)/\(name)' under resource group '\(scope.workspace.resourceGroup)' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix"
        )
    }

    func persistFailure(_ error: any Error) -> CloudResponse {
        ErrorBody.arm(500, "InternalServerError", "The local cloud could not persist the change: \(error)")
    }

    func body(_ endpoint: OnlineEndpointRecord, _ state: CloudState) -> JSONValue {
        func numbers(_ table: [String: Int]) -> JSONValue {
            .object(table.keys.sorted().map { ($0, .number(Double(table[$0]!))) })
        }
        var properties: [(String, JSONValue)] = [
            ("authMode", .string(endpoint.authMode)),
            ("description", endpoint.description.map(JSONValue.string) ?? .null),
            ("properties", .object(endpoint.properties.keys.sorted().map { ($0, .string(endpoint.properties[$0]!)) })),
            (
                "scoringUri",
                .string(
                    OnlineEndpointScope.scoringURI(base: scope.base, location: endpoint.location, name: endpoint.name))
            ),
            (
                "swaggerUri",
                .string(scope.base + "/inference/\(endpoint.location)/\(endpoint.name)/swagger.json")
            ),
            ("provisioningState", .string(endpoint.provisioningState)),
            ("traffic", numbers(endpoint.traffic)), ("mirrorTraffic", numbers(endpoint.mirrorTraffic)),
            ("publicNetworkAccess", .string(endpoint.publicNetworkAccess)),
        ]
        if let compute = endpoint.compute { properties.append(("compute", .string(compute))) }
        return .object([
            ("id", .string(scope.endpointID(endpoint.name))), ("name", .string(endpoint.name)),
            ("type", .string(OnlineEndpointScope.type)), ("location", .string(endpoint.location)),
            ("tags", .object(endpoint.tags.keys.sorted().map { ($0, .string(endpoint.tags[$0]!)) })),
            (
                "identity",
                .object([
                    ("type", .string("SystemAssigned")), ("principalId", .string(endpoint.id)),
                    ("tenantId", .string(state.tenantID)),
                ])
            ),
            ("properties", .object(properties)),
            (
                "systemData",
                OnlineEndpointScope.systemData(
                    created: endpoint.createdTime, by: endpoint.createdBy, updated: endpoint.updatedTime)
            ),
        ])
    }

    private func list(_ state: CloudState) -> CloudResponse {
        let action = OnlineEndpointScope.endpointAction("read")
        if let denied = authorize(action, at: scope.workspaceID, state) { return denied }
        var items = scope.endpoints(state).sorted { $0.name < $1.name }
        if let name = request.query("name") { items = items.filter { $0.name.lowercased() == name.lowercased() } }
        return Self.page(items.map { body($0, state) }, context: context, pageSize: cloud.options.armPageSize)
    }

    /// One page of a list, with `nextLink` carrying `$skipToken` (ARM paging, reference §9.4).
    static func page(_ items: [JSONValue], context: RequestContext, pageSize: Int) -> CloudResponse {
        let offset = Int(context.request.query("$skipToken") ?? "") ?? 0
        var pairs: [(String, JSONValue)] = [("value", .array(Array(items.dropFirst(offset).prefix(pageSize))))]
        if offset + pageSize < items.count {
            let query = context.request.query.filter { $0.0 != "$skipToken" }.map {
                "\(FormEncoding.percentEncode($0.0))=\(FormEncoding.percentEncode($0.1))"
            }
            pairs.append(
                (
                    "nextLink",
                    .string(
                        context.base + context.request.path + "?"
                            + (query + ["$skipToken=\(offset + pageSize)"]).joined(separator: "&"))
                ))
        }
        return .json(200, .object(pairs))
    }

    private func get(_ name: String, _ state: CloudState) -> CloudResponse {
        if let denied = authorize(OnlineEndpointScope.endpointAction("read"), at: scope.endpointID(name), state) {
            return denied
        }
        guard let endpoint = scope.endpoint(name, state) else { return notFound("onlineEndpoints", name) }
        return .json(200, body(endpoint, state))
    }

    /// Checks traffic against the endpoint's deployments: every name a deployment, every share
    /// 0–100, the total 100 or 0 (aml-docs: "the sum of traffic … must be 100 or 0"; codes UNVERIFIED).
    func trafficRefusal(_ traffic: [String: Int], endpoint: String, _ state: CloudState) -> CloudResponse? {
        let deployments = Set(scope.deployments(of: endpoint, state).map { $0.name.lowercased() })
        if let unknown = traffic.keys.sorted().first(where: { !deployments.contains($0.lowercased()) }) {
            return OnlineEndpointScope.userError(
                400, "BadArgument",
                "The traffic of endpoint '\(endpoint)' names deployment '\(unknown)', which does not exist in the endpoint."
            )
        }
        let total = traffic.values.reduce(0, +)
        guard traffic.values.allSatisfy({ (0...100).contains($0) }), total == 100 || total == 0 else {
            return OnlineEndpointScope.userError(
                400, "BadArgument",
                "The traffic of endpoint '\(endpoint)' sums to \(total); traffic values must add up to 100 (or 0).")
        }
        return nil
    }

    static func traffic(_ json: JSONValue?) -> [String: Int]? {
        guard let pairs = json?.objectValue else { return nil }
        return Dictionary(
            pairs.map { ($0.0, Int($0.1.numberValue ?? -1)) }, uniquingKeysWith: { _, last in last })
    }

    static func strings(_ json: JSONValue?) -> [String: String]? {
        guard let pairs = json?.objectValue else { return nil }
        return Dictionary(
            pairs.compactMap { key, value in value.stringValue.map { (key, $0) } },
            uniquingKeysWith: { _, last in last }
        )
    }

    private func put(_ name: String, _ state: CloudState, patch: Bool) async -> CloudResponse {
        let id = scope.endpointID(name)
        if let denied = authorize(OnlineEndpointScope.endpointAction("write"), at: id, state) { return denied }
        guard let json = try? JSONParser.parse(request.body), json.objectValue != nil else {
            return ErrorBody.arm(
                400, "InvalidRequestContent", "The request content was invalid and could not be deserialized.")
        }
        let properties = json["properties"]
        let existing = scope.endpoint(name, state)
        if patch, existing == nil { return notFound("onlineEndpoints", name) }
        if let existing, ["Creating", "Updating", "Deleting"].contains(existing.provisioningState) {
            // UNVERIFIED wording: one operation at a time per endpoint.
            return ErrorBody.arm(
                409, "Conflict",
                "Endpoint '\(existing.name)' is \(existing.provisioningState.lowercased()); wait for that operation to finish."
            )
        }
        guard existing != nil || OnlineEndpointScope.isValidName(name) else {
            return OnlineEndpointScope.userError(
                400, "InvalidEndpointName",
                "Endpoint name '\(name)' is not valid: it must be 3 to 32 characters, start with a letter, and contain only letters, digits and hyphens, not ending with a hyphen."
            )
        }
        var record: OnlineEndpointRecord
        if let existing {
            record = existing
        } else {
            guard properties?.objectValue != nil else {
                return ErrorBody.arm(400, "InvalidRequestContent", "'properties' is required.")
            }
            record = OnlineEndpointRecord(
                id: SecureRandom.uuid(), name: name, resourceGroup: scope.workspace.resourceGroup,
                workspace: scope.workspace.name, location: scope.workspace.location, authMode: "",
                compute: nil, traffic: [:], mirrorTraffic: [:], publicNetworkAccess: "Enabled", description: nil,
                tags: [:], properties: [:], primaryKey: Self.newKey(), secondaryKey: Self.newKey(),
                provisioningState: "Creating", createdTime: context.now, createdBy: caller.appID,
                updatedTime: context.now)
        }
        if let tags = Self.strings(json["tags"]) { record.tags = tags } else if !patch { record.tags = [:] }
        if let location = json["location"]?.stringValue, existing == nil {
            guard location.lowercased().filter({ $0 != " " }) == scope.workspace.location.lowercased() else {
                return OnlineEndpointScope.userError(
                    400, "BadArgument",
                    "The endpoint's location '\(location)' must be the workspace's location '\(scope.workspace.location)'."
                )
            }
        }
        if !patch {
            guard let mode = properties?["authMode"]?.stringValue,
                let canonical = ["Key", "AMLToken", "AADToken"].first(where: { $0.lowercased() == mode.lowercased() })
            else {
                return OnlineEndpointScope.userError(
                    400, "BadArgument", "properties.authMode must be Key, AMLToken or AADToken.")
            }
            record.authMode = canonical
            record.description = properties?["description"]?.stringValue
            record.properties = Self.strings(properties?["properties"]) ?? [:]
            record.mirrorTraffic = Self.traffic(properties?["mirrorTraffic"]) ?? [:]
            let compute = properties?["compute"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
            if let existing, existing.compute?.lowercased() != compute?.lowercased() {
                return OnlineEndpointScope.userError(
                    400, "BadArgument", "The compute of endpoint '\(name)' cannot be changed.")
            }
            if let compute {
                let computeName = compute.split(separator: "/").last.map(String.init) ?? compute
                let known = state.computes.first {
                    $0.workspace == scope.workspace.name && $0.resourceGroup == scope.workspace.resourceGroup
                        && $0.name.lowercased() == computeName.lowercased()
                        && compute.lowercased() == (scope.workspaceID + "/computes/" + $0.name).lowercased()
                }
                guard let known else {
                    return OnlineEndpointScope.userError(
                        400, "BadArgument",
                        "Compute '\(compute)' was not found in workspace '\(scope.workspace.name)'; a Kubernetes endpoint names an attached compute by its ARM id."
                    )
                }
                record.compute = scope.workspaceID + "/computes/" + known.name
            }
            // aml-docs how-to-authenticate-online-endpoint: Kubernetes endpoints take key or aml_token.
            if record.compute != nil, record.authMode == "AADToken" {
                return OnlineEndpointScope.userError(
                    400, "BadArgument",
                    "Auth mode AADToken is supported only for managed online endpoints; Kubernetes online endpoints support Key and AMLToken."
                )
            }
            if existing == nil, let keys = properties?["keys"] {
                if let primary = keys["primaryKey"]?.stringValue { record.primaryKey = primary }
                if let secondary = keys["secondaryKey"]?.stringValue { record.secondaryKey = secondary }
            }
        }
        if let description = properties?["description"]?.stringValue, patch { record.description = description }
        if let access = properties?["publicNetworkAccess"]?.stringValue {
            guard ["enabled", "disabled"].contains(access.lowercased()) else {
                return OnlineEndpointScope.userError(
                    400, "BadArgument", "publicNetworkAccess must be Enabled or Disabled.")
            }
            record.publicNetworkAccess = access.lowercased() == "enabled" ? "Enabled" : "Disabled"
        }
        if let traffic = Self.traffic(properties?["traffic"]) {
            if let refusal = trafficRefusal(traffic, endpoint: name, state) { return refusal }
            record.traffic = traffic.filter { $0.value > 0 }
        } else if !patch {
            record.traffic = [:]
        }
        record.provisioningState = existing == nil ? "Creating" : "Updating"
        record.updatedTime = context.now
        let now = context.now
        let written = record
        do {
            return try await cloud.store.write { state -> CloudResponse in
                // Endpoint names are unique per region (the scoring host is `{name}.{region}.inference…`;
                // aml-docs concept-endpoints-online). UNVERIFIED: the status and wording of the clash.
                if existing == nil,
                    let clash = (state.onlineEndpoints ?? []).first(where: {
                        $0.name.lowercased() == name.lowercased() && $0.location == written.location
                    })
                {
                    let sameWorkspace =
                        clash.workspace == written.workspace && clash.resourceGroup == written.resourceGroup
                    return OnlineEndpointScope.userError(
                        409, "EndpointNameNotUnique",
                        sameWorkspace
                            ? "Endpoint '\(name)' is being deleted; wait for the delete to finish."
                            : "An online endpoint named '\(name)' already exists in region '\(written.location)'; endpoint names are unique per region."
                    )
                }
                var endpoints = state.onlineEndpoints ?? []
                endpoints.removeAll { $0.id == written.id }
                endpoints.append(written)
                state.onlineEndpoints = endpoints
                let operation = ARMOperations.start(
                    existing == nil ? "Create" : "Update", resourceID: id, location: written.location, now: now,
                    in: &state)
                let status = ARMOperations.statusURL(
                    operation, base: scope.base, subscriptionID: scope.subscriptionID, apiVersion: apiVersion)
                if patch {
                    let result = ARMOperations.resultURL(
                        operation, base: scope.base, subscriptionID: scope.subscriptionID, apiVersion: apiVersion)
                    return .json(
                        202, body(written, state),
                        headers: [("Location", result), ("Retry-After", ARMOperations.retryAfter)])
                }
                return .json(
                    existing == nil ? 201 : 200, body(written, state),
                    headers: [("Azure-AsyncOperation", status), ("x-ms-async-operation-timeout", "PT2H")])
            }
        } catch {
            return persistFailure(error)
        }
    }

    private func delete(_ name: String, _ state: CloudState) async -> CloudResponse {
        let id = scope.endpointID(name)
        if let denied = authorize(OnlineEndpointScope.endpointAction("delete"), at: id, state) { return denied }
        guard let endpoint = scope.endpoint(name, state) else { return .empty(204) }
        let now = context.now
        do {
            return try await cloud.store.write { state -> CloudResponse in
                let operation: ARMOperationRecord
                if endpoint.provisioningState == "Deleting", let running = ARMOperations.running(on: id, state) {
                    operation = running
                } else {
                    if let index = state.onlineEndpoints?.firstIndex(where: { $0.id == endpoint.id }) {
                        state.onlineEndpoints?[index].provisioningState = "Deleting"
                        state.onlineEndpoints?[index].updatedTime = now
                    }
                    operation = ARMOperations.start(
                        "Delete", resourceID: id, location: endpoint.location, now: now, in: &state)
                }
                return .empty(
                    202,
                    headers: [
                        (
                            "Location",
                            ARMOperations.resultURL(
                                operation, base: scope.base, subscriptionID: scope.subscriptionID,
                                apiVersion: apiVersion)
                        ),
                        ("Retry-After", ARMOperations.retryAfter), ("x-ms-async-operation-timeout", "PT2H"),
                    ])
            }
        } catch {
            return persistFailure(error)
        }
    }

    // MARK: Keys and tokens

    static func newKey() -> String { Base64URL.encode(SecureRandom.bytes(24)) }

    /// UNVERIFIED: the REST spec gives `RegenerateEndpointKeysRequest.keyValue` no pattern or length
    /// ("The value the key is set to"). A key is sent back as `Authorization: Bearer <key>`, so the
    /// local cloud refuses what cannot travel in that header: spaces, control characters, non-ASCII,
    /// and values longer than v1 or v2 keys ever are by a wide margin.
    static let keyValueLimit = 256

    static func isKeyValue(_ value: String) -> Bool {
        let scalars = value.unicodeScalars
        return (1...keyValueLimit).contains(scalars.count) && scalars.allSatisfy { (0x21...0x7E).contains($0.value) }
    }

    private func listKeys(_ name: String, _ state: CloudState) -> CloudResponse {
        if let denied = authorize(
            OnlineEndpointScope.endpointAction("listKeys/action"), at: scope.endpointID(name), state)
        {
            return denied
        }
        guard let endpoint = scope.endpoint(name, state) else { return notFound("onlineEndpoints", name) }
        guard endpoint.authMode == "Key" else {
            // UNVERIFIED: the status and wording for keys of a token endpoint.
            return OnlineEndpointScope.userError(
                400, "BadArgument", "Endpoint '\(name)' uses \(endpoint.authMode) authentication and has no keys.")
        }
        return .json(
            200,
            .object([("primaryKey", .string(endpoint.primaryKey)), ("secondaryKey", .string(endpoint.secondaryKey))]))
    }

    private func regenerateKeys(_ name: String, _ state: CloudState) async -> CloudResponse {
        let id = scope.endpointID(name)
        if let denied = authorize(OnlineEndpointScope.endpointAction("regenerateKeys/action"), at: id, state) {
            return denied
        }
        guard let endpoint = scope.endpoint(name, state) else { return notFound("onlineEndpoints", name) }
        guard endpoint.authMode == "Key" else {
            return OnlineEndpointScope.userError(
                400, "BadArgument", "Endpoint '\(name)' uses \(endpoint.authMode) authentication and has no keys.")
        }
        let json = (try? JSONParser.parse(request.body)) ?? .object([])
        guard let keyType = json["keyType"]?.stringValue, ["primary", "secondary"].contains(keyType.lowercased()) else {
            return OnlineEndpointScope.userError(400, "BadArgument", "keyType must be Primary or Secondary.")
        }
        let asked = json["keyValue"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        if let asked, !Self.isKeyValue(asked) {
            // The value is never echoed: it is a secret.
            return OnlineEndpointScope.userError(
                400, "BadArgument",
                "keyValue must be 1 to \(Self.keyValueLimit) printable ASCII characters without spaces.")
        }
        let value = asked ?? Self.newKey()
        let now = context.now
        do {
            return try await cloud.store.write { state -> CloudResponse in
                guard let index = state.onlineEndpoints?.firstIndex(where: { $0.id == endpoint.id }) else {
                    return notFound("onlineEndpoints", name)
                }
                if keyType.lowercased() == "primary" {
                    state.onlineEndpoints?[index].primaryKey = value
                } else {
                    state.onlineEndpoints?[index].secondaryKey = value
                }
                let operation = ARMOperations.start(
                    "RegenerateKeys", resourceID: id + "/regenerateKeys", location: endpoint.location, now: now,
                    in: &state)
                return .empty(
                    202,
                    headers: [
                        (
                            "Location",
                            ARMOperations.resultURL(
                                operation, base: scope.base, subscriptionID: scope.subscriptionID,
                                apiVersion: apiVersion)
                        ),
                        (
                            "Azure-AsyncOperation",
                            ARMOperations.statusURL(
                                operation, base: scope.base, subscriptionID: scope.subscriptionID,
                                apiVersion: apiVersion)
                        ),
                        ("Retry-After", ARMOperations.retryAfter),
                    ])
            }
        } catch {
            return persistFailure(error)
        }
    }

    /// `POST …/token`: an Azure ML token bound to this endpoint instance (a new endpoint under the
    /// same name refuses it), times as epoch seconds (specs `OnlineEndpoint/getToken.json`).
    private func token(_ name: String, _ state: CloudState) -> CloudResponse {
        let id = scope.endpointID(name)
        if let denied = authorize(OnlineEndpointScope.endpointAction("token/action"), at: id, state) { return denied }
        guard let endpoint = scope.endpoint(name, state) else { return notFound("onlineEndpoints", name) }
        guard endpoint.authMode == "AMLToken" else {
            return OnlineEndpointScope.userError(
                400, "BadArgument",
                "Endpoint '\(name)' uses \(endpoint.authMode) authentication; tokens are issued for AMLToken endpoints."
            )
        }
        let lifetime = cloud.options.tokenLifetime
        guard
            let token = try? TokenMinter(cloud: cloud, state: state, now: context.now).serviceToken(
                serviceID: id, instance: endpoint.id, objectID: caller.objectID, lifetime: lifetime)
        else {
            return ErrorBody.arm(500, "InternalServerError", "Token signing failed.")
        }
        return .json(
            200,
            .object([
                ("accessToken", .string(token)), ("tokenType", .string("Bearer")),
                ("expiryTimeUtc", .number((context.now + lifetime).rounded(.down))),
                ("refreshAfterTimeUtc", .number((context.now + lifetime / 2).rounded(.down))),
            ]))
    }
}
