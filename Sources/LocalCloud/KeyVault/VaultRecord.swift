/// A Key Vault with the RBAC permission model, and its secrets. Unlike application passwords,
/// secret values are kept as they were set: Key Vault returns them on every GET.
public struct VaultRecord: Codable, Sendable {
    public var name: String
    public var resourceGroup: String
    public var location: String
    /// Every version of every secret, oldest first.
    public var secrets: [SecretVersionRecord] = []

    public init(name: String, resourceGroup: String, location: String) {
        self.name = name
        self.resourceGroup = resourceGroup
        self.location = location
    }

    /// The vault's ARM id: the scope its role assignments are checked at.
    func resourceID(subscription: String) -> String {
        "/subscriptions/\(subscription)/resourceGroups/\(resourceGroup)/providers/Microsoft.KeyVault/vaults/\(name)"
    }
}

/// One version of a secret.
public struct SecretVersionRecord: Codable, Sendable {
    public var name: String
    /// 32 lower-case hex digits, as Key Vault writes versions.
    public var version: String
    public var value: String
    public var contentType: String?
    public var tags: [String: String]
    public var created: Double
}
