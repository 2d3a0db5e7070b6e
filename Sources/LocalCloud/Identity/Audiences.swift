/// The resources tokens can be requested for, and which audiences each API accepts.
enum Audience {
    /// ARM's accepted audiences (with and without the trailing slash), as its 401 message lists them.
    static let resourceManager = [
        "https://management.core.windows.net/", "https://management.core.windows.net",
        "https://management.azure.com/", "https://management.azure.com",
    ]
    static let graph = [
        "https://graph.microsoft.com/", "https://graph.microsoft.com", "00000003-0000-0000-c000-000000000000",
    ]
    static let machineLearning = ["https://ml.azure.com/", "https://ml.azure.com"]
    /// Key Vault's data plane (a token for it works in every vault of the tenant).
    static let keyVault = ["https://vault.azure.net", "https://vault.azure.net/"]

    /// The `aud` a token for `resource` carries, or nil when the tenant has no such resource.
    static func forResource(_ resource: String) -> String? {
        let known = resourceManager + graph + machineLearning + keyVault
        guard known.contains(resource) else { return nil }
        if resource == "00000003-0000-0000-c000-000000000000" { return "https://graph.microsoft.com/" }
        return resource.hasSuffix("/") ? resource : resource + "/"
    }
}
