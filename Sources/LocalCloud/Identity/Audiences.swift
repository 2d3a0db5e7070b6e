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
    /// Azure ML's data plane (online endpoint scoring with Entra tokens): the public cloud's
    /// audience and the sovereign ones (`ml.azure.cn`, `ml.azure.us`; azureml-core
    /// `_AML_RESOURCE_ID_DICT`), so a client configured for any of them is served.
    static let machineLearning = [
        "https://ml.azure.com/", "https://ml.azure.com", "https://ml.azure.cn/", "https://ml.azure.cn",
        "https://ml.azure.us/", "https://ml.azure.us",
    ]
    /// Key Vault's data plane (a token for it works in every vault of the tenant).
    static let keyVault = ["https://vault.azure.net", "https://vault.azure.net/"]

    /// ARM's audiences on this origin: the public names, and the cloud's own resource-manager URL
    /// (`https://127.0.0.1:PORT/`). In the public cloud the two coincide (`resourceManager` in
    /// the cloud-metadata document is `https://management.azure.com/`, an accepted audience), and
    /// azure-ai-ml asks for `{resourceManager}/.default` (`_get_cloud_information_from_metadata`).
    static func resourceManager(base: String) -> [String] {
        resourceManager + [base + "/", base]
    }

    /// The `aud` a token for `resource` carries, or nil when the tenant has no such resource.
    /// `base` is the cloud's origin, its resource-manager URL.
    static func forResource(_ resource: String, base: String) -> String? {
        if resource == base || resource == base + "/" { return base + "/" }
        let known = resourceManager + graph + machineLearning + keyVault
        guard known.contains(resource) else { return nil }
        if resource == "00000003-0000-0000-c000-000000000000" { return "https://graph.microsoft.com/" }
        return resource.hasSuffix("/") ? resource : resource + "/"
    }
}
