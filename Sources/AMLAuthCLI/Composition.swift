import AMLAuthCore
import ArgumentParser
import AzureProvider
import Engine
import Foundation
import HTTPClient
import LocalCloud
import LocalCloudServer
import WireFormat
import YAMLSource

/// The one place that wires implementations together: which cloud, which transport, which
/// credential, and (for `cloud: local`) the local cloud started inside this process.
struct Session: Sendable {
    var cloud: AzureCloudEndpoints
    var subscriptionID: String
    var credential: any TokenCredential
    var pipeline: AzurePipeline
    var tokens: TokenCache
    /// The in-process local cloud, stopped with the session.
    var localCloud: RunningLocalCloud?

    func close() async { await localCloud?.stop() }
}

/// How a session failed to start: bad manifests (already rendered) or a clear message.
enum SessionError: Error {
    case invalidManifests(output: String)
    case message(String)
}

enum Composition {
    struct Options: Sendable {
        var targetDirectory: String
        var environment: [String: String]
        var workingDirectory: String
        var caBundle: String?
        var verbose: Bool
        /// For commands that need the Target and services only (`whoami`, `token`, `keys`): YAML
        /// files that cannot be amlauth's are not even parsed.
        var amlauthFilesOnly = false
    }

    /// The validated manifests of a directory, with their files (for the plan's digest).
    struct LoadedManifests: Sendable {
        var manifests: ManifestSet
        var target: TargetManifest
        var files: [SourceFile]
        var directory: String
        /// Certificate credentials' DER, by `<principal>/<credential>`.
        var certificates: [String: [UInt8]]
        /// OnlineDeployments' code directories as read, by `metadata.name`.
        var codeSnapshots: [String: CodeSnapshot] = [:]
        /// Web services' entry scripts (content and digest), by service name.
        var entryScripts: [String: EntryScriptFile] = [:]
        /// Warnings and notes, rendered, to show before the plan.
        var diagnosticsOutput: String
        /// The same warnings and notes, for the plan's JSON and Markdown forms.
        var diagnostics: [Diagnostic] = []
    }

