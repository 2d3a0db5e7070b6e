import AMLAuthCore
import AzureProvider

extension LiveStateReader {
    /// The online endpoints of every declared workspace (to find the last one to prune too) and
    /// the deployments of each, all lists in flight together and merged in declaration order. A
    /// workspace whose list fails, or an endpoint whose deployments cannot be listed, fails only
    /// what lies under it: it is recorded, and the planner leaves those resources out with a note.
    func onlineEndpoints(_ desired: DesiredState) async throws(AzureError) -> (
        [LiveOnlineEndpoint], [LiveOnlineDeployment], unread: [UnreadScope]
    ) {
        let service = provider.onlineEndpoints
        let perWorkspace = try await Concurrently.map(desired.workspaces) {
            workspace throws(AzureError) -> ([LiveOnlineEndpoint], [LiveOnlineDeployment], [UnreadScope]) in
            let endpoints: [LiveOnlineEndpoint]
            do throws(AzureError) {
                endpoints = try await service.onlineEndpoints(workspaceID: workspace.id).map {
                    OnlineEndpointMapping.live($0, workspaceID: workspace.id)
                }
            } catch {
                return ([], [], [try Self.unread(workspace.id, error)])
            }
            let deployments = try await Concurrently.map(endpoints) {
                endpoint throws(AzureError) -> Result<[LiveOnlineDeployment], AzureError> in
                do throws(AzureError) {
                    return .success(
                        try await service.onlineDeployments(endpointID: endpoint.id).map {
                            OnlineEndpointMapping.live($0, endpointID: endpoint.id)
                        })
                } catch {
                    if error.code == "Cancelled" { throw error }
                    return .failure(error)
                }
            }
            var found: [LiveOnlineDeployment] = []
            var failed: [UnreadScope] = []
            for (endpoint, result) in zip(endpoints, deployments) {
                switch result {
                case .success(let list): found += list
                case .failure(let error): failed.append(try Self.unread(endpoint.id, error))
                }
            }
            return (endpoints, found, failed)
        }
        return (perWorkspace.flatMap(\.0), perWorkspace.flatMap(\.1), perWorkspace.flatMap(\.2))
    }

    /// The record of a scope that could not be read; a cancelled read is not a failure to record.
    private static func unread(_ scope: AzureResourceID, _ error: AzureError) throws(AzureError) -> UnreadScope {
        if error.code == "Cancelled" { throw error }
        return UnreadScope(kind: .onlineEndpoints, scope: scope, reason: "\(error.code): \(error.message)")
    }
}
