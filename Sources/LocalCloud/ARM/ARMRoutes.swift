import AMLAuthCore
import AuthCrypto
import WireFormat

/// Azure Resource Manager: subscription, resource groups, the ML workspace and its computes, and
/// Microsoft.Authorization role definitions and role assignments at any scope, with RBAC.
struct ARMRoutes {
    let cloud: LocalCloud
    let context: RequestContext
    var request: CloudRequest { context.request }

    func handle(_ segments: [String]) async -> CloudResponse {
        var limit: ARMThrottle.Decision?
        var response = await route(segments, limit: &limit)
        if let limit {
            let kind = limit.operation.rawValue
            response.headers.append(("x-ms-ratelimit-remaining-subscription-\(kind)", String(limit.remaining)))
            response.headers.append(
                ("x-ms-ratelimit-remaining-subscription-global-\(kind)", String(limit.globalRemaining)))
        }
        response.headers.append(
            ("x-ms-correlation-request-id", request.header("x-ms-correlation-request-id") ?? context.requestID))
        response.headers.append(("Cache-Control", "no-cache"))
        return response
    }

    /// `limit`: what ARM's buckets said, for a request in a subscription by an authenticated caller.
    private func route(_ segments: [String], limit: inout ARMThrottle.Decision?) async -> CloudResponse {
        guard request.query("api-version") != nil else {
            return ErrorBody.arm(
                400, "MissingApiVersionParameter",
                "The api-version query parameter (?api-version=) is required for all requests.")
        }
        let state = await cloud.store.state
        let caller: Caller
        switch BearerCheck.authenticate(
            context, cloud: cloud, tenantID: state.tenantID, audiences: Audience.resourceManager(base: context.base),
            style: .resourceManager)
        {
        case .success(let value): caller = value
        case .failure(let response): return response
        }
        // Throttling follows authentication: ARM counts per principal.
        if segments.count > 1, segments[0].lowercased() == "subscriptions" {
            let decision = cloud.armThrottle.take(
                ARMThrottleLimits.Operation(method: request.method), subscription: segments[1],
                principal: caller.objectID, now: context.now)
            limit = decision
            if decision.retryAfter != nil {
                return ARMThrottle.refusal(decision, subscription: segments[1], principal: caller.objectID)
            }
        }
        let lower = segments.map { $0.lowercased() }
        if let index = authorizationIndex(lower) {
            if let refusal = Self.scopeRefusal(request.path) { return refusal }
            let scopeSegments = Array(segments[..<index])
            let rest = Array(segments[(index + 2)...])
            if case .failure(let response) = resolveScope(scopeSegments, state: state) { return response }
            let scope = "/" + scopeSegments.joined(separator: "/")
            let routes = RoleAssignmentRoutes(cloud: cloud, context: context, caller: caller, scope: scope)
            switch rest.first?.lowercased() {
            case "roleassignments": return await routes.handle(Array(rest.dropFirst()))
            case "roledefinitions":
                return await RoleDefinitionRoutes(cloud: cloud, context: context, caller: caller, scope: scope)
                    .handle(Array(rest.dropFirst()), state: state)
            case "permissions" where rest.count == 1: return routes.permissions(state: state)
            default:
                return ErrorBody.arm(
                    400, "InvalidResourceType",
                    "The resource type '\(rest.first ?? "")' could not be found in the namespace 'Microsoft.Authorization' for api version '\(request.query("api-version") ?? "")'."
                )
            }
        }
        if lower.count >= 9, lower[0] == "subscriptions", lower[4] == "providers",
            lower[5] == "microsoft.machinelearningservices", lower[6] == "workspaces", lower[8] == "codes"
        {
            switch workspaceRoutes(segments, state: state, caller: caller) {
            case .failure(let response): return response
            case .success(let routes):
                return await CodeAssetRoutes(routes: routes).handle(Array(segments.dropFirst(9)), state: state)
            }
        }
        if lower.count >= 9, lower[0] == "subscriptions", lower[4] == "providers",
            lower[5] == "microsoft.machinelearningservices", lower[6] == "workspaces", lower[8] == "onlineendpoints"
        {
            switch workspaceRoutes(segments, state: state, caller: caller) {
            case .failure(let response): return response
            case .success(let routes): return await routes.handle(Array(segments.dropFirst(9)))
            }
        }
        if lower.count == 8, lower[0] == "subscriptions", lower[1] == state.subscriptionID, lower[2] == "providers",
            lower[3] == "microsoft.machinelearningservices", lower[4] == "locations",
            lower[6] == "mfeoperationsstatus" || lower[6] == "mfeoperationresults"
        {
            return await ARMOperationRoutes(cloud: cloud, context: context, caller: caller).handle(
                kind: lower[6], id: segments[7])
        }
        guard request.method == "GET" else {
            return ErrorBody.arm(
                405, "MethodNotAllowed",
                "The local cloud reads subscriptions, resource groups and workspaces; it does not change them.")
        }
        if lower == ["subscriptions"] { return subscriptionList(caller, state: state) }
        if lower.count == 5, lower[0] == "subscriptions", lower[1] == state.subscriptionID, lower[2] == "providers",
            lower[3] == "microsoft.machinelearningservices", lower[4] == "workspaces"
        {
            return workspaceList(caller, state: state)
        }
        switch resolveScope(segments, state: state) {
        case .failure(let response): return response
        case .success(let resource):
            let id = "/" + segments.joined(separator: "/")
            guard Authorization.isAllowed(caller.objectID, resource.readAction, at: id, in: state) else {
                return Authorization.denied(caller, resource.readAction, id)
            }
            return .json(200, resource.body(context: context, state: state))
        }
    }

