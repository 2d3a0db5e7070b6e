import AMLAuthCore
import AzureProvider
import Synchronization

/// What changes learn from each other during one apply: the object ids of service principals
/// (known before, or created along the way), and each workspace's model-management address.
public final class ApplyContext: Sendable {
    private let principals = Mutex<[ResourceAddress: GUID]>([:])
    private let bases = Mutex<[AzureResourceID: String]>([:])

    public init() {}

    func remember(principal address: ResourceAddress, objectID: GUID) {
        principals.withLock { $0[address] = objectID }
    }

    /// The service principal object id of a managed principal, once its change has run.
    func principalObjectID(_ address: ResourceAddress) -> GUID? {
        principals.withLock { $0[address] }
    }

    /// The model-management base of a workspace, looked up once per apply.
    func modelManagementBase(_ workspace: AzureResourceID, _ service: any ModelManagementService)
        async throws(AzureError) -> String
    {
        if let known = bases.withLock({ $0[workspace] }) { return known }
        let base = try await service.modelManagementBase(workspaceID: workspace)
        bases.withLock { $0[workspace] = base }
        return base
    }
}
