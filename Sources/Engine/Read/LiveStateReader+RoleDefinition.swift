import AMLAuthCore
import AzureProvider

extension LiveStateReader {
    /// The custom roles of the Target's subscription, those assignable only in a resource group or
    /// workspace included: one paged list (`$filter=atScopeAndBelow()`), whatever the number of
    /// RoleDefinitions, so that owned roles no manifest names any more are found to prune. A list that fails (after every retry) fails only the custom
    /// roles: it is recorded, and the planner leaves them out with a note.
    func roleDefinitions(_ desired: DesiredState) async throws(AzureError) -> (
        [LiveRoleDefinition], unread: [UnreadScope]
    ) {
        let subscription = AzureResourceID(subscription: desired.subscriptionID)
        let listed: [AuthorizationClient.RoleDefinition]
        do throws(AzureError) {
            listed = try await provider.authorization.listCustomRoles(scope: subscription.description)
        } catch {
            if error.code == "Cancelled" { throw error }
            return (
                [],
                [UnreadScope(kind: .roleDefinitions, scope: subscription, reason: "\(error.code): \(error.message)")]
            )
        }
        var roles: [LiveRoleDefinition] = []
        for role in listed {
            // ARM sends a GUID and scope IDs; anything else is a broken answer, reported once here.
            var scopes: [AzureResourceID] = []
            for text in role.assignableScopes {
                guard case .success(let scope) = AzureResourceID.parse(text) else { continue }
                scopes.append(scope)
            }
            guard let id = GUID(role.name) else {
                throw AzureError(
                    service: .resourceManager, status: 200, code: "InvalidResponse",
                    message: "custom role '\(role.roleName)' has an id that is not a GUID",
                    target: "GET \(subscription)/providers/Microsoft.Authorization/roleDefinitions")
            }
            roles.append(
                LiveRoleDefinition(
                    id: id, roleName: role.roleName, description: role.description, permission: role.permission,
                    assignableScopes: scopes))
        }
        return (roles, [])
    }
}
