public import AMLAuthCore
import HTTPClient
import WireFormat

/// Where a cloud's services live and which audiences their tokens need. Built-in for the three
/// public clouds; anything else (the local cloud included) comes from a cloud JSON file.
public struct AzureCloudEndpoints: Sendable, Equatable {
    public var name: String
    /// Entra ID login host, e.g. `https://login.microsoftonline.com` (no trailing slash).
    public var activeDirectory: String
    /// ARM base URL with a trailing slash.
    public var resourceManager: String
    /// The resource ARM tokens are requested for (`…/.default` is appended).
    public var resourceManagerAudience: String
    /// Microsoft Graph base URL with a trailing slash.
    public var microsoftGraph: String
    public var microsoftGraphAudience: String
    /// Legacy endpoints written into sdk-auth files for tools that read them.
    public var activeDirectoryGraphResourceID: String?
    public var sqlManagement: String?
    public var gallery: String?
    public var management: String?
    /// An extra CA to trust (the local cloud's), as a file path.
    public var caCertificate: String?
    /// The suffix of the cloud's Azure ML service hosts (`api.azureml.ms`: a workspace's discovery
    /// document names `https://<region>.api.azureml.ms`). Tokens go to hosts under it and to the
    /// endpoints above, nowhere else (`TokenHostPolicy`). nil: Azure ML lives on the endpoints'
    /// own origins, as in the local cloud.
    public var machineLearningHostSuffix: String? = nil
    /// The audience of the external token exchanged for an Entra token (GitHub Actions OIDC):
    /// per cloud, as `CloudReference.tokenExchangeAudience` explains (audit D15).
    public var tokenExchangeAudience = "api://AzureADTokenExchange"

    /// The audience of tokens for the Azure ML v1 model-management API. azureml-core asks for the
    /// cloud's `active_directory_resource_id` (`https://management.core.windows.net/` in the public
    /// cloud; azureml/core/authentication.py `_get_arm_token`, _vendor/azure_cli_core/cloud.py), not
    /// ARM's newer `https://management.azure.com/`: the SDK's audience is the one MMS is known to
    /// accept (fidelity audit D10).
    public var machineLearningAudience: String { management ?? resourceManagerAudience }

    /// Where Key Vault lives (`keyvault:` sinks): vault `v` is `https://v.<suffix>/` in the
    /// public clouds (`vault.azure.net`, `vault.azure.cn`, `vault.usgovcloudapi.net`). A vault
    /// token goes to hosts under this suffix only, and no other token goes there.
    public var keyVaultDNSSuffix: String? = nil
    /// For clouds without vault host names (the local cloud, on one origin): vault `v` is
    /// `<keyVaultBase>v/`. Used when `keyVaultDNSSuffix` is nil.
    public var keyVaultBase: String? = nil
    /// The resource Key Vault tokens are requested for (`…/.default` is appended): the vault's
    /// own audience, never ARM's, as azure-keyvault-secrets asks for it.
    public var keyVaultAudience: String = "https://vault.azure.net"
    /// ARM's request limits, which amlauth paces itself by (`ARMPacer`): Azure's documented
    /// buckets, or what a cloud file's `resourceManagerLimits` says (the local cloud's, scaled).
    public var resourceManagerLimits: ARMThrottleLimits = .documented

    public static let azureCloud = AzureCloudEndpoints(
        name: "AzureCloud", activeDirectory: "https://login.microsoftonline.com",
        resourceManager: "https://management.azure.com/",
        resourceManagerAudience: "https://management.azure.com/", microsoftGraph: "https://graph.microsoft.com/",
        microsoftGraphAudience: "https://graph.microsoft.com/",
        activeDirectoryGraphResourceID: "https://graph.windows.net/",
        sqlManagement: "https://management.core.windows.net:8443/", gallery: "https://gallery.azure.com/",
        management: "https://management.core.windows.net/", caCertificate: nil,
        machineLearningHostSuffix: "api.azureml.ms", keyVaultDNSSuffix: "vault.azure.net",
        keyVaultAudience: "https://vault.azure.net")

    public static let azureChinaCloud = AzureCloudEndpoints(
        name: "AzureChinaCloud", activeDirectory: "https://login.chinacloudapi.cn",
        resourceManager: "https://management.chinacloudapi.cn/",
        resourceManagerAudience: "https://management.chinacloudapi.cn/",
        microsoftGraph: "https://microsoftgraph.chinacloudapi.cn/",
        microsoftGraphAudience: "https://microsoftgraph.chinacloudapi.cn/",
        activeDirectoryGraphResourceID: "https://graph.chinacloudapi.cn/",
        sqlManagement: "https://management.core.chinacloudapi.cn:8443/", gallery: "https://gallery.chinacloudapi.cn/",
        management: "https://management.core.chinacloudapi.cn/", caCertificate: nil,
        machineLearningHostSuffix: "api.ml.azure.cn", tokenExchangeAudience: "api://AzureADTokenExchangeChina",
        keyVaultDNSSuffix: "vault.azure.cn", keyVaultAudience: "https://vault.azure.cn")

