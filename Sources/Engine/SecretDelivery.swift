public import AMLAuthCore
public import AzureProvider
import FileStorage
import Foundation
import WireFormat

/// Delivers a new password to its sink, and nowhere else: an sdk-auth JSON file, an env file (both
/// mode 0600, written atomically, never through a symbolic link or over anything but a regular
/// file, and only in a directory nobody else can write), the GitHub Actions step output (masked
/// first; the runner owns that file, so it is appended to as it is), an Azure Pipelines secret
/// variable, or (through `send`, which is asynchronous) a Key Vault secret.
public struct SecretDelivery: Sendable {
    /// Where relative sink paths start (the manifests' directory).
    public var baseDirectory: String
    public var cloud: AzureCloudEndpoints
    public var environment: [String: String]
    /// Receives workflow commands (`::add-mask::`), i.e. standard output.
    public var workflowCommands: @Sendable (String) -> Void
    /// Receives Azure Pipelines logging commands (`##vso[…]`): the agent reads them on standard
    /// output ("emit the command via standard output", azure-pipelines-tasks
    /// docs/authoring/commands.md).
    public var pipelineCommands: @Sendable (String) -> Void = { FileHandle.standardOutput.write(Data($0.utf8)) }
    /// Writes `keyvault:` sinks; nil refuses them.
    public var keyVault: (any SecretStore)?

    public init(
        baseDirectory: String, cloud: AzureCloudEndpoints, environment: [String: String],
        workflowCommands: @escaping @Sendable (String) -> Void
    ) {
        self.baseDirectory = baseDirectory
        self.cloud = cloud
        self.environment = environment
        self.workflowCommands = workflowCommands
    }

    public struct Secret: Sendable {
        public var clientID: String
        public var clientSecret: String
        public var tenantID: String
        public var subscriptionID: String
        public var keyID: String

        public init(clientID: String, clientSecret: String, tenantID: String, subscriptionID: String, keyID: String) {
            self.clientID = clientID
            self.clientSecret = clientSecret
            self.tenantID = tenantID
            self.subscriptionID = subscriptionID
            self.keyID = keyID
        }
    }

    public enum Failure: Error, CustomStringConvertible, Sendable {
        case cannotWrite(String, String)
        case noGitHubOutput
        case notInAzurePipelines(String)
        case noKeyVault(String)
        case keyVault(String, AzureError)

        public var description: String {
            switch self {
            case .cannotWrite(let path, let reason): "cannot write the secret to '\(path)': \(reason)"
            case .noGitHubOutput: "deliver_to: github-output needs GITHUB_OUTPUT (run inside GitHub Actions)"
            case .notInAzurePipelines(let name):
                "deliver_to: ado-variable:\(name) works only inside Azure Pipelines (TF_BUILD=True); elsewhere the secret would be printed to a log nobody masks"
            case .noKeyVault(let sink): "deliver_to: \(sink) needs a Key Vault client, and this command has none"
            case .keyVault(let sink, let error):
                "Key Vault refused \(sink): \(error.code)\(error.status.map { " (HTTP \($0))" } ?? ""): \(error.message)"
            }
        }
    }