    /// Loads and validates the manifests in the target directory, once; errors stop here.
    static func load(_ options: Options) throws(SessionError) -> LoadedManifests {
        var run = ValidateRun(
            paths: [options.targetDirectory], format: .text, environment: options.environment,
            workingDirectory: options.workingDirectory)
        run.amlauthFilesOnly = options.amlauthFilesOnly
        let outcome = run.run()
        if outcome.exitCode != 0 || outcome.diagnostics.contains(where: { $0.severity == .warning }) {
            // Annotations on stderr, never in a report (see ValidateCommand).
            FileHandle.standardError.write(Data(outcome.workflowCommands.utf8))
        }
        guard outcome.exitCode == 0 else { throw .invalidManifests(output: outcome.output) }
        guard let target = outcome.manifests.target else {
            throw .message("the manifests in '\(options.targetDirectory)' have no Target")
        }
        let shown = outcome.diagnostics.filter { $0.severity == .warning }.isEmpty ? "" : outcome.output
        // A manifest file named directly stands for its directory (where `.amlauth/` and sinks live).
        var directory = ManifestFiles.absolute(options.targetDirectory, in: options.workingDirectory)
        var isDirectory: ObjCBool = true
        if FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), !isDirectory.boolValue {
            directory = (directory as NSString).deletingLastPathComponent
        }
        return LoadedManifests(
            manifests: outcome.manifests, target: target, files: outcome.files,
            directory: directory,
            certificates: outcome.certificates, codeSnapshots: outcome.codeSnapshots,
            entryScripts: outcome.entryScripts,
            diagnosticsOutput: shown, diagnostics: outcome.diagnostics.filter { $0.severity != .error })
    }

    /// Loads the manifests and connects, for commands that need both; a failure is reported as
    /// `amlauth <command>: …` and becomes exit 1.
    static func open(_ options: Options, command: String) async throws -> (LoadedManifests, Session) {
        do {
            let loaded = try load(options)
            return (loaded, try await connect(loaded, options))
        } catch {
            error.report(command: command)
            throw ExitCode.failure
        }
    }

    /// Connects to the loaded Target's cloud with the first credential the chain finds.
    static func connect(_ loaded: LoadedManifests, _ options: Options) async throws(SessionError) -> Session {
        let (cloud, extras, running) = try await openCloud(loaded)
        do {
            return try makeSession(
                target: loaded.target, cloud: cloud, extras: extras, running: running, options: options)
        } catch {
            await running?.stop()
            throw .message((error as? AzureError)?.message ?? "\(error)")
        }
    }

    /// The Target's cloud endpoints, starting the local cloud in this process for `cloud: local`
    /// (the caller stops it).
    static func openCloud(_ loaded: LoadedManifests) async throws(SessionError) -> (
        AzureCloudEndpoints, AzureCloudEndpoints.FileExtras, RunningLocalCloud?
    ) {
        let (target, directory) = (loaded.target, loaded.directory)
        var cloud: AzureCloudEndpoints
        var extras = AzureCloudEndpoints.FileExtras()
        var running: RunningLocalCloud?
        switch target.cloud {
        case .azureCloud: cloud = .azureCloud
        case .azureChinaCloud: cloud = .azureChinaCloud
        case .azureUSGovernment: cloud = .azureUSGovernment
        case .local:
            do {
                let instance = try LocalCloudInstance.open(dataDirectory: directory + "/.amlauth/local-cloud")
                let started = try await RunningLocalCloud.start(instance)
                running = started
                (cloud, extras) = try AzureCloudEndpoints.parse(
                    cloudFile: Array(await started.cloudFile.compact().utf8), path: "local cloud")
            } catch {
                throw .message("cannot start the local cloud: \(error)")
            }
        case .file(let path):
            let absolute = ManifestFiles.absolute(path, in: directory)
            guard let bytes = FileManager.default.contents(atPath: absolute) else {
                throw .message("cannot read the cloud file '\(path)'")
            }
            do {
                (cloud, extras) = try AzureCloudEndpoints.parse(cloudFile: [UInt8](bytes), path: path)
            } catch {
                throw .message("\(error)")
            }
        }
        return (cloud, extras, running)
    }

    private static func makeSession(
        target: TargetManifest, cloud: AzureCloudEndpoints, extras: AzureCloudEndpoints.FileExtras,
        running: RunningLocalCloud?, options: Options
    ) throws -> Session {
        var bootstrap: CredentialChain.LocalBootstrap?
        if target.cloud == .local, let id = extras.bootstrapClientID, let secret = extras.bootstrapClientSecret {
            bootstrap = CredentialChain.LocalBootstrap(
                tenantID: extras.tenantID ?? "", clientID: id, clientSecret: secret)
        }
        let tenant = target.tenantID?.value ?? extras.tenantID
        let resolved = try CredentialChain.resolve(
            environment: options.environment, tenantID: tenant, localBootstrap: bootstrap,
            login: try LoginStore.cachedLogin(
                environment: options.environment,
                tenant: target.cloud == .local ? extras.tenantID : options.environment["AZURE_TENANT_ID"] ?? tenant))
        guard let subscription = target.subscriptionID?.value ?? resolved.subscriptionID ?? extras.subscriptionID else {
            throw AzureError(
                service: .credential, status: nil, code: "NoSubscription",
                message: "the Target names no subscription_id", target: "Target")
        }
        let transport = try self.transport(cloud: cloud, options: options)
        var log: (@Sendable (String) -> Void)?
        if options.verbose {
            log = { line in FileHandle.standardError.write(Data("amlauth: \(line)\n".utf8)) }
        }
        let client = TokenClient(cloud: cloud, transport: transport, log: log)
        let tokens = TokenCache(credential: resolved.credential, client: client)
        let pipeline = AzurePipeline(
            transport: transport, tokens: tokens, limiter: RateLimiter(),
            pacer: ARMPacer(limits: cloud.resourceManagerLimits), log: log)
        return Session(
            cloud: cloud, subscriptionID: subscription, credential: resolved.credential, pipeline: pipeline,
            tokens: tokens, localCloud: running)
    }

    /// The libcurl transport for `cloud`: `--ca-bundle` (or AMLAUTH_CA_BUNDLE) adds to the cloud
    /// file's CA; it never replaces it.
    static func transport(cloud: AzureCloudEndpoints, options: Options) throws -> CurlTransport {
        let caBundles = [cloud.caCertificate, options.caBundle ?? options.environment["AMLAUTH_CA_BUNDLE"]]
            .compactMap { $0 }
        return try CurlTransport(configuration: CurlTransportConfiguration(extraCABundles: caBundles))
    }
}
