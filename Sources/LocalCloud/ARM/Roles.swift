import AMLAuthCore

/// A built-in role definition the local cloud serves: the roles it models carry their actions and
/// notActions (abridged from the real definitions to the resource types the local cloud serves);
/// every other Azure built-in role is served with its real name and id and no actions, so plans and
/// assignments that name it work, and it grants nothing here.
public struct RoleDefinition: Sendable {
    public var id: String
    public var name: String
    public var description: String
    public var actions: [String]
    public var notActions: [String]
    /// Data-plane actions (Key Vault secrets): `actions` never grant them, so Owner cannot read or
    /// set a secret in an RBAC vault, as in Azure.
    public var dataActions: [String] = []
    public var notDataActions: [String] = []
}

public enum Roles {
    /// Every Azure built-in role (`RoleReference.builtIns`, generated from the Azure docs), with the
    /// modelled ones' permissions.
    public static let builtIns: [RoleDefinition] = {
        let ids = Set(modelled.map(\.id))
        return modelled
            + RoleReference.builtIns.filter { !ids.contains($0.guid) }.map {
                RoleDefinition(
                    id: $0.guid, name: $0.name,
                    description: "Azure built-in role; the local cloud models none of its actions.", actions: [],
                    notActions: [])
            }
    }()

    private static let byName: [String: Int] = Dictionary(
        builtIns.enumerated().map { ($0.element.name.lowercased(), $0.offset) }, uniquingKeysWith: { first, _ in first }
    )
    private static let byID: [String: Int] = Dictionary(
        builtIns.enumerated().map { ($0.element.id, $0.offset) }, uniquingKeysWith: { first, _ in first })

    /// The roles whose actions the local cloud enforces.
    static let modelled: [RoleDefinition] = [
        RoleDefinition(
            id: "8e3af657-a8ff-443c-a75c-2fe8c4bcb635", name: "Owner",
            description:
                "Grants full access to manage all resources, including the ability to assign roles in Azure RBAC.",
            actions: ["*"], notActions: []),
        RoleDefinition(
            id: "b24988ac-6180-42a0-ab88-20f7382dd24c", name: "Contributor",
            description:
                "Grants full access to manage all resources, but does not allow you to assign roles in Azure RBAC.",
            actions: ["*"],
            notActions: [
                "Microsoft.Authorization/*/Delete", "Microsoft.Authorization/*/Write",
                "Microsoft.Authorization/elevateAccess/Action",
            ]),
        RoleDefinition(
            id: "acdd72a7-3385-48ef-bd42-f606fba81ae7", name: "Reader",
            description: "View all resources, but does not allow you to make any changes.",
            actions: ["*/read"], notActions: []),
        RoleDefinition(
            id: "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9", name: "User Access Administrator",
            description: "Lets you manage user access to Azure resources.",
            actions: ["*/read", "Microsoft.Authorization/*", "Microsoft.Support/*"], notActions: []),
        RoleDefinition(
            id: "f58310d9-a9f6-439a-9e8d-f62e7b41a168", name: "Role Based Access Control Administrator",
            description: "Manage access to Azure resources by assigning roles using Azure RBAC.",
            actions: [
                "Microsoft.Authorization/roleAssignments/write", "Microsoft.Authorization/roleAssignments/delete",
                "*/read", "Microsoft.Support/*",
            ],
            notActions: []),
        RoleDefinition(
            id: "f6c7c914-8db3-469d-8ca1-694a8f32e121", name: "AzureML Data Scientist",
            description:
                "Can perform all actions within an Azure Machine Learning workspace, except for creating or deleting compute resources and modifying the workspace itself.",
            actions: [
                "Microsoft.MachineLearningServices/workspaces/*/read",
                "Microsoft.MachineLearningServices/workspaces/*/action",
                "Microsoft.MachineLearningServices/workspaces/*/delete",
                "Microsoft.MachineLearningServices/workspaces/*/write",
            ],
            notActions: [
                "Microsoft.MachineLearningServices/workspaces/delete",
                "Microsoft.MachineLearningServices/workspaces/write",
                "Microsoft.MachineLearningServices/workspaces/computes/*/write",
                "Microsoft.MachineLearningServices/workspaces/computes/*/delete",
                "Microsoft.Authorization/*", "Microsoft.MachineLearningServices/workspaces/computes/listKeys/action",
                "Microsoft.MachineLearningServices/workspaces/listKeys/action",
            ]),
        RoleDefinition(
            id: "e503ece1-11d0-4e8e-8e2c-7a6c3bf38815", name: "AzureML Compute Operator",
            description:
                "Can access and perform CRUD operations on Machine Learning Services managed compute resources.",
            actions: [
                "Microsoft.MachineLearningServices/workspaces/computes/*",
                "Microsoft.MachineLearningServices/workspaces/notebooks/vm/*",
                "Microsoft.MachineLearningServices/workspaces/read",
            ],
            notActions: []),
        RoleDefinition(
            id: "1823dd4f-9b8c-4ab6-ab4e-7397a3684615", name: "AzureML Registry User",
            description: "Allows for read, write and delete access to Azure Machine Learning registry assets.",
            actions: [
                "Microsoft.MachineLearningServices/registries/read",
                "Microsoft.MachineLearningServices/registries/assets/*",
            ], notActions: []),
        RoleDefinition(
            id: "635dd51f-9968-44d3-b7fb-6d9a6bd613ae", name: "AzureML Metrics Writer (preview)",
            description: "Lets you write metrics to AzureML workspace.",
            actions: ["Microsoft.MachineLearningServices/workspaces/metrics/*/write"], notActions: []),
        RoleDefinition(
            id: "ea01e6af-a1c1-4350-9563-ad00f8c72ec5",
            name: "Azure Machine Learning Workspace Connection Secrets Reader",
            description: "Users with this role can read machine learning workspace connection secrets.",
            actions: [
                "Microsoft.MachineLearningServices/workspaces/connections/listsecrets/action",
                "Microsoft.MachineLearningServices/workspaces/metadata/secrets/read",
            ],
            notActions: []),
        RoleDefinition(
            id: "64702f94-c441-49e6-a78b-ef80e0188fee", name: "Azure AI Developer",
            description: "Can perform all actions within an Azure AI resource besides managing the resource itself.",
            actions: [
                "Microsoft.MachineLearningServices/workspaces/*/read",
                "Microsoft.MachineLearningServices/workspaces/*/action",
                "Microsoft.MachineLearningServices/workspaces/*/delete",
                "Microsoft.MachineLearningServices/workspaces/*/write",
            ],
            notActions: [
                "Microsoft.MachineLearningServices/workspaces/delete",
                "Microsoft.MachineLearningServices/workspaces/write", "Microsoft.Authorization/*",
            ]),
        // Key Vault's data-plane roles (RBAC vaults), abridged to secrets.
        RoleDefinition(
            id: "b86a8fe4-44ce-4948-aee5-eccb2c155cd7", name: "Key Vault Secrets Officer",
            description:
                "Perform any action on the secrets of a key vault, except manage permissions. Only works for key vaults that use the 'Azure role-based access control' permission model.",
            actions: ["Microsoft.Authorization/*/read", "Microsoft.KeyVault/vaults/*/read"], notActions: [],
            dataActions: ["Microsoft.KeyVault/vaults/secrets/*"]),
        RoleDefinition(
            id: "4633458b-17de-408a-b874-0445c86b69e6", name: "Key Vault Secrets User",
            description:
                "Read secret contents. Only works for key vaults that use the 'Azure role-based access control' permission model.",
            actions: [], notActions: [],
            dataActions: [
                "Microsoft.KeyVault/vaults/secrets/getSecret/action",
                "Microsoft.KeyVault/vaults/secrets/readMetadata/action",
            ]),
    ]