    public func deliver(_ secret: Secret, to sink: SecretSink) throws(Failure) {
        switch sink {
        case .file(let path):
            let json = JSONValue.object([
                ("clientId", .string(secret.clientID)), ("clientSecret", .string(secret.clientSecret)),
                ("subscriptionId", .string(secret.subscriptionID)), ("tenantId", .string(secret.tenantID)),
                ("activeDirectoryEndpointUrl", .string(cloud.activeDirectory)),
                ("resourceManagerEndpointUrl", .string(cloud.resourceManager)),
                ("activeDirectoryGraphResourceId", cloud.activeDirectoryGraphResourceID.map(JSONValue.string) ?? .null),
                ("sqlManagementEndpointUrl", cloud.sqlManagement.map(JSONValue.string) ?? .null),
                ("galleryEndpointUrl", cloud.gallery.map(JSONValue.string) ?? .null),
                ("managementEndpointUrl", cloud.management.map(JSONValue.string) ?? .null),
                ("amlauthKeyId", .string(secret.keyID)),
            ])
            try write(json.serialized(), to: path)
        case .envFile(let path):
            try write(
                "# written by amlauth; password keyId \(secret.keyID)\nAZURE_CLIENT_ID=\(secret.clientID)\nAZURE_CLIENT_SECRET=\(secret.clientSecret)\nAZURE_TENANT_ID=\(secret.tenantID)\nAZURE_SUBSCRIPTION_ID=\(secret.subscriptionID)\n",
                to: path)
        case .githubOutput:
            guard let output = environment["GITHUB_OUTPUT"], let handle = FileHandle(forWritingAtPath: output) else {
                throw .noGitHubOutput
            }
            // Mask before the value can appear anywhere else in the job's log.
            workflowCommands("::add-mask::\(secret.clientSecret)\n")
            handle.seekToEndOfFile()
            handle.write(
                Data(
                    "client-id=\(secret.clientID)\nclient-secret=\(secret.clientSecret)\ntenant-id=\(secret.tenantID)\n"
                        .utf8))
            try? handle.close()
        case .adoVariable(let name):
            guard environment["TF_BUILD"]?.lowercased() == "true" else { throw .notInAzurePipelines(name) }
            pipelineCommands(Self.setSecretVariable(name, secret.clientSecret))
        case .keyVault:
            throw .noKeyVault(sink.description)
        }
    }

    /// `##vso[task.setvariable variable=NAME;issecret=true]VALUE`: the agent masks the value in
    /// every later line of the job and hands it to later steps as `$(NAME)`, never as an
    /// environment variable unless mapped. The value is escaped as the agent unescapes it
    /// (`%AZP25`, `%0D`, `%0A`: azure-pipelines-agent `CommandStringConvertor`), so it cannot end
    /// the command or start another; variable names are checked when the manifest is read.
    static func setSecretVariable(_ name: String, _ value: String) -> String {
        let escaped = value.replacing("%", with: "%AZP25").replacing("\r", with: "%0D").replacing("\n", with: "%0A")
        return "##vso[task.setvariable variable=\(name);issecret=true]\(escaped)\n"
    }

    /// The keyId a file sink last received, if it was written by amlauth: a password in the cloud
    /// whose keyId is not here was never delivered (a crash between create and write).
    public func deliveredKeyID(_ sink: SecretSink) -> String? {
        guard let path = sink.path, let data = FileManager.default.contents(atPath: absolute(path)) else { return nil }
        let text = String(decoding: data, as: UTF8.self)
        switch sink {
        case .file: return (try? JSONParser.parse(text))?["amlauthKeyId"]?.stringValue
        case .envFile:
            return text.split(separator: "\n").first { $0.hasPrefix("# written by amlauth; password keyId ") }.map {
                String($0.dropFirst("# written by amlauth; password keyId ".count))
            }
        case .githubOutput, .keyVault, .adoVariable: return nil
        }
    }

    func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : baseDirectory + "/" + path
    }

    /// Writes a file or env-file sink with `AtomicFile.writeSecret`: mode 0600, an unpredictable
    /// temporary file, and refused when the path is a symbolic link or anything else but a regular
    /// file, or when its directory may be written by group or others (unless sticky and ours),
    /// because any of these would let someone else redirect or read the password.
    private func write(_ text: String, to path: String) throws(Failure) {
        let target = absolute(path)
        let directory = (target as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw .cannotWrite(path, "\(error)")
        }
        do throws(FileFailure) {
            try AtomicFile.writeSecret(Array(text.utf8), to: target)
        } catch {
            throw .cannotWrite(path, error.reason.description)
        }
    }
}
