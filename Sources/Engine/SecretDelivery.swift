public import AMLAuthCore
public import AzureProvider
import FileStorage
import Foundation
import WireFormat

/// Delivers a new password to its sink, and nowhere else: an sdk-auth JSON file, an env file (both
/// mode 0600, written atomically, never through a symbolic link or over anything but a regular
/// file, and only in a directory nobody else can write), or the GitHub Actions step output (masked
/// first; the runner owns that file, so it is appended to as it is).
public struct SecretDelivery: Sendable {
    /// Where relative sink paths start (the manifests' directory).
    public var baseDirectory: String
    public var cloud: AzureCloudEndpoints
    public var environment: [String: String]
    /// Receives workflow commands (`::add-mask::`), i.e. standard output.
    public var workflowCommands: @Sendable (String) -> Void

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

        public var description: String {
            switch self {
            case .cannotWrite(let path, let reason): "cannot write the secret to '\(path)': \(reason)"
            case .noGitHubOutput: "deliver_to: github-output needs GITHUB_OUTPUT (run inside GitHub Actions)"
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
        }
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
        case .githubOutput: return nil
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
