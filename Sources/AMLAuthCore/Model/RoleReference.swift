/// A role as a manifest names it: a built-in role by name, or any role definition by GUID.
/// Roles are compared by GUID only, never by name or ID form.
public struct RoleReference: Sendable, Hashable, CustomStringConvertible {
    public var guid: GUID
    /// The built-in name, when the role is one amlauth knows.
    public var builtInName: String?

    public init(guid: GUID, builtInName: String? = nil) {
        self.guid = guid
        self.builtInName = builtInName
    }

    /// Resolves a built-in role name (case-insensitive) or a GUID; nil when it is neither.
    public init?(parsing text: String) {
        if let guid = GUID(text) {
            self.init(guid: guid, builtInName: Self.builtIns.first(where: { $0.guid == guid.value })?.name)
        } else if let builtIn = Self.builtIns.first(where: { $0.name.lowercased() == text.lowercased() }) {
            self.init(guid: GUID(builtIn.guid)!, builtInName: builtIn.name)
        } else {
            return nil
        }
    }

    /// The built-in roles amlauth names; GUIDs are identical in every cloud and subscription.
    public static let builtIns: [(name: String, guid: String)] = [
        ("Owner", "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"),
        ("Contributor", "b24988ac-6180-42a0-ab88-20f7382dd24c"),
        ("Reader", "acdd72a7-3385-48ef-bd42-f606fba81ae7"),
        ("User Access Administrator", "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"),
        ("Role Based Access Control Administrator", "f58310d9-a9f6-439a-9e8d-f62e7b41a168"),
        ("AzureML Data Scientist", "f6c7c914-8db3-469d-8ca1-694a8f32e121"),
        ("AzureML Compute Operator", "e503ece1-11d0-4e8e-8e2c-7a6c3bf38815"),
        ("AzureML Registry User", "1823dd4f-9b8c-4ab6-ab4e-7397a3684615"),
        ("AzureML Metrics Writer (preview)", "635dd51f-9968-44d3-b7fb-6d9a6bd613ae"),
        ("Azure Machine Learning Workspace Connection Secrets Reader", "ea01e6af-a1c1-4350-9563-ad00f8c72ec5"),
        ("Azure AI Developer", "64702f94-c441-49e6-a78b-ef80e0188fee"),
    ]

    public static let owner = RoleReference(parsing: "Owner")!
    public static let contributor = RoleReference(parsing: "Contributor")!
    public static let reader = RoleReference(parsing: "Reader")!
    public static let userAccessAdministrator = RoleReference(parsing: "User Access Administrator")!

    /// Roles that grant far more than an ML service principal needs (policy AMLA001).
    public var isPrivileged: Bool {
        [Self.owner.guid, Self.contributor.guid, Self.userAccessAdministrator.guid].contains(guid)
    }

    public var description: String { builtInName ?? guid.value }

    public static func == (lhs: RoleReference, rhs: RoleReference) -> Bool { lhs.guid == rhs.guid }
    public func hash(into hasher: inout Hasher) { hasher.combine(guid) }
}
