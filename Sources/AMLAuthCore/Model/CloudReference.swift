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
