/// The built-in roles whose permissions amlauth knows: the local cloud enforces exactly these
/// (its RBAC and its permissions API both read this table), and preflight names the narrowest of
/// them that grants a missing permission. Abridged from the real definitions to the resource types
/// amlauth touches (MicrosoftDocs azure-docs, role-based-access-control/built-in-roles); every
/// other built-in role (`RoleReference.builtIns`) is known by name and GUID only.
public struct BuiltInRolePermissions: Sendable {
    public var name: String
    public var guid: String
    public var description: String
    public var permission: Permission

    public init(name: String, guid: String, description: String, permission: Permission) {
        self.name = name
        self.guid = guid
        self.description = description
        self.permission = permission
    }

    /// The narrowest modelled built-in role that grants `operation`: the one whose granting
    /// pattern is the most specific (an exact action beats `Microsoft.Authorization/*`, which
    /// beats `*`), then the one with the fewest actions, then the most notActions, then by name.
    /// "Fewest actions" alone would pick User Access Administrator (3 patterns, one of them
    /// `Microsoft.Authorization/*`) over Role Based Access Control Administrator, whose two exact
    /// role-assignment actions are what Microsoft recommends for assigning roles.
    public static func narrowest(granting operation: AzureOperation) -> BuiltInRolePermissions? {
        let ranked = modelled.compactMap { role in
            role.permission.specificity(granting: operation).map { (role, $0) }
        }
        return ranked.min { left, right in
            let (a, b) = (left.0.permission, right.0.permission)
            if left.1 != right.1 { return left.1 > right.1 }
            let (aCount, bCount) = (a.actions.count + a.dataActions.count, b.actions.count + b.dataActions.count)
            if aCount != bCount { return aCount < bCount }
            if a.notActions.count != b.notActions.count { return a.notActions.count > b.notActions.count }
            return left.0.name < right.0.name
        }?.0
    }

    /// The modelled role with this role-definition GUID (lower-case).
    public static func role(guid: String) -> BuiltInRolePermissions? {
        byGUID[guid.lowercased()].map { modelled[$0] }
    }

    private static let byGUID: [String: Int] = Dictionary(
        modelled.enumerated().map { ($0.element.guid, $0.offset) }, uniquingKeysWith: { first, _ in first })

