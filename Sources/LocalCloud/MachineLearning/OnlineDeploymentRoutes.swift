import AMLAuthCore
import WireFormat

/// ARM `…/onlineEndpoints/{endpoint}/deployments[/{name}]`: PUT (ARM LRO with
/// `Azure-AsyncOperation`), GET, list (paged), DELETE (202 and `Location`). The deployment's
/// model, environment and code references are kept as sent (azure-ai-ml resolves them to ARM ids
/// before sending); the local cloud does not build containers.
struct OnlineDeploymentRoutes {
    let routes: OnlineEndpointRoutes
    var scope: OnlineEndpointScope { routes.scope }
    var context: RequestContext { routes.context }
    var cloud: LocalCloud { routes.cloud }

    func handle(endpoint: String, _ rest: [String], state: CloudState) async -> CloudResponse {
        switch (context.request.method, rest.count) {
        case ("GET", 0): return list(endpoint, state)
        case ("GET", 1): return get(endpoint, rest[0], state)
        case ("PUT", 1): return await put(endpoint, rest[0], state)
        case ("DELETE", 1): return await delete(endpoint, rest[0], state)
        default:
            return ErrorBody.arm(
                404, "NotFound", "No route for \(context.request.method) \(context.request.path) in the local cloud.")
        }
    }

    func body(_ deployment: OnlineDeploymentRecord) -> JSONValue {
        var properties = (try? JSONParser.parse(Array(deployment.properties.utf8)))?.objectValue ?? []
        properties.removeAll { $0.0 == "provisioningState" }
        properties.append(("provisioningState", .string(deployment.provisioningState)))
        // Defaults the service fills in when the request leaves them out (azure-ai-ml reads
        // `scaleSettings.scaleType` from every deployment it gets back; values as the specs' GET
        // examples show them).
        let defaults: [(String, JSONValue)] = [
            ("scaleSettings", .object([("scaleType", .string("Default"))])),
            (
                "requestSettings",
                .object([("requestTimeout", .string("PT5S")), ("maxConcurrentRequestsPerInstance", .number(1))])
            ),
            ("appInsightsEnabled", .bool(false)), ("egressPublicNetworkAccess", .string("Enabled")),
        ]
        let kubernetes = properties.first { $0.0 == "endpointComputeType" }?.1.stringValue == "Kubernetes"
        // Kubernetes deployments carry container resources (azure-ai-ml's
        // `KubernetesOnlineDeployment._from_rest_object` reads them); the values filled here are
        // UNVERIFIED.
        let kubernetesDefaults: [(String, JSONValue)] =
            kubernetes
            ? [
                (
                    "containerResourceRequirements",
                    .object([
                        (
                            "containerResourceRequests",
                            .object([("cpu", .string("0.1")), ("memory", .string("0.5Gi"))])
                        ),
                        ("containerResourceLimits", .null),
                    ])
                )
            ] : []
        for (key, value) in defaults + kubernetesDefaults where !properties.contains(where: { $0.0 == key }) {
            properties.append((key, value))
        }
        var pairs: [(String, JSONValue)] = [
            ("id", .string(scope.deploymentID(deployment.endpoint, deployment.name))),
            ("name", .string(deployment.name)), ("type", .string(OnlineEndpointScope.type + "/deployments")),
            ("location", .string(deployment.location)),
            ("tags", .object(deployment.tags.keys.sorted().map { ($0, .string(deployment.tags[$0]!)) })),
            ("properties", .object(properties)),
            (
                "systemData",
                OnlineEndpointScope.systemData(
                    created: deployment.createdTime, by: routes.caller.appID, updated: deployment.updatedTime)
            ),
        ]
        if let sku = deployment.sku.flatMap({ try? JSONParser.parse(Array($0.utf8)) }) { pairs.append(("sku", sku)) }
        return .object(pairs)
    }