    /// `GET /subscriptions/{id}/providers/Microsoft.MachineLearningServices/workspaces`: the
    /// workspaces the caller may read. Assumed (UNVERIFIED): ARM answers a caller with read access
    /// below the subscription with the resources it may read rather than 403; amlauth's reader
    /// handles both (a 403 becomes a plan note).
    /// The v2 routes of the workspace `segments[..<8]` names (`…/workspaces/{name}`), or ARM's refusal.
    private func workspaceRoutes(_ segments: [String], state: CloudState, caller: Caller) -> Result<
        OnlineEndpointRoutes, CloudResponse
    > {
        switch resolveScope(Array(segments[..<8]), state: state) {
        case .failure(let response): return .failure(response)
        case .success(.workspace(let workspace)):
            let scope = OnlineEndpointScope(
                subscriptionID: state.subscriptionID, workspace: workspace, base: context.base)
            return .success(OnlineEndpointRoutes(cloud: cloud, context: context, caller: caller, scope: scope))
        case .success: return .failure(ErrorBody.arm(404, "ResourceNotFound", "The workspace was not found."))
        }
    }

    private func workspaceList(_ caller: Caller, state: CloudState) -> CloudResponse {
        let readable = state.workspaces.filter { workspace in
            let id =
                "/subscriptions/\(state.subscriptionID)/resourceGroups/\(workspace.resourceGroup)/providers/Microsoft.MachineLearningServices/workspaces/\(workspace.name)"
            return Authorization.isAllowed(
                caller.objectID, Resource.workspace(workspace).readAction, at: id, in: state)
        }
        return .json(
            200,
            .object([
                (
                    "value",
                    .array(readable.map { WorkspaceRoutes.workspaceBody($0, state: state, context: context) })
                )
            ]))
    }

    /// `GET /subscriptions`: the subscriptions the caller holds any role in (ARM lists those the
    /// caller can see; azureml-core's `Workspace.get` starts here to find the tenant).
    private func subscriptionList(_ caller: Caller, state: CloudState) -> CloudResponse {
        let prefix = "/subscriptions/\(state.subscriptionID)"
        let visible = state.roleAssignments.contains {
            $0.principalID == caller.objectID && ($0.scope == "/" || $0.scope.lowercased().hasPrefix(prefix))
        }
        let items = visible ? [Resource.subscription.body(context: context, state: state)] : []
        return .json(
            200,
            .object([
                ("value", .array(items)),
                ("count", .object([("type", .string("Total")), ("value", .number(Double(items.count)))])),
            ]))
    }