    public static func builtIn(named name: String) -> RoleDefinition? {
        byName[name.lowercased()].map { builtIns[$0] }
    }

    public static func builtIn(id: String) -> RoleDefinition? {
        byID[id.lowercased()].map { builtIns[$0] }
    }

    /// Whether `role` grants `action` (ARM's wildcard rules: `*` matches any run of characters,
    /// case-insensitively; notActions subtract).
    /// Whether `role` grants the data action (same wildcard rules, over `dataActions` only).
    public static func grants(_ role: RoleDefinition, dataAction: String) -> Bool {
        role.dataActions.contains { matches($0, dataAction) }
            && !role.notDataActions.contains { matches($0, dataAction) }
    }

    public static func grants(_ role: RoleDefinition, _ action: String) -> Bool {
        role.actions.contains { matches($0, action) } && !role.notActions.contains { matches($0, action) }
    }

    static func matches(_ pattern: String, _ action: String) -> Bool {
        let pattern = Array(pattern.lowercased().utf8)
        let text = Array(action.lowercased().utf8)
        // Iterative glob with backtracking to the last '*'.
        var p = 0
        var t = 0
        var star = -1
        var mark = 0
        while t < text.count {
            if p < pattern.count, pattern[p] == UInt8(ascii: "*") {
                star = p
                mark = t
                p += 1
            } else if p < pattern.count, pattern[p] == text[t] {
                p += 1
                t += 1
            } else if star >= 0 {
                p = star + 1
                mark += 1
                t = mark
            } else {
                return false
            }
        }
        while p < pattern.count, pattern[p] == UInt8(ascii: "*") { p += 1 }
        return p == pattern.count
    }
}
