public import AMLAuthCore
public import AzureProvider

// Placeholder conformance so the engine builds before the real ARM client lands: the client's
// own file of this path (h-epcloud) replaces this one at merge. Every call fails loudly.
extension OnlineEndpointsClient: OnlineEndpointService {
    private func notImplemented(_ what: String) -> AzureError {
        AzureError(
            service: .resourceManager, status: nil, code: "NotImplemented",
            message: "online endpoints over ARM are not built into this amlauth yet (\(what))", target: what)
    }

    public func onlineEndpoints(workspaceID: AzureResourceID) async throws(AzureError) -> [OnlineEndpoint] {
        throw notImplemented("list online endpoints")
    }

    public func onlineDeployments(endpointID: AzureResourceID) async throws(AzureError) -> [OnlineDeployment] {
        throw notImplemented("list online deployments")
    }

    public func putOnlineEndpoint(_ definition: OnlineEndpointDefinition) async throws(AzureError) -> OnlineEndpoint {
        throw notImplemented("put online endpoint")
    }

    public func putOnlineDeployment(_ definition: OnlineDeploymentDefinition) async throws(AzureError)
        -> OnlineDeployment
    {
        throw notImplemented("put online deployment")
    }

    public func deleteOnlineEndpoint(id: AzureResourceID) async throws(AzureError) {
        throw notImplemented("delete online endpoint")
    }

    public func deleteOnlineDeployment(id: AzureResourceID) async throws(AzureError) {
        throw notImplemented("delete online deployment")
    }

    public func onlineEndpointKeys(id: AzureResourceID) async throws(AzureError) -> OnlineEndpointKeys {
        throw notImplemented("list online endpoint keys")
    }

    public func regenerateOnlineEndpointKey(id: AzureResourceID, keyType: OnlineEndpointKeyType, keyValue: String?)
        async throws(AzureError)
    {
        throw notImplemented("regenerate online endpoint key")
    }

    public func onlineEndpointToken(id: AzureResourceID) async throws(AzureError) -> OnlineEndpointToken {
        throw notImplemented("online endpoint token")
    }
}