    /// A 400 for a role-assignment or role-definition scope that is not a plain ARM path: empty
    /// segments (`//`), `.` or `..` (also percent-encoded), or an encoded `/`. Such a scope must
    /// never be normalised into another one, or the RBAC check and the stored scope would disagree
    /// with what the caller wrote. The tenant root (`//providers/…`, an empty scope) is valid.
    static func scopeRefusal(_ path: String) -> CloudResponse? {
        let raw = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map {
            FormEncoding.percentDecode(String($0), plusIsSpace: false)
        }
        guard
            let marker = raw.indices.last(where: {
                $0 + 1 < raw.count && raw[$0].lowercased() == "providers"
                    && raw[$0 + 1].lowercased() == "microsoft.authorization"
            })
        else { return nil }
        let scope = Array(raw[..<marker])
        guard scope != [] && scope != [""] else { return nil }
        let valid = scope.allSatisfy { segment in
            !segment.isEmpty && segment != "." && segment != ".." && !segment.contains("/") && !segment.contains("\\")
        }
        guard !valid else { return nil }
        return ErrorBody.arm(
            400, "InvalidScope",
            "The scope '/\(scope.joined(separator: "/"))' is not valid: a scope has no empty, '.' or '..' segments.")
    }

    /// Index of `providers` in `…/providers/Microsoft.Authorization/…`.
    private func authorizationIndex(_ lower: [String]) -> Int? {
        lower.indices.last {
            $0 + 1 < lower.count && lower[$0] == "providers" && lower[$0 + 1] == "microsoft.authorization"
        }
    }

    /// What an ARM path names, after checking that it exists.
    enum Resource {
        case tenantRoot, subscription, resourceGroups
        case resourceGroup(ResourceGroupRecord)
        case workspace(WorkspaceRecord)
        case compute(ComputeRecord)
        case workspaceChild
        /// A Key Vault, or one of its secrets (role assignments may name either scope).
        case vault(VaultRecord)

        var readAction: String {
            switch self {
            case .tenantRoot, .subscription: "Microsoft.Resources/subscriptions/read"
            case .resourceGroups, .resourceGroup: "Microsoft.Resources/subscriptions/resourceGroups/read"
            case .workspace, .workspaceChild: "Microsoft.MachineLearningServices/workspaces/read"
            case .compute: "Microsoft.MachineLearningServices/workspaces/computes/read"
            case .vault: "Microsoft.KeyVault/vaults/read"
            }
        }

        func body(context: RequestContext, state: CloudState) -> JSONValue {
            switch self {
            case .tenantRoot, .workspaceChild:
                return .object([])
            case .subscription:
                return .object([
                    ("id", .string("/subscriptions/\(state.subscriptionID)")),
                    ("authorizationSource", .string("RoleBased")),
                    ("subscriptionId", .string(state.subscriptionID)), ("tenantId", .string(state.tenantID)),
                    ("displayName", .string(state.subscriptionName)), ("state", .string("Enabled")),
                    (
                        "subscriptionPolicies",
                        .object([
                            ("locationPlacementId", .string("Public_2014-09-01")),
                            ("quotaId", .string("PayAsYouGo_2014-09-01")), ("spendingLimit", .string("Off")),
                        ])
                    ),
                ])
            case .resourceGroups:
                return .object([("value", .array(state.resourceGroups.map { Self.resourceGroup($0, state) }))])
            case .resourceGroup(let group):
                return Self.resourceGroup(group, state)
            case .workspace(let workspace):
                return WorkspaceRoutes.workspaceBody(workspace, state: state, context: context)
            case .vault(let vault):
                return .object([
                    ("id", .string(vault.resourceID(subscription: state.subscriptionID))),
                    ("name", .string(vault.name)), ("type", .string("Microsoft.KeyVault/vaults")),
                    ("location", .string(vault.location)),
                    (
                        "properties",
                        .object([
                            ("tenantId", .string(state.tenantID)),
                            ("vaultUri", .string("\(context.base)/keyvault/\(vault.name)/")),
                            ("enableRbacAuthorization", .bool(true)), ("provisioningState", .string("Succeeded")),
                        ])
                    ),
                ])
            case .compute(let compute):
                return .object([
                    (
                        "id",
                        .string(
                            "/subscriptions/\(state.subscriptionID)/resourceGroups/\(compute.resourceGroup)/providers/Microsoft.MachineLearningServices/workspaces/\(compute.workspace)/computes/\(compute.name)"
                        )
                    ),
                    ("name", .string(compute.name)),
                    ("type", .string("Microsoft.MachineLearningServices/workspaces/computes")),
                    ("location", .string(compute.location)),
                    ("tags", .object([])),
                    (
                        "properties",
                        .object([
                            ("computeType", .string(compute.computeType)),
                            ("computeLocation", .string(compute.location)), ("provisioningState", .string("Succeeded")),
                            ("description", .null), ("provisioningErrors", .null), ("isAttachedCompute", .bool(true)),
                            ("disableLocalAuth", .bool(false)),
                            (
                                "resourceId",
                                .string(
                                    "/subscriptions/\(state.subscriptionID)/resourceGroups/\(compute.resourceGroup)/providers/Microsoft.ContainerService/managedClusters/\(compute.name)"
                                )
                            ),
                            // The AKS properties azureml-core's AksCompute reads (azureml/core/compute/aks.py,
                            // `_initialize`); ComputeResource in the machinelearningservices REST spec.
                            (
                                "properties",
                                .object([
                                    ("clusterFqdn", .string("\(compute.name).hcp.\(compute.location).azmk8s.io")),
                                    ("agentCount", .number(3)), ("agentVmSize", .string("Standard_D3_v2")),
                                    ("clusterPurpose", .string("FastProd")), ("systemServices", .array([])),
                                    ("loadBalancerType", .string("PublicIp")), ("loadBalancerSubnet", .null),
                                ])
                            ),
                        ])
                    ),
                ])
            }
        }