    public static let azureUSGovernment = AzureCloudEndpoints(
        name: "AzureUSGovernment", activeDirectory: "https://login.microsoftonline.us",
        resourceManager: "https://management.usgovcloudapi.net/",
        resourceManagerAudience: "https://management.usgovcloudapi.net/", microsoftGraph: "https://graph.microsoft.us/",
        microsoftGraphAudience: "https://graph.microsoft.us/",
        activeDirectoryGraphResourceID: "https://graph.windows.net/",
        sqlManagement: "https://management.core.usgovcloudapi.net:8443/", gallery: "https://gallery.usgovcloudapi.net/",
        management: "https://management.core.usgovcloudapi.net/", caCertificate: nil,
        machineLearningHostSuffix: "api.ml.azure.us", tokenExchangeAudience: "api://AzureADTokenExchangeUSGov",
        keyVaultDNSSuffix: "vault.usgovcloudapi.net", keyVaultAudience: "https://vault.usgovcloudapi.net")

    public static func builtIn(_ name: String) -> AzureCloudEndpoints? {
        [azureCloud, azureChinaCloud, azureUSGovernment].first { $0.name.lowercased() == name.lowercased() }
    }

    /// What a cloud file says besides endpoints (the local cloud's file names its tenant,
    /// subscription and bootstrap credentials).
    public struct FileExtras: Sendable, Equatable {
        public var tenantID: String?
        public var subscriptionID: String?
        public var bootstrapClientID: String?
        public var bootstrapClientSecret: String?

        public init(
            tenantID: String? = nil, subscriptionID: String? = nil, bootstrapClientID: String? = nil,
            bootstrapClientSecret: String? = nil
        ) {
            self.tenantID = tenantID
            self.subscriptionID = subscriptionID
            self.bootstrapClientID = bootstrapClientID
            self.bootstrapClientSecret = bootstrapClientSecret
        }
    }

    public struct FileError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Parses a cloud JSON file (the format `amlauth local-cloud serve` prints).
    public static func parse(cloudFile bytes: [UInt8], path: String) throws(FileError) -> (
        AzureCloudEndpoints, FileExtras
    ) {
        let json: JSONValue
        do {
            json = try JSONParser.parse(bytes)
        } catch {
            throw FileError(description: "\(path): not valid JSON (\(error))")
        }
        let endpoints = json["endpoints"]
        func required(_ key: String) throws(FileError) -> String {
            guard let value = endpoints?[key]?.stringValue else {
                throw FileError(description: "\(path): endpoints.\(key) must be an https URL")
            }
            // The transport's own check, on libcurl's parse of the URL: https, or plain http to a
            // loopback IP literal; never a user name or password (`http://127.0.0.1@host`).
            if let refusal = CurlTransport.refusal(for: value) {
                throw FileError(description: "\(path): endpoints.\(key) must be an https URL: \(refusal)")
            }
            return value
        }
        func slash(_ text: String) -> String { text.hasSuffix("/") ? text : text + "/" }
        let login = try required("activeDirectory").trimmingSuffixSlash
        let resourceManager = slash(try required("resourceManager"))
        let graph = slash(try required("microsoftGraph"))
        var cloud = AzureCloudEndpoints(
            name: json["name"]?.stringValue ?? path, activeDirectory: login, resourceManager: resourceManager,
            resourceManagerAudience: endpoints?["resourceManagerAudience"]?.stringValue ?? resourceManager,
            microsoftGraph: graph, microsoftGraphAudience: endpoints?["microsoftGraphAudience"]?.stringValue ?? graph,
            activeDirectoryGraphResourceID: nil, sqlManagement: nil, gallery: nil, management: nil,
            caCertificate: json["caCertificate"]?.stringValue,
            machineLearningHostSuffix: endpoints?["machineLearningHostSuffix"]?.stringValue)
        cloud.management = endpoints?["managementAudience"]?.stringValue ?? cloud.resourceManagerAudience
        if let exchange = endpoints?["tokenExchangeAudience"]?.stringValue { cloud.tokenExchangeAudience = exchange }
        // Key Vault: a host suffix as the public clouds have, or (the local cloud) a base URL
        // under which each vault is a path; its audience defaults to the public cloud's.
        cloud.keyVaultDNSSuffix = endpoints?["keyVaultDnsSuffix"]?.stringValue
        if endpoints?["keyVault"] != nil { cloud.keyVaultBase = slash(try required("keyVault")) }
        if let audience = endpoints?["keyVaultAudience"]?.stringValue { cloud.keyVaultAudience = audience }
        if let limits = json["resourceManagerLimits"] {
            guard let parsed = ARMThrottleLimits(json: limits) else {
                throw FileError(
                    description:
                        "\(path): resourceManagerLimits must give reads, writes and deletes as {bucket, refillPerSecond} (positive numbers)"
                )
            }
            cloud.resourceManagerLimits = parsed
        }
        let extras = FileExtras(
            tenantID: json["tenantId"]?.stringValue, subscriptionID: json["subscriptionId"]?.stringValue,
            bootstrapClientID: json["bootstrap"]?["clientId"]?.stringValue,
            bootstrapClientSecret: json["bootstrap"]?["clientSecret"]?.stringValue)
        return (cloud, extras)
    }

    /// The base URL of vault `name` (with a trailing slash), or nil when this cloud has no Key
    /// Vault endpoint.
    public func keyVaultURL(_ name: String) -> String? {
        if let suffix = keyVaultDNSSuffix { return "https://\(name.lowercased()).\(suffix)/" }
        return keyVaultBase.map { $0 + name.lowercased() + "/" }
    }

    /// The v2 token URL of a tenant.
    public func tokenURL(tenant: String) -> String { "\(activeDirectory)/\(tenant)/oauth2/v2.0/token" }
}

extension String {
    var trimmingSuffixSlash: String {
        var text = self
        while text.hasSuffix("/") { text.removeLast() }
        return text
    }
}
