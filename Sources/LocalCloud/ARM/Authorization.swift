import AMLAuthCore

/// ARM's authorization decision: does any role assigned to the caller at the scope or above it
/// grant the action?
enum Authorization {
    /// True when `scope` is `target` or one of its ancestors (case-insensitive, whole segments).
    static func covers(_ scope: String, _ target: String) -> Bool {
        let scope = scope.lowercased().trimmingSuffix("/")
        let target = target.lowercased().trimmingSuffix("/")
        return scope.isEmpty || scope == "/" || target == scope || target.hasPrefix(scope + "/")
    }

    /// What `principalID` holds at `target`: one entry per role assigned to it at that scope or
    /// above. The permissions API returns exactly this, and every RBAC check below decides from
    /// it, so the two cannot disagree.
    static func permissions(of principalID: String, at target: String, in state: CloudState) -> [Permission] {
        state.roleAssignments.compactMap { assignment in
            guard assignment.principalID == principalID, covers(assignment.scope, target) else { return nil }
            return role(id: assignment.roleDefinitionID, in: state)?.permission
        }
    }

    static func isAllowed(_ principalID: String, _ action: String, at target: String, in state: CloudState) -> Bool {
        permissions(of: principalID, at: target, in: state).contains { $0.grants(action: action) }
    }

    /// The same decision for a data-plane action (Key Vault secrets), from roles' dataActions.
    static func isAllowed(_ principalID: String, dataAction: String, at target: String, in state: CloudState) -> Bool {
        permissions(of: principalID, at: target, in: state).contains { $0.grants(dataAction: dataAction) }
    }

    /// A built-in role, or a custom role definition of this tenant, by its GUID.
    static func role(id: String, in state: CloudState) -> RoleDefinition? {
        Roles.builtIn(id: id)
            ?? state.customRoles?.first { $0.id == id.lowercased() }.map(\.definition)
    }

    /// ARM's 403, word for word.
    static func denied(_ caller: Caller, _ action: String, _ scope: String) -> CloudResponse {
        ErrorBody.arm(
            403, "AuthorizationFailed",
            "The client '\(caller.objectID)' with object id '\(caller.objectID)' does not have authorization to perform action '\(action)' over scope '\(scope)' or the scope is invalid. If access was recently granted, please refresh your credentials."
        )
    }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String {
        var text = self
        while text.hasSuffix(suffix), !text.isEmpty { text.removeLast(suffix.count) }
        return text
    }
}