    /// The table.
    public static let modelled: [BuiltInRolePermissions] = [
        BuiltInRolePermissions(
            name: "Owner", guid: "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
            description:
                "Grants full access to manage all resources, including the ability to assign roles in Azure RBAC.",
            permission: Permission(actions: ["*"])),
        BuiltInRolePermissions(
            name: "Contributor", guid: "b24988ac-6180-42a0-ab88-20f7382dd24c",
            description:
                "Grants full access to manage all resources, but does not allow you to assign roles in Azure RBAC.",
            permission: Permission(
                actions: ["*"],
                notActions: [
                    "Microsoft.Authorization/*/Delete", "Microsoft.Authorization/*/Write",
                    "Microsoft.Authorization/elevateAccess/Action",
                ])),
        BuiltInRolePermissions(
            name: "Reader", guid: "acdd72a7-3385-48ef-bd42-f606fba81ae7",
            description: "View all resources, but does not allow you to make any changes.",
            permission: Permission(actions: ["*/read"])),
        BuiltInRolePermissions(
            name: "User Access Administrator", guid: "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
            description: "Lets you manage user access to Azure resources.",
            permission: Permission(actions: ["*/read", "Microsoft.Authorization/*", "Microsoft.Support/*"])),
        BuiltInRolePermissions(
            name: "Role Based Access Control Administrator", guid: "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
            description: "Manage access to Azure resources by assigning roles using Azure RBAC.",
            permission: Permission(actions: [
                "Microsoft.Authorization/roleAssignments/write", "Microsoft.Authorization/roleAssignments/delete",
                "*/read", "Microsoft.Support/*",
            ])),
        BuiltInRolePermissions(
            name: "AzureML Data Scientist", guid: "f6c7c914-8db3-469d-8ca1-694a8f32e121",
            description:
                "Can perform all actions within an Azure Machine Learning workspace, except for creating or deleting compute resources and modifying the workspace itself.",
            permission: Permission(
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
                    "Microsoft.Authorization/*",
                    "Microsoft.MachineLearningServices/workspaces/computes/listKeys/action",
                    "Microsoft.MachineLearningServices/workspaces/listKeys/action",
                ])),
        BuiltInRolePermissions(
            name: "AzureML Compute Operator", guid: "e503ece1-11d0-4e8e-8e2c-7a6c3bf38815",
            description:
                "Can access and perform CRUD operations on Machine Learning Services managed compute resources.",
            permission: Permission(actions: [
                "Microsoft.MachineLearningServices/workspaces/computes/*",
                "Microsoft.MachineLearningServices/workspaces/notebooks/vm/*",
                "Microsoft.MachineLearningServices/workspaces/read",
            ])),
        BuiltInRolePermissions(
            name: "AzureML Registry User", guid: "1823dd4f-9b8c-4ab6-ab4e-7397a3684615",
            description: "Allows for read, write and delete access to Azure Machine Learning registry assets.",
            permission: Permission(actions: [
                "Microsoft.MachineLearningServices/registries/read",
                "Microsoft.MachineLearningServices/registries/assets/*",
            ])),
        BuiltInRolePermissions(
            name: "AzureML Metrics Writer (preview)", guid: "635dd51f-9968-44d3-b7fb-6d9a6bd613ae",
            description: "Lets you write metrics to AzureML workspace.",
            permission: Permission(actions: ["Microsoft.MachineLearningServices/workspaces/metrics/*/write"])),
        BuiltInRolePermissions(
            name: "Azure Machine Learning Workspace Connection Secrets Reader",
            guid: "ea01e6af-a1c1-4350-9563-ad00f8c72ec5",
            description: "Users with this role can read machine learning workspace connection secrets.",
            permission: Permission(actions: [
                "Microsoft.MachineLearningServices/workspaces/connections/listsecrets/action",
                "Microsoft.MachineLearningServices/workspaces/metadata/secrets/read",
            ])),
        BuiltInRolePermissions(
            name: "Azure AI Developer", guid: "64702f94-c441-49e6-a78b-ef80e0188fee",
            description: "Can perform all actions within an Azure AI resource besides managing the resource itself.",
            permission: Permission(
                actions: [
                    "Microsoft.MachineLearningServices/workspaces/*/read",
                    "Microsoft.MachineLearningServices/workspaces/*/action",
                    "Microsoft.MachineLearningServices/workspaces/*/delete",
                    "Microsoft.MachineLearningServices/workspaces/*/write",
                ],
                notActions: [
                    "Microsoft.MachineLearningServices/workspaces/delete",
                    "Microsoft.MachineLearningServices/workspaces/write", "Microsoft.Authorization/*",
                ])),
        // Key Vault's data-plane roles (RBAC vaults), abridged to secrets.
        BuiltInRolePermissions(
            name: "Key Vault Secrets Officer", guid: "b86a8fe4-44ce-4948-aee5-eccb2c155cd7",
            description:
                "Perform any action on the secrets of a key vault, except manage permissions. Only works for key vaults that use the 'Azure role-based access control' permission model.",
            permission: Permission(
                actions: ["Microsoft.Authorization/*/read", "Microsoft.KeyVault/vaults/*/read"],
                dataActions: ["Microsoft.KeyVault/vaults/secrets/*"])),
        BuiltInRolePermissions(
            name: "Key Vault Secrets User", guid: "4633458b-17de-408a-b874-0445c86b69e6",
            description:
                "Read secret contents. Only works for key vaults that use the 'Azure role-based access control' permission model.",
            permission: Permission(
                actions: [],
                dataActions: [
                    "Microsoft.KeyVault/vaults/secrets/getSecret/action",
                    "Microsoft.KeyVault/vaults/secrets/readMetadata/action",
                ])),
    ]
}
