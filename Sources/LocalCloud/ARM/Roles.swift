public import AMLAuthCore

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

    /// What the role grants, as ARM's permissions API reports it.
    public var permission: Permission {
        Permission(actions: actions, notActions: notActions, dataActions: dataActions, notDataActions: notDataActions)
    }
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

    /// The roles whose actions the local cloud enforces: AMLAuthCore's table, the one preflight
    /// reads too, so what the permissions API reports and what RBAC enforces cannot disagree.
    static let modelled: [RoleDefinition] = BuiltInRolePermissions.modelled.map {
        RoleDefinition(
            id: $0.guid, name: $0.name, description: $0.description, actions: $0.permission.actions,
            notActions: $0.permission.notActions, dataActions: $0.permission.dataActions,
            notDataActions: $0.permission.notDataActions)
    }

    public static func builtIn(named name: String) -> RoleDefinition? {
        byName[name.lowercased()].map { builtIns[$0] }
    }

    public static func builtIn(id: String) -> RoleDefinition? {
        byID[id.lowercased()].map { builtIns[$0] }
    }

    /// Whether `role` grants the data action (ARM's wildcard rules, over `dataActions` only).
    public static func grants(_ role: RoleDefinition, dataAction: String) -> Bool {
        role.permission.grants(dataAction: dataAction)
    }

    /// Whether `role` grants `action` (ARM's wildcard rules: `*` matches any run of characters,
    /// case-insensitively; notActions subtract).
    public static func grants(_ role: RoleDefinition, _ action: String) -> Bool {
        role.permission.grants(action: action)
    }
}
