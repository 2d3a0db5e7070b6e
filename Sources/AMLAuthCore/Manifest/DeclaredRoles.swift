import YAMLSource

/// The RoleDefinitions a manifest set declares, read from the raw documents before any is
/// decoded: a RoleAssignment's `role` may name one declared later, or in another file.
struct DeclaredRoles: Sendable {
    /// The first Target's `metadata.name`: part of every definition's GUID.
    private(set) var target = ""
    /// Definition `metadata.name`s, by lower-cased `metadata.name` and `role_name` (ARM compares
    /// role names without case).
    private var byName: [String: [String]] = [:]

    init() {}

    /// Adds the Target and RoleDefinitions among `roots` (one file's documents at a time).
    mutating func scan(_ roots: [YAMLNode]) {
        for root in roots {
            guard let kind = root["kind"]?.scalar?.value, let name = root["metadata"]?["name"]?.scalar?.value,
                !name.isEmpty
            else { continue }
            if kind == ManifestKind.target.rawValue, target.isEmpty { target = name }
            guard kind == ManifestKind.roleDefinition.rawValue else { continue }
            var keys = [name.lowercased()]
            if let roleName = root["spec"]?["role_name"]?.scalar?.value, !roleName.isEmpty,
                roleName.lowercased() != keys[0]
            {
                keys.append(roleName.lowercased())
            }
            for key in keys where byName[key]?.contains(name) != true { byName[key, default: []].append(name) }
        }
    }

    /// The definitions `text` names, by `metadata.name` or `role_name`.
    func definitions(named text: String) -> [String] { byName[text.lowercased()] ?? [] }

    /// Every name a role may be given by, for "did you mean" hints.
    var names: [String] { byName.values.flatMap { $0 }.sorted() }

    /// The role `text` names when it names exactly one definition.
    func reference(_ text: String) -> RoleReference? {
        let found = definitions(named: text)
        return found.count == 1 ? .definition(found[0], target: target) : nil
    }

    /// Whether a document must wait for every file's definitions before it is decoded: a
    /// RoleAssignment whose `role` is neither a GUID nor a built-in role's name may name a
    /// RoleDefinition of a later file (or one that a later file makes ambiguous).
    static func needsEveryDefinition(_ root: YAMLNode) -> Bool {
        guard root["kind"]?.scalar?.value == ManifestKind.roleAssignment.rawValue,
            let text = root["spec"]?["role"]?.scalar?.value
        else { return false }
        return GUID(text) == nil && RoleReference.builtIn(named: text) == nil
    }
}
