public import AzureProvider
import Engine

/// Custom roles in memory, with the rules ARM enforces where the engine relies on them: one custom
/// role per name (`RoleDefinitionWithSameNameExists`), no delete while an assignment names the role
/// (`RoleDefinitionHasAssignments`), a missing role's delete succeeds.
extension FakeCloud {
    public func listCustomRoles(scope: String) throws(AzureError) -> [AuthorizationClient.RoleDefinition] {
        try record("listCustomRoles \(scope)")
        return customRoles
    }

    public func putRoleDefinition(scope: String, _ definition: AuthorizationClient.RoleDefinition) throws(AzureError)
        -> AuthorizationClient.RoleDefinition
    {
        try record("putRoleDefinition \(definition.roleName)")
        if customRoles.contains(where: {
            $0.name != definition.name && $0.roleName.lowercased() == definition.roleName.lowercased()
        }) {
            throw AzureError(
                service: .resourceManager, status: 409, code: "RoleDefinitionWithSameNameExists",
                message: "A custom role with the same name already exists in this directory. Use a different name.",
                target: "PUT \(definition.name)")
        }
        customRoles.removeAll { $0.name == definition.name }
        customRoles.append(definition)
        return definition
    }

    @discardableResult
    public func deleteRoleDefinition(scope: String, name: String) throws(AzureError) -> Bool {
        try record("deleteRoleDefinition \(name)")
        if roleAssignments.contains(where: { $0.roleDefinitionGUID == name.lowercased() }) {
            throw AzureError(
                service: .resourceManager, status: 409, code: "RoleDefinitionHasAssignments",
                message: "There are existing role assignments referencing role (code: RoleDefinitionHasAssignments).",
                target: "DELETE \(name)")
        }
        let existed = customRoles.contains { $0.name == name.lowercased() }
        customRoles.removeAll { $0.name == name.lowercased() }
        return existed
    }

    /// Adds a custom role made outside amlauth (by the portal, `az role definition create`).
    public func addCustomRole(_ definition: AuthorizationClient.RoleDefinition) { customRoles.append(definition) }
}
