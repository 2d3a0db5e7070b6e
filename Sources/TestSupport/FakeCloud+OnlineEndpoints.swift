public import AMLAuthCore
public import AzureProvider
import Engine

/// Online endpoints in memory, with the rules ARM enforces where the engine relies on them:
/// `AADToken` only on managed compute, traffic only to existing deployments and summing to 100 or
/// 0, a deployment needs its endpoint, a deployment that takes traffic cannot be deleted, deleting
/// an endpoint deletes its deployments, a missing object's delete succeeds, tokens only for
/// `AMLToken` endpoints (aml-docs how-to-authenticate-online-endpoint.md, how-to-safely-rollout).
extension FakeCloud {
    private func badRequest(_ message: String, _ target: String) -> AzureError {
        AzureError(service: .resourceManager, status: 400, code: "BadRequest", message: message, target: target)
    }

    private func endpointIndex(_ id: AzureResourceID) throws(AzureError) -> Int {
        guard let index = endpoints.firstIndex(where: { $0.id == id }) else {
            throw notFound(.resourceManager, "online endpoint \(id)")
        }
        return index
    }

    private func deploymentsOf(_ endpointID: AzureResourceID) -> [OnlineDeployment] {
        deployments.filter { $0.id.canonicalKey.hasPrefix(endpointID.canonicalKey + "/deployments/") }
    }

    /// Adds an endpoint made outside amlauth (by `az ml`, the portal), for adoption and drift tests.
    public func addOnlineEndpoint(_ endpoint: OnlineEndpoint) {
        endpoints.append(endpoint)
        endpointKeys[endpoint.id.canonicalKey] = OnlineEndpointKeys(primaryKey: newID(), secondaryKey: newID())
    }

    /// Changes an endpoint behind amlauth's back (drift).
    public func editOnlineEndpoint(_ id: AzureResourceID, _ edit: @Sendable (inout OnlineEndpoint) -> Void) {
        guard let index = endpoints.firstIndex(where: { $0.id == id }) else { return }
        edit(&endpoints[index])
    }

    public func onlineEndpoints(workspaceID: AzureResourceID) throws(AzureError) -> [OnlineEndpoint] {
        try record("onlineEndpoints \(workspaceID.segments.last?.name ?? "")")
        return endpoints.filter { $0.id.canonicalKey.hasPrefix(workspaceID.canonicalKey + "/onlineendpoints/") }
    }

    public func onlineDeployments(endpointID: AzureResourceID) throws(AzureError) -> [OnlineDeployment] {
        try record("onlineDeployments \(endpointID.segments.last?.name ?? "")")
        _ = try endpointIndex(endpointID)
        return deploymentsOf(endpointID)
    }

    public func putOnlineEndpoint(_ definition: OnlineEndpointDefinition) throws(AzureError) -> OnlineEndpoint {
        let target = "PUT \(definition.id)"
        try record("putOnlineEndpoint \(definition.name)")
        if definition.authMode == .aadToken, case .kubernetes = definition.compute {
            throw badRequest("AADToken auth is supported on managed online endpoints only", target)
        }
        let existing = deploymentsOf(definition.id).map { $0.name.lowercased() }
        for name in definition.traffic.keys.sorted() where !existing.contains(name.lowercased()) {
            throw badRequest("traffic names deployment '\(name)', which does not exist", target)
        }
        let sum = definition.traffic.values.reduce(0, +)
        guard sum == 0 || sum == 100 else { throw badRequest("traffic sums to \(sum), not 100 or 0", target) }
        let endpoint = OnlineEndpoint(
            id: definition.id, name: definition.name, location: definition.location, authMode: definition.authMode,
            compute: definition.compute, traffic: definition.traffic,
            publicNetworkAccess: definition.publicNetworkAccess ?? "Enabled", description: definition.description,
            tags: definition.tags, provisioningState: "Succeeded",
            scoringURI: "https://\(definition.name).\(definition.location).inference.ml.azure.com/score")
        if let index = endpoints.firstIndex(where: { $0.id == definition.id }) {
            guard endpoints[index].compute == definition.compute else {
                throw badRequest("the compute of an online endpoint cannot change", target)
            }
            endpoints[index] = endpoint
        } else {
            endpoints.append(endpoint)
            endpointKeys[definition.id.canonicalKey] = OnlineEndpointKeys(primaryKey: newID(), secondaryKey: newID())
        }
        return endpoint
    }

