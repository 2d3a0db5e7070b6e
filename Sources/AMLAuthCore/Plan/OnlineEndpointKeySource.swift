/// Where an endpoint's keys come from when it replaces a v1 web service (`keys_from`): the
/// service's two keys are copied into the endpoint once, with `regenerateKeys` and a `keyValue`,
/// so callers holding a v1 key keep working after cutover. Microsoft's own v1→v2 migration does
/// the same: "For key auth, the original keys will be used" (azure-docs,
/// articles/machine-learning/migrate-to-v2-managed-online-endpoints.md, "Auth Mode"), and the ARM
/// request takes the value to set (REST spec `RegenerateEndpointKeysRequest.keyValue`, "The value
/// the key is set to"). The keys themselves are read by apply only, never planned or shown.
public struct OnlineEndpointKeySource: Sendable, Equatable {
    /// The workspace the v1 service lives in.
    public var workspaceID: AzureResourceID
    /// The v1 service's name in its workspace.
    public var service: String
    /// The Webservice manifest's address, when the manifests declare the service.
    public var declared: ResourceAddress?

    public init(workspaceID: AzureResourceID, service: String, declared: ResourceAddress?) {
        self.workspaceID = workspaceID
        self.service = service
        self.declared = declared
    }
}

extension Markers {
    /// Tag on an online endpoint whose keys were copied from a v1 service: the service's name.
    /// Written by the same change that copied the keys, after the copy, so the next plan knows
    /// the copy is done without reading any key (and a crash in between copies again, never skips).
    public static let keysCopiedFrom = "amlauth.keys-from"
}

extension DesiredOnlineEndpoint {
    /// The address of the change that copies a v1 service's keys, after the endpoint exists.
    public var keysAddress: ResourceAddress { ResourceAddress(.onlineEndpoint, address.name + "/keys") }
}
