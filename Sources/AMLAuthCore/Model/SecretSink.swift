/// Where a new password goes, and nowhere else: a file of sdk-auth JSON, an env file, the GitHub
/// Actions step output, an Azure Key Vault secret, or an Azure Pipelines secret variable.
public enum SecretSink: Sendable, Hashable, CustomStringConvertible {
    case file(String)
    case envFile(String)
    case githubOutput
    /// `keyvault:VAULT/SECRET`: a new version of secret SECRET in vault VAULT (outlives the job).
    case keyVault(vault: String, secret: String)
    /// `ado-variable:NAME`: a secret pipeline variable of the running Azure Pipelines job.
    case adoVariable(String)

    public static let forms = [
        "file:PATH", "env-file:PATH", "github-output", "keyvault:VAULT/SECRET", "ado-variable:NAME",
    ]

    public init?(parsing text: String) {
        guard case .success(let sink) = Self.parse(text) else { return nil }
        self = sink
    }

    /// The sink, or why `text` is not one (for a located diagnostic).
    public static func parse(_ text: String) -> Result<SecretSink, SinkSyntaxError> {
        if text == "github-output" { return .success(.githubOutput) }
        if text.hasPrefix("env-file:"), text.count > 9 { return .success(.envFile(String(text.dropFirst(9)))) }
        if text.hasPrefix("file:"), text.count > 5 { return .success(.file(String(text.dropFirst(5)))) }
        if text.hasPrefix("keyvault:") {
            let parts = text.dropFirst("keyvault:".count).split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 2 else {
                return .failure(SinkSyntaxError("expected keyvault:VAULT/SECRET, with one '/'"))
            }
            let (vault, secret) = (String(parts[0]), String(parts[1]))
            if let problem = SinkNames.vaultProblem(vault) { return .failure(SinkSyntaxError(problem)) }
            if let problem = SinkNames.secretProblem(secret) { return .failure(SinkSyntaxError(problem)) }
            return .success(.keyVault(vault: vault, secret: secret))
        }
        if text.hasPrefix(WorkspaceConfigSink.prefix) {
            return .failure(
                SinkSyntaxError(
                    "workspace-config: writes a Workspace's config.json and no secret; put it in the Workspace's deliver_to, and send this password to \(forms.joined(separator: " | "))"
                ))
        }
        if text.hasPrefix("azure-devops:") {
            // The design's early name for this sink; the one spelling amlauth accepts says what it sets.
            let name = String(text.dropFirst("azure-devops:".count))
            return .failure(
                SinkSyntaxError(
                    "an Azure Pipelines secret variable is written ado-variable:\(name.isEmpty ? "NAME" : name)"))
        }
        if text.hasPrefix("ado-variable:") {
            let name = String(text.dropFirst("ado-variable:".count))
            if let problem = SinkNames.pipelineVariableProblem(name) { return .failure(SinkSyntaxError(problem)) }
            return .success(.adoVariable(name))
        }
        return .failure(SinkSyntaxError("'\(text)' is not a secret sink; expected \(forms.joined(separator: " | "))"))
    }

    /// The file it writes, if any (two credentials must not share one).
    public var path: String? {
        switch self {
        case .file(let path), .envFile(let path): path
        case .githubOutput, .keyVault, .adoVariable: nil
        }
    }

    /// What two credentials must not share: a file, a vault secret (names ignore case in Key
    /// Vault) or a pipeline variable (names ignore case in Azure Pipelines). nil: shareable.
    public var exclusiveTarget: String? {
        switch self {
        case .file(let path), .envFile(let path): path
        case .githubOutput: nil
        case .keyVault(let vault, let secret): "keyvault:\(vault.lowercased())/\(secret.lowercased())"
        case .adoVariable(let name): "ado-variable:\(name.lowercased())"
        }
    }

    public var description: String {
        switch self {
        case .file(let path): "file:\(path)"
        case .envFile(let path): "env-file:\(path)"
        case .githubOutput: "github-output"
        case .keyVault(let vault, let secret): "keyvault:\(vault)/\(secret)"
        case .adoVariable(let name): "ado-variable:\(name)"
        }
    }
}

/// Why a `deliver_to` value is not a sink, in words a manifest author can act on.
public struct SinkSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) { self.description = description }
}

/// The naming rules of the services sinks write to.
enum SinkNames {
    /// Key Vault names: 3-24 characters, letters, digits and hyphens, starting with a letter,
    /// ending with a letter or digit, no two hyphens in a row (they become a DNS label).
    static func vaultProblem(_ name: String) -> String? {
        let scalars = Array(name.unicodeScalars)
        let allowed = scalars.allSatisfy { ASCII.isLetter($0) || ASCII.isDigit($0) || $0 == "-" }
        guard (3...24).contains(scalars.count), allowed, let first = scalars.first, ASCII.isLetter(first),
            let last = scalars.last, last != "-", !name.contains("--")
        else {
            return
                "key vault name '\(name)' must be 3-24 letters, digits and hyphens, start with a letter, end with a letter or digit, with no '--'"
        }
        return nil
    }

    /// Key Vault secret names: 1-127 letters, digits and hyphens (the REST API's
    /// `^[0-9a-zA-Z-]+$`).
    static func secretProblem(_ name: String) -> String? {
        let scalars = Array(name.unicodeScalars)
        guard (1...127).contains(scalars.count),
            scalars.allSatisfy({ ASCII.isLetter($0) || ASCII.isDigit($0) || $0 == "-" })
        else { return "key vault secret name '\(name)' must be 1-127 letters, digits and hyphens" }
        return nil
    }

    /// Azure Pipelines variable names: letters, digits, '.' and '_' (so the name cannot end the
    /// logging command early), and not one of the prefixes the agent reserves.
    static func pipelineVariableProblem(_ name: String) -> String? {
        let scalars = Array(name.unicodeScalars)
        guard !scalars.isEmpty,
            scalars.allSatisfy({ ASCII.isLetter($0) || ASCII.isDigit($0) || $0 == "." || $0 == "_" })
        else { return "pipeline variable name '\(name)' must be letters, digits, '.' and '_'" }
        let reserved = ["endpoint", "input", "secret", "path", "securefile"]
        if let prefix = reserved.first(where: { name.lowercased().hasPrefix($0) }) {
            return "pipeline variable name '\(name)' starts with '\(prefix)', which Azure Pipelines reserves"
        }
        return nil
    }
}