    private func list(_ endpoint: String, _ state: CloudState) -> CloudResponse {
        let action = OnlineEndpointScope.deploymentAction("read")
        if let denied = routes.authorize(action, at: scope.endpointID(endpoint), state) { return denied }
        guard scope.endpoint(endpoint, state) != nil else { return routes.notFound("onlineEndpoints", endpoint) }
        let items = scope.deployments(of: endpoint, state).sorted { $0.name < $1.name }.map(body)
        return OnlineEndpointRoutes.page(items, context: context, pageSize: cloud.options.armPageSize)
    }

    private func get(_ endpoint: String, _ name: String, _ state: CloudState) -> CloudResponse {
        let id = scope.deploymentID(endpoint, name)
        if let denied = routes.authorize(OnlineEndpointScope.deploymentAction("read"), at: id, state) { return denied }
        guard
            let deployment = scope.deployments(of: endpoint, state).first(where: {
                $0.name.lowercased() == name.lowercased()
            })
        else { return routes.notFound("onlineEndpoints/\(endpoint)/deployments", name) }
        return .json(200, body(deployment))
    }

    private func put(_ endpointName: String, _ name: String, _ state: CloudState) async -> CloudResponse {
        let id = scope.deploymentID(endpointName, name)
        if let denied = routes.authorize(OnlineEndpointScope.deploymentAction("write"), at: id, state) { return denied }
        guard let endpoint = scope.endpoint(endpointName, state), endpoint.provisioningState != "Deleting" else {
            return routes.notFound("onlineEndpoints", endpointName)
        }
        guard let json = try? JSONParser.parse(context.request.body), let properties = json["properties"]?.objectValue
        else {
            return ErrorBody.arm(400, "InvalidRequestContent", "'properties' is required.")
        }
        let existing = scope.deployments(of: endpointName, state).first { $0.name.lowercased() == name.lowercased() }
        guard existing != nil || OnlineEndpointScope.isValidName(name) else {
            return OnlineEndpointScope.userError(
                400, "InvalidDeploymentName",
                "Deployment name '\(name)' is not valid: it must be 3 to 32 characters, start with a letter, and contain only letters, digits and hyphens, not ending with a hyphen."
            )
        }
        if let existing, ["Creating", "Updating", "Deleting"].contains(existing.provisioningState) {
            return ErrorBody.arm(
                409, "Conflict",
                "Deployment '\(existing.name)' is \(existing.provisioningState.lowercased()); wait for that operation to finish."
            )
        }
        // A Kubernetes endpoint's deployments are Kubernetes deployments, a managed endpoint's managed.
        let computeType = properties.first { $0.0 == "endpointComputeType" }?.1.stringValue ?? ""
        let expected = endpoint.compute == nil ? "managed" : "kubernetes"
        guard computeType.lowercased() == expected else {
            return OnlineEndpointScope.userError(
                400, "BadArgument",
                "Deployment '\(name)' has endpointComputeType '\(computeType)'; endpoint '\(endpoint.name)' takes \(expected == "managed" ? "Managed" : "Kubernetes") deployments."
            )
        }
        if let refusal = codeRefusal(properties, state) { return refusal }
        let stored = JSONValue.object(properties.filter { $0.0 != "provisioningState" }).compact()
        let now = context.now
        let record = OnlineDeploymentRecord(
            name: existing?.name ?? name, endpoint: endpoint.name, resourceGroup: scope.workspace.resourceGroup,
            workspace: scope.workspace.name, location: endpoint.location, properties: stored,
            sku: json["sku"].map { $0.compact() }, tags: OnlineEndpointRoutes.strings(json["tags"]) ?? [:],
            provisioningState: existing == nil ? "Creating" : "Updating", createdTime: existing?.createdTime ?? now,
            updatedTime: now)
        // More instances than the subscription's quota: accepted, then failed while provisioning,
        // as quota shortfalls surface on the deployment's operation (code and wording UNVERIFIED).
        let capacity = Int(json["sku"]?["capacity"]?.numberValue ?? 1)
        let quota = cloud.options.onlineInstanceQuota
        let failure: (String, String)? =
            capacity > quota
            ? (
                "QuotaExceeded",
                "Deployment '\(name)' asks for \(capacity) instances; the subscription's quota allows \(quota)."
            ) : nil
        let apiVersion = routes.apiVersion
        do {
            return try await cloud.store.write { state -> CloudResponse in
                var deployments = state.onlineDeployments ?? []
                deployments.removeAll { OnlineEndpointScope.id(of: $0, state).lowercased() == id.lowercased() }
                deployments.append(record)
                state.onlineDeployments = deployments
                let operation = ARMOperations.start(
                    existing == nil ? "Create" : "Update", resourceID: id, location: record.location, now: now,
                    failure: failure, in: &state)
                return .json(
                    existing == nil ? 201 : 200, body(record),
                    headers: [
                        (
                            "Azure-AsyncOperation",
                            ARMOperations.statusURL(
                                operation, base: scope.base, subscriptionID: scope.subscriptionID,
                                apiVersion: apiVersion)
                        ),
                        ("x-ms-async-operation-timeout", "PT2H"),
                    ])
            }
        } catch {
            return routes.persistFailure(error)
        }
    }