    public func putOnlineDeployment(_ definition: OnlineDeploymentDefinition) throws(AzureError) -> OnlineDeployment {
        try record("putOnlineDeployment \(definition.endpointID.segments.last?.name ?? "")/\(definition.name)")
        _ = try endpointIndex(definition.endpointID)
        let id = definition.endpointID.child("deployments", definition.name)
        let deployment = OnlineDeployment(
            id: id, endpointName: definition.endpointID.segments.last?.name ?? "", name: definition.name,
            model: definition.model, environment: definition.environment, codeID: definition.codeID,
            scoringScript: definition.scoringScript, instanceType: definition.instanceType,
            instanceCount: definition.instanceCount, tags: definition.tags, provisioningState: "Succeeded")
        if let index = deployments.firstIndex(where: { $0.id == id }) {
            deployments[index] = deployment
        } else {
            deployments.append(deployment)
        }
        return deployment
    }

    public func deleteOnlineEndpoint(id: AzureResourceID) throws(AzureError) {
        try record("deleteOnlineEndpoint \(id.segments.last?.name ?? "")")
        endpoints.removeAll { $0.id == id }
        deployments.removeAll { $0.id.canonicalKey.hasPrefix(id.canonicalKey + "/deployments/") }
        endpointKeys[id.canonicalKey] = nil
    }

    public func deleteOnlineDeployment(id: AzureResourceID) throws(AzureError) {
        let name = id.segments.last?.name ?? ""
        try record("deleteOnlineDeployment \(id.segments.dropLast().last?.name ?? "")/\(name)")
        let endpointID = AzureResourceID(
            subscription: id.subscription, resourceGroup: id.resourceGroup, providerNamespace: id.providerNamespace,
            segments: Array(id.segments.dropLast()))
        if let endpoint = endpoints.first(where: { $0.id == endpointID }),
            (endpoint.traffic.first { $0.key.lowercased() == name.lowercased() }?.value ?? 0) > 0
        {
            throw badRequest("deployment '\(name)' takes traffic; move its traffic away first", "DELETE \(id)")
        }
        deployments.removeAll { $0.id == id }
    }

    public func onlineEndpointKeys(id: AzureResourceID) throws(AzureError) -> OnlineEndpointKeys {
        try record("onlineEndpointKeys \(id.segments.last?.name ?? "")")
        _ = try endpointIndex(id)
        guard let keys = endpointKeys[id.canonicalKey] else { throw notFound(.resourceManager, "keys of \(id)") }
        return keys
    }

    public func regenerateOnlineEndpointKey(id: AzureResourceID, keyType: OnlineEndpointKeyType, keyValue: String?)
        throws(AzureError)
    {
        try record("regenerateOnlineEndpointKey \(id.segments.last?.name ?? "") \(keyType.rawValue)")
        _ = try endpointIndex(id)
        let value = keyValue ?? newID()
        switch keyType {
        case .primary: endpointKeys[id.canonicalKey]?.primaryKey = value
        case .secondary: endpointKeys[id.canonicalKey]?.secondaryKey = value
        }
    }

    public func onlineEndpointToken(id: AzureResourceID) throws(AzureError) -> OnlineEndpointToken {
        try record("onlineEndpointToken \(id.segments.last?.name ?? "")")
        let endpoint = endpoints[try endpointIndex(id)]
        guard endpoint.authMode == .amlToken else {
            throw badRequest("the endpoint does not use AMLToken auth", "POST \(id)/token")
        }
        return OnlineEndpointToken(
            accessToken: "fake-token-\(newID())", tokenType: "Bearer", expiresOn: 0, refreshAfter: 0)
    }
}
