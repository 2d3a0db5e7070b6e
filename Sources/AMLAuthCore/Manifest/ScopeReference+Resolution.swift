extension ScopeReference {
    /// The ARM scope this reference names in `subscription`, a workspace by the ID of the
    /// Workspace manifest of that name (the subscription itself when there is none: validation
    /// reports the dangling reference).
    public func resolved(subscription: GUID, workspaceIDs: [String: AzureResourceID]) -> AzureResourceID {
        switch self {
        case .workspace(let name): workspaceIDs[name] ?? AzureResourceID(subscription: subscription)
        case .resourceGroup(let group): AzureResourceID(subscription: subscription, resourceGroup: group)
        case .subscription: AzureResourceID(subscription: subscription)
        case .id(let id): id
        }
    }
}
