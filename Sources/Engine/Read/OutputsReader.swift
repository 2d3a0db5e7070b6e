public import AMLAuthCore
public import AzureProvider

/// Reads what `amlauth output` prints: the Target's owned applications (two Graph requests), its
/// web services' scoring URIs (one model-management list per workspace that has services) and its
/// online endpoints' (one ARM list per workspace that has endpoints). It
/// reads no credential and no key.
public struct OutputsReader: Sendable {
    public let provider: Provider

    public init(provider: Provider) { self.provider = provider }

    /// The identifiers of `desired`'s objects as they live; `cloud` and `tenantID` describe the session.
    public func read(_ desired: DesiredState, cloud: String, tenantID: String?) async throws(AzureError)
        -> TargetOutputs
    {
        let owned = try await provider.directory.applications(taggedWith: Markers.targetTag(desired.target))
        let principals = try await provider.directory.servicePrincipals(appIDsAnyOf: owned.map(\.appID))
        let principalByAppID = Dictionary(
            principals.map { ($0.appID.lowercased(), $0.id) }, uniquingKeysWith: { first, _ in first })
        let servicePrincipals = desired.servicePrincipals.map { principal in
            let tag = Markers.resourceTag(desired.target, principal.address.name)
            let application = owned.first { $0.tags.contains(tag) }
            return TargetOutputs.ServicePrincipal(
                name: principal.address.name, displayName: principal.displayName, clientID: application?.appID,
                applicationObjectID: application?.id,
                objectID: application.flatMap { principalByAppID[$0.appID.lowercased()] })
        }
        var listed: [AzureResourceID: [MachineLearningClient.Service]] = [:]
        for service in desired.webservices where listed[service.workspaceID] == nil {
            let base = try await provider.modelManagement.modelManagementBase(workspaceID: service.workspaceID)
            listed[service.workspaceID] = try await provider.modelManagement.services(base: base)
        }
        let webservices = desired.webservices.map { service in
            let found = listed[service.workspaceID]?.first {
                $0.name == service.address.name
                    && $0.kvTags[Markers.serviceTarget] == desired.target
                    && $0.kvTags[Markers.serviceName] == service.address.name
            }
            return TargetOutputs.Webservice(
                name: service.address.name, workspace: service.workspace.name,
                workspaceID: service.workspaceID.description, computeType: service.computeType.rawValue,
                auth: service.tokenAuthEnabled ? "token" : service.authEnabled ? "key" : "none",
                scoringURI: found?.scoringURI, exists: found != nil)
        }
        // One list per workspace that has endpoints in the manifests.
        var endpointsByWorkspace: [AzureResourceID: [OnlineEndpoint]] = [:]
        for endpoint in desired.onlineEndpoints where endpointsByWorkspace[endpoint.workspaceID] == nil {
            endpointsByWorkspace[endpoint.workspaceID] = try await provider.onlineEndpoints.onlineEndpoints(
                workspaceID: endpoint.workspaceID)
        }
        let onlineEndpoints = desired.onlineEndpoints.map { endpoint in
            let found = endpointsByWorkspace[endpoint.workspaceID]?.first {
                $0.tags[Markers.serviceTarget] == desired.target
                    && $0.tags[Markers.serviceName] == endpoint.address.name
            }
            return TargetOutputs.OnlineEndpoint(
                name: endpoint.address.name, workspace: endpoint.workspace.name, id: endpoint.id.description,
                authMode: endpoint.authMode.rawValue, scoringURI: found?.scoringURI, exists: found != nil)
        }
        return TargetOutputs(
            target: desired.target, cloud: cloud, tenantID: tenantID, subscriptionID: desired.subscriptionID.value,
            servicePrincipals: servicePrincipals, webservices: webservices, onlineEndpoints: onlineEndpoints)
    }
}
