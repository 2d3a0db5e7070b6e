import AMLAuthCore
import AzureProvider

extension StepRunner {
    /// PUT by the planned GUID: repeating it after an interruption converges.
    func putRoleDefinition(_ put: RoleDefinitionPut) async throws {
        let definition = AuthorizationClient.RoleDefinition(
            name: put.id.value, roleName: put.roleName, description: put.description, permission: put.permission,
            assignableScopes: put.assignableScopes.map(\.description))
        _ = try await executor.provider.authorization.putRoleDefinition(
            scope: put.subscription.description, definition)
    }

    /// DELETE; an assignment amlauth does not own still naming the role makes ARM refuse
    /// (`RoleDefinitionHasAssignments`): said in words, with what to do.
    func deleteRoleDefinition(_ delete: RoleDefinitionDelete) async throws {
        let authorization = executor.provider.authorization
        let scope = delete.subscription.description
        let name = delete.id.value
        let outcome = await Concurrently.capture { () async throws(AzureError) in
            try await authorization.deleteRoleDefinition(scope: scope, name: name)
        }
        guard case .failure(let error) = outcome else { return }
        guard error.code == "RoleDefinitionHasAssignments" else { throw error }
        throw ApplyFailure(
            "custom role '\(delete.roleName)' (\(name)) still has role assignments that amlauth does not own; remove them (az role assignment list --role \(name)) and apply again",
            code: error.code, status: error.status, requestID: error.requestID)
    }
}
