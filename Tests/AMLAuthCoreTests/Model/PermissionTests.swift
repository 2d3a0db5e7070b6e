import AMLAuthCore
import Testing

/// ARM's wildcard rules for actions, the permission entries built on them, and the narrowest
/// built-in role preflight names.
struct PermissionTests {
    @Test(arguments: [
        ("*", "Microsoft.Authorization/roleAssignments/write", true),
        ("Microsoft.Authorization/*/Write", "microsoft.authorization/roleAssignments/write", true),
        ("Microsoft.Authorization/*/Write", "Microsoft.Authorization/roleAssignments/delete", false),
        ("Microsoft.Authorization/*", "Microsoft.Authorization/roleDefinitions/write", true),
        ("*/read", "Microsoft.MachineLearningServices/workspaces/services/aks/read", true),
        ("*/read", "Microsoft.MachineLearningServices/workspaces/services/aks/write", false),
        (
            "Microsoft.MachineLearningServices/workspaces/*/write",
            "Microsoft.MachineLearningServices/workspaces/services/aci/write", true
        ),
        (
            "Microsoft.MachineLearningServices/workspaces/*/write",
            "Microsoft.MachineLearningServices/workspaces/write", false
        ),
        ("Microsoft.KeyVault/vaults/secrets/*", "Microsoft.KeyVault/vaults/secrets/setSecret/action", true),
        ("Microsoft.Authorization/roleAssignments/write", "Microsoft.Authorization/roleAssignments/writer", false),
    ])
    func wildcardMatching(pattern: String, action: String, expected: Bool) {
        #expect(ActionPattern.matches(pattern, action) == expected, "\(pattern) vs \(action)")
    }

    @Test func notActionsSubtractWithinTheirEntryOnly() {
        let contributor = Permission(
            actions: ["*"], notActions: ["Microsoft.Authorization/*/Delete", "Microsoft.Authorization/*/Write"])
        #expect(!contributor.grants(action: NeededOperation.roleAssignmentWrite.name))
        #expect(contributor.grants(action: "Microsoft.MachineLearningServices/workspaces/services/aks/write"))
        let rbacAdministrator = Permission(actions: ["Microsoft.Authorization/roleAssignments/write"])
        let report = PreflightReport(
            needs(NeededOperation.roleAssignmentWrite), arm: [Self.scope: .granted([contributor, rbacAdministrator])],
            vaults: [:], graph: .claims(roles: [], scopes: []))
        #expect(report.missing.isEmpty, "another role's grant is not taken away by Contributor's notActions")
    }

    @Test func actionsNeverGrantDataActions() {
        let owner = Permission(actions: ["*"])
        #expect(!owner.grants(NeededOperation.setSecret))
        #expect(
            Permission(actions: [], dataActions: ["Microsoft.KeyVault/vaults/secrets/*"]).grants(
                NeededOperation.setSecret))
        #expect(
            !Permission(
                actions: [], dataActions: ["Microsoft.KeyVault/vaults/secrets/*"],
                notDataActions: ["Microsoft.KeyVault/vaults/secrets/setSecret/action"]
            ).grants(NeededOperation.setSecret))
    }

    @Test func narrowestBuiltInRoles() {
        #expect(
            BuiltInRolePermissions.narrowest(granting: NeededOperation.roleAssignmentWrite)?.name
                == "Role Based Access Control Administrator")
        #expect(
            BuiltInRolePermissions.narrowest(granting: NeededOperation.service("ACI", "write"))?.name
                == "AzureML Data Scientist")
        #expect(
            BuiltInRolePermissions.narrowest(granting: NeededOperation.service("AKS", "regeneratekeys/action"))?.name
                == "AzureML Data Scientist")
        #expect(
            BuiltInRolePermissions.narrowest(granting: NeededOperation.setSecret)?.name == "Key Vault Secrets Officer")
        #expect(
            BuiltInRolePermissions.narrowest(granting: AzureOperation("Microsoft.Nothing/at/all"))?.name
                == "Contributor")
    }

    @Test func missingPermissionsAreAllReportedWithRoleAndScope() {
        var needs = needs(NeededOperation.roleAssignmentWrite)
        needs.arm.append(
            .init(
                scope: Self.scope, operation: NeededOperation.service("AKS", "write"),
                neededBy: [ResourceAddress(.webservice, "svc")]))
        needs.graphWriters = [ResourceAddress(.servicePrincipal, "sp")]
        let report = PreflightReport(
            needs, arm: [Self.scope: .granted([Permission(actions: ["*/read"])])], vaults: [:],
            graph: .claims(roles: ["Application.Read.All"], scopes: []))
        #expect(report.missing.count == 3)
        #expect(
            report.missing.map(\.grantedBy) == [
                "Role Based Access Control Administrator", "AzureML Data Scientist", "Application.ReadWrite.OwnedBy",
            ])
        #expect(report.missing[0].message.contains("'Microsoft.Authorization/roleAssignments/write' at \(Self.scope)"))
        #expect(report.notes.allSatisfy { $0.blocking })
        #expect(report.notes.first?.missingPermission?.scope == Self.scope.description)
    }

    @Test func whatCannotBeReadIsANoteNotAMissingPermission() {
        var needs = needs(NeededOperation.roleAssignmentWrite)
        needs.graphWriters = [ResourceAddress(.servicePrincipal, "sp")]
        needs.vaultSinks = [.init(vault: "kv1", neededBy: ResourceAddress(.servicePrincipal, "sp"))]
        let report = PreflightReport(
            needs, arm: [Self.scope: .unreadable("the permissions API answered 403 AuthorizationFailed")], vaults: [:],
            graph: .unreadable("no token"))
        #expect(report.missing.isEmpty)
        #expect(report.unchecked.count == 3)
        #expect(report.notes.allSatisfy { !$0.blocking })
    }

    @Test func graphGrantsFromRolesOrDelegatedScopes() {
        #expect(GraphGrant.claims(roles: ["Application.ReadWrite.OwnedBy"], scopes: []).allowsApplicationWrite == true)
        #expect(GraphGrant.claims(roles: ["application.readwrite.all"], scopes: []).allowsApplicationWrite == true)
        #expect(GraphGrant.claims(roles: [], scopes: ["Directory.AccessAsUser.All"]).allowsApplicationWrite == true)
        #expect(GraphGrant.claims(roles: ["Directory.Read.All"], scopes: []).allowsApplicationWrite == false)
        #expect(GraphGrant.unreadable("x").allowsApplicationWrite == nil)
    }

    static let scope = AzureResourceID("/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/ml-rg")!

    private func needs(_ operation: AzureOperation) -> PermissionNeeds {
        var needs = PermissionNeeds()
        needs.arm = [.init(scope: Self.scope, operation: operation, neededBy: [ResourceAddress(.roleAssignment, "ra")])]
        return needs
    }
}
