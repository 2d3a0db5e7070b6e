/// A role as a manifest names it: a built-in role by name, a RoleDefinition of the manifests by
/// its name, or any role definition by GUID. Roles are compared by GUID only, never by name or ID
/// form.
public struct RoleReference: Sendable, Hashable, CustomStringConvertible {
    public var guid: GUID
    /// The built-in name, when the role is one amlauth knows.
    public var builtInName: String?
    /// The `metadata.name` of the RoleDefinition of the manifests this role is; its GUID is then
    /// `DeterministicName.roleDefinition`, or the adopted role's (decided by the planner).
    public var definition: String?

    public init(guid: GUID, builtInName: String? = nil, definition: String? = nil) {
        self.guid = guid
        self.builtInName = builtInName
        self.definition = definition
    }

    /// The RoleDefinition `name` of Target `target`, by its deterministic GUID.
    public static func definition(_ name: String, target: String) -> RoleReference {
        RoleReference(guid: DeterministicName.roleDefinition(target: target, name: name), definition: name)
    }

    /// Resolves a built-in role name (case-insensitive) or a GUID; nil when it is neither.
    public init?(parsing text: String) {
        if let guid = GUID(text) {
            self.init(guid: guid, builtInName: Self.byGUID[guid.value].map { Self.builtIns[$0].name })
        } else if let builtIn = Self.builtIn(named: text) {
            self.init(guid: GUID(builtIn.guid)!, builtInName: builtIn.name)
        } else {
            return nil
        }
    }

    /// `builtIns` by lower-cased name and by GUID (the table is generated: BuiltInRoles.swift).
    private static let byName: [String: Int] = Dictionary(
        builtIns.enumerated().map { ($0.element.name.lowercased(), $0.offset) }, uniquingKeysWith: { first, _ in first }
    )
    private static let byGUID: [String: Int] = Dictionary(
        builtIns.enumerated().map { ($0.element.guid, $0.offset) }, uniquingKeysWith: { first, _ in first })

    /// The built-in role named `name` (without case), if Azure has one.
    public static func builtIn(named name: String) -> (name: String, guid: String)? {
        byName[name.lowercased()].map { builtIns[$0] }
    }

    public static let owner = RoleReference(parsing: "Owner")!
    public static let contributor = RoleReference(parsing: "Contributor")!
    public static let reader = RoleReference(parsing: "Reader")!
    public static let userAccessAdministrator = RoleReference(parsing: "User Access Administrator")!

    /// Roles that grant far more than an ML service principal needs (policy AMLA001).
    public var isPrivileged: Bool {
        [Self.owner.guid, Self.contributor.guid, Self.userAccessAdministrator.guid].contains(guid)
    }

    public var description: String { builtInName ?? definition.map { "RoleDefinition/\($0)" } ?? guid.value }

    public static func == (lhs: RoleReference, rhs: RoleReference) -> Bool { lhs.guid == rhs.guid }
    public func hash(into hasher: inout Hasher) { hasher.combine(guid) }
}