    /// A deployment's `codeConfiguration` must name a code version of this workspace whose
    /// uploaded content holds the scoring script (the service resolves both before building the
    /// image; codes and wording UNVERIFIED, answered 400 `BadArgument` like the other validation).
    private func codeRefusal(_ properties: [(String, JSONValue)], _ state: CloudState) -> CloudResponse? {
        guard let code = properties.first(where: { $0.0 == "codeConfiguration" })?.1 else { return nil }
        guard let codeID = code["codeId"]?.stringValue else {
            return OnlineEndpointScope.userError(400, "BadArgument", "codeConfiguration.codeId is required.")
        }
        let parts = codeID.split(separator: "/").map(String.init)
        let prefix = scope.workspaceID.lowercased() + "/codes/"
        guard codeID.lowercased().hasPrefix(prefix), parts.count >= 4,
            parts[parts.count - 2].lowercased() == "versions",
            let version = CodeAssetRoutes(routes: routes).find(parts[parts.count - 3], parts[parts.count - 1], state)
        else {
            return OnlineEndpointScope.userError(
                400, "BadArgument", "Code '\(codeID)' was not found in workspace '\(scope.workspace.name)'.")
        }
        let script = code["scoringScript"]?.stringValue ?? ""
        guard !script.isEmpty, BlobRoutes.contains(script, under: version.codeURI, context: context, state) else {
            return OnlineEndpointScope.userError(
                400, "BadArgument",
                "The scoring script '\(script)' is not in code '\(version.name):\(version.version)'.")
        }
        return nil
    }

    private func delete(_ endpointName: String, _ name: String, _ state: CloudState) async -> CloudResponse {
        let id = scope.deploymentID(endpointName, name)
        if let denied = routes.authorize(OnlineEndpointScope.deploymentAction("delete"), at: id, state) {
            return denied
        }
        guard
            let deployment = scope.deployments(of: endpointName, state).first(where: {
                $0.name.lowercased() == name.lowercased()
            })
        else { return .empty(204) }
        // UNVERIFIED wording: a deployment that takes traffic cannot be deleted.
        if let endpoint = scope.endpoint(endpointName, state), (endpoint.traffic[deployment.name] ?? 0) > 0 {
            return OnlineEndpointScope.userError(
                400, "BadArgument",
                "Deployment '\(deployment.name)' receives \(endpoint.traffic[deployment.name]!)% of endpoint '\(endpoint.name)''s traffic; set its traffic to 0 before deleting it."
            )
        }
        let now = context.now
        let apiVersion = routes.apiVersion
        do {
            return try await cloud.store.write { state -> CloudResponse in
                let operation =
                    ARMOperations.running(on: id, state).flatMap { $0.kind == "Delete" ? $0 : nil }
                    ?? ARMOperations.start(
                        "Delete", resourceID: id, location: deployment.location, now: now, in: &state)
                if let index = state.onlineDeployments?.firstIndex(where: {
                    OnlineEndpointScope.id(of: $0, state).lowercased() == id.lowercased()
                }) {
                    state.onlineDeployments?[index].provisioningState = "Deleting"
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
                        ("Retry-After", ARMOperations.retryAfter),
                    ])
            }
        } catch {
            return routes.persistFailure(error)
        }
    }
}
