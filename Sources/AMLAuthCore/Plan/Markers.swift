/// How amlauth recognises what it owns in the cloud (DESIGN.md §4).
public enum Markers {
    /// On every owned application: lists a target's applications with one query.
    public static func targetTag(_ target: String) -> String { "amlauth:\(target)" }
    /// On an owned application: which manifest resource it is.
    public static func resourceTag(_ target: String, _ name: String) -> String { "amlauth:\(target)/\(name)" }
    /// Whether a tag, key displayName or password displayName is one of amlauth's markers (of any
    /// target): an object carrying one is never adopted.
    public static func isMarker(_ text: String?) -> Bool { text?.hasPrefix("amlauth:") == true }
    /// The manifest name an owned application's tags give for `target`, if any.
    public static func resourceName(inTags tags: [String], target: String) -> String? {
        let prefix = targetTag(target) + "/"
        return tags.first { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }
    }
    /// The description of an owned role assignment.
    public static func assignmentDescription(_ target: String, _ name: String, _ extra: String?) -> String {
        "managed by amlauth: \(target)/\(name)" + (extra.map { " — \($0)" } ?? "")
    }
    /// The owner named in a role assignment's description, if amlauth wrote it.
    public static func assignmentOwner(_ description: String?) -> (target: String, name: String)? {
        guard let description, description.hasPrefix("managed by amlauth: ") else { return nil }
        let reference = description.dropFirst("managed by amlauth: ".count).prefix { $0 != " " }
        let parts = reference.split(separator: "/", maxSplits: 1).map(String.init)
        return parts.count == 2 ? (parts[0], parts[1]) : nil
    }
    /// The description of an owned custom role. Role definitions have no tags; their id alone
    /// cannot say who owns them (an adopted role keeps its own), so the owner is written where a
    /// role assignment's is, in the same form, and read back with `assignmentOwner`.
    /// (terraform-provider-azurerm's azurerm_role_definition needs no marker: its `role_definition_id`
    /// is Optional+Computed+ForceNew, a random UUID when unset, and its state file remembers it;
    /// amlauth keeps no state, so the id is deterministic and the description says who owns it.)
    public static func roleDefinitionDescription(_ target: String, _ name: String, _ extra: String?) -> String {
        assignmentDescription(target, name, extra)
    }
    /// kvTags of an owned web service.
    public static let serviceTarget = "amlauth.target"
    public static let serviceName = "amlauth.name"
    public static let keyGenerationPrimary = "amlauth.key-generation.primary"
    public static let keyGenerationSecondary = "amlauth.key-generation.secondary"
    /// displayName of an owned certificate: `amlauth:<credential>`.
    public static func certificateName(_ credential: String) -> String { "amlauth:\(credential)" }
    /// The credential an owned certificate's displayName names, if amlauth wrote it.
    public static func certificateOwner(_ displayName: String?) -> String? {
        guard let displayName, isMarker(displayName) else { return nil }
        return String(displayName.dropFirst("amlauth:".count))
    }
    /// displayName of an owned password: `amlauth:<credential>:<serial>`.
    public static func passwordName(_ credential: String, serial: Int) -> String { "amlauth:\(credential):\(serial)" }
    public static func passwordOwner(_ displayName: String?) -> (credential: String, serial: Int)? {
        guard let displayName, displayName.hasPrefix("amlauth:") else { return nil }
        let parts = displayName.split(separator: ":")
        guard parts.count == 3, let serial = Int(parts[2]) else { return nil }
        return (String(parts[1]), serial)
    }
}
