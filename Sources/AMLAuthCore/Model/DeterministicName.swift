import WireFormat

/// Names derived from content, so the same desired object always gets the same name: role
/// assignments are named UUIDv5(amlauth namespace, "scope|principal|role"), lower-cased, which makes
/// a re-apply after any interruption converge instead of hitting `RoleAssignmentExists`.
public enum DeterministicName {
    /// amlauth's UUIDv5 namespace. Never change it: every existing assignment's name depends on it.
    public static let namespace: [UInt8] = [
        0x1f, 0x5d, 0x2c, 0x3a, 0x8b, 0x0e, 0x4d, 0x7c, 0x9a, 0x61, 0x3e, 0x2f, 0x4b, 0x5c, 0x6d, 0x7e,
    ]

    /// The name of the role assignment of `role` to `principal` at `scope` (all compared
    /// case-insensitively by ARM, so lower-cased here).
    public static func roleAssignment(scope: AzureResourceID, principalID: GUID, role: GUID) -> GUID {
        GUID(uuidV5(namespace: namespace, name: "\(scope.canonicalKey)|\(principalID.value)|\(role.value)"))!
    }

    /// The GUID (ARM `name`) of the custom role RoleDefinition `name` of Target `target`:
    /// UUIDv5 of "role-definition|target|name". A re-apply after any interruption PUTs the same
    /// id and converges instead of creating a second role (which ARM refuses by `roleName`,
    /// `RoleDefinitionWithSameNameExists`). The Target is part of it: role ids are tenant-wide,
    /// and two Targets in one tenant must not share one.
    public static func roleDefinition(target: String, name: String) -> GUID {
        GUID(uuidV5(namespace: namespace, name: "role-definition|\(target)|\(name)"))!
    }

    /// The `uniqueName` (Graph's client-chosen alternate key) of the application for manifest
    /// resource `address` of Target `target`: `amlauth-` and UUIDv5 of "application|target|address".
    /// Creating by this key (`PATCH /applications(uniqueName='…')`, `Prefer: create-if-missing`)
    /// makes creation idempotent: two applies that both planned the create make one application.
    /// The Target's name is part of it, as it is of every ownership marker: a renamed Target owns
    /// new objects.
    public static func applicationUniqueName(target: String, address: ResourceAddress) -> String {
        "amlauth-" + uuidV5(namespace: namespace, name: "application|\(target)|\(address)")
    }

    /// The `uniqueName` of the Graph object that serialises applies of Target `target` (a lease).
    public static func applyLeaseUniqueName(target: String) -> String {
        "amlauth-lease-" + uuidV5(namespace: namespace, name: "apply-lease|\(target)")
    }

    /// RFC 4122 version-5 UUID (SHA-1 of namespace and name), lower case.
    public static func uuidV5(namespace: [UInt8], name: String) -> String {
        var digest = Array(SHA1.hash(namespace + Array(name.utf8)).prefix(16))
        digest[6] = (digest[6] & 0x0F) | 0x50
        digest[8] = (digest[8] & 0x3F) | 0x80
        let hex = digest.map { byte -> String in
            let text = String(byte, radix: 16)
            return byte < 16 ? "0" + text : text
        }
        return [hex[0..<4], hex[4..<6], hex[6..<8], hex[8..<10], hex[10..<16]].map { $0.joined() }.joined(
            separator: "-")
    }
}
