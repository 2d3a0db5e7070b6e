/// Which cloud a Target reconciles: a built-in one, the local cloud, or a cloud JSON file.
public enum CloudReference: Sendable, Hashable, CustomStringConvertible {
    case azureCloud, azureChinaCloud, azureUSGovernment, local
    case file(String)

    public static let builtInNames = ["AzureCloud", "AzureChinaCloud", "AzureUSGovernment", "local"]

    /// Names match exactly; anything ending in `.json` is a cloud file; nil otherwise.
    public init?(parsing text: String) {
        switch text {
        case "AzureCloud": self = .azureCloud
        case "AzureChinaCloud": self = .azureChinaCloud
        case "AzureUSGovernment": self = .azureUSGovernment
        case "local": self = .local
        default:
            guard text.lowercased().hasSuffix(".json"), text.count > 5 else { return nil }
            self = .file(text)
        }
    }

    /// The audience an external identity provider's token must carry to be exchanged for an Entra
    /// token in this cloud, and so the default `audiences` of a federated credential. Microsoft's
    /// SDKs map it per cloud (azure-sdk-for-js, MSAL.NET `CloudSettings.TokenExchangeAudience`;
    /// Entra docs: "Public cloud: api://AzureADTokenExchange, Fairfax: …USGov, Mooncake: …China";
    /// audit D15). Cloud files and the local cloud use the public value.
    public var tokenExchangeAudience: String {
        switch self {
        case .azureChinaCloud: "api://AzureADTokenExchangeChina"
        case .azureUSGovernment: "api://AzureADTokenExchangeUSGov"
        case .azureCloud, .local, .file: "api://AzureADTokenExchange"
        }
    }

    public var description: String {
        switch self {
        case .azureCloud: "AzureCloud"
        case .azureChinaCloud: "AzureChinaCloud"
        case .azureUSGovernment: "AzureUSGovernment"
        case .local: "local"
        case .file(let path): path
        }
    }
}