        static func resourceGroup(_ group: ResourceGroupRecord, _ state: CloudState) -> JSONValue {
            .object([
                ("id", .string("/subscriptions/\(state.subscriptionID)/resourceGroups/\(group.name)")),
                ("name", .string(group.name)),
                ("type", .string("Microsoft.Resources/resourceGroups")), ("location", .string(group.location)),
                ("properties", .object([("provisioningState", .string("Succeeded"))])),
            ])
        }
    }

    /// Checks that every level of an ARM path exists, with ARM's own 404s.
    func resolveScope(_ segments: [String], state: CloudState) -> Result<Resource, CloudResponse> {
        let lower = segments.map { $0.lowercased() }
        if lower.isEmpty { return .success(.tenantRoot) }
        guard lower[0] == "subscriptions", lower.count >= 2 else {
            return .failure(
                ErrorBody.arm(400, "InvalidScope", "The scope '/\(segments.joined(separator: "/"))' is not valid."))
        }
        guard lower[1] == state.subscriptionID else {
            return .failure(
                ErrorBody.arm(404, "SubscriptionNotFound", "The subscription '\(segments[1])' could not be found."))
        }
        if lower.count == 2 { return .success(.subscription) }
        guard lower[2] == "resourcegroups" else {
            return .failure(
                ErrorBody.arm(400, "InvalidScope", "The scope '/\(segments.joined(separator: "/"))' is not valid."))
        }
        if lower.count == 3 { return .success(.resourceGroups) }
        guard let group = state.resourceGroups.first(where: { $0.name.lowercased() == lower[3] }) else {
            return .failure(
                ErrorBody.arm(404, "ResourceGroupNotFound", "Resource group '\(segments[3])' could not be found."))
        }
        if lower.count == 4 { return .success(.resourceGroup(group)) }
        let notFound = ErrorBody.arm(
            404, "ResourceNotFound",
            "The Resource '\(segments.dropFirst(5).joined(separator: "/"))' under resource group '\(segments[3])' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix"
        )
        if lower.count >= 8, lower[4] == "providers", lower[5] == "microsoft.keyvault", lower[6] == "vaults" {
            guard
                let vault = state.vaults?.first(where: {
                    $0.resourceGroup.lowercased() == lower[3] && $0.name.lowercased() == lower[7]
                }), lower.count == 8 || (lower.count == 10 && lower[8] == "secrets")
            else { return .failure(notFound) }
            return .success(.vault(vault))
        }
        guard lower.count >= 8, lower[4] == "providers", lower[5] == "microsoft.machinelearningservices",
            lower[6] == "workspaces",
            let workspace = state.workspaces.first(where: {
                $0.resourceGroup.lowercased() == lower[3] && $0.name.lowercased() == lower[7]
            })
        else { return .failure(notFound) }
        if lower.count == 8 { return .success(.workspace(workspace)) }
        if lower.count == 10, lower[8] == "computes" {
            guard
                let compute = state.computes.first(where: {
                    $0.workspace == workspace.name && $0.name.lowercased() == lower[9]
                })
            else { return .failure(notFound) }
            return .success(.compute(compute))
        }
        return .success(.workspaceChild)
    }
}
