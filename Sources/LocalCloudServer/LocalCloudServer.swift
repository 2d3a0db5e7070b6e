import AMLAuthCore
import FileStorage
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdHTTP2
import HummingbirdTLS
public import LocalCloud
import Logging
import NIOCore
import NIOSSL
import UnixSignals
public import WireFormat

/// A running local cloud: its data, its router, and where it listens.
public struct LocalCloudInstance: Sendable {
    public var cloud: LocalCloud
    public var keys: KeyMaterial
    public var dataDirectory: String

    /// Opens (or creates, from `seed`) the cloud stored in `dataDirectory`.
    public static func open(
        dataDirectory: String, seed: Seed = Seed(), options: LocalCloudOptions = LocalCloudOptions()
    ) throws -> LocalCloudInstance {
        try FileManager.default.createDirectory(
            atPath: dataDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let directory = URL(fileURLWithPath: dataDirectory).standardizedFileURL.path
        // Under the directory lock: two processes opening a new directory at once seed it once.
        let (keys, state) = try CloudStore.withDirectoryLock(directory) { () throws -> (KeyMaterial, CloudState) in
            let keys = try KeyMaterial.loadOrCreate(in: directory)
            if let existing = try CloudStore.load(directory: directory) { return (keys, existing) }
            let state = try seed.makeState(now: options.now())
            try CloudStore.save(state, to: directory)
            return (keys, state)
        }
        let store = CloudStore(state: state, directory: directory)
        return LocalCloudInstance(
            cloud: LocalCloud(store: store, keys: keys.signing, options: options), keys: keys, dataDirectory: directory)
    }

    /// The cloud file clients read: endpoints, CA, tenant, subscription, bootstrap credentials.
    /// - Parameter storageProxy: the CONNECT proxy's URL, published as `storageProxy` for clients
    ///   that cannot resolve the storage hosts themselves (see `StorageProxy`).
    public func cloudFile(port: Int, storageProxy: String? = nil) async -> JSONValue {
        let state = await cloud.store.state
        let base = "https://127.0.0.1:\(port)"
        // ARM's limits when they are enforced (`--faults arm-throttle=…`), so clients can pace by them.
        let limits: [(String, JSONValue)] =
            (cloud.options.faults?.armThrottle.map { [("resourceManagerLimits", $0.json)] } ?? [])
            + (storageProxy.map { [("storageProxy", .string($0))] } ?? [])
        return .object(
            [
                ("name", .string("local")),
                (
                    "endpoints",
                    .object([
                        ("activeDirectory", .string(base)), ("resourceManager", .string(base + "/")),
                        ("microsoftGraph", .string(base + "/graph/")),
                        ("resourceManagerAudience", .string("https://management.azure.com/")),
                        ("microsoftGraphAudience", .string("https://graph.microsoft.com/")),
                        // The audience azureml-core uses for model management (AzureCloudEndpoints.machineLearningAudience).
                        ("managementAudience", .string("https://management.core.windows.net/")),
                        ("oidcIssuer", .string(IssuerRoutes.issuer)),
                        ("oidcIssuerMint", .string(base + "/oidc-issuer/mint")),
                        ("counters", .string(base + "/_local/counters")),
                        // Vaults are paths on the one origin (`/keyvault/<vault>/secrets/…`), with
                        // Key Vault's own token audience.
                        ("keyVault", .string(base + "/keyvault/")),
                        ("keyVaultAudience", .string("https://vault.azure.net")),
                    ])
                ),
                ("caCertificate", .string(keys.caCertificatePath)),
                ("tenantId", .string(state.tenantID)), ("subscriptionId", .string(state.subscriptionID)),
                (
                    "bootstrap",
                    .object([
                        ("clientId", .string(state.bootstrapClientID)),
                        ("clientSecret", .string(state.bootstrapClientSecret)),
                    ])
                ),
            ] + limits)
    }
}

/// The HTTPS server in front of a `LocalCloud`: TLS with the cloud's own certificate, HTTP/1.1 (or
/// HTTP/2 by ALPN when asked), on 127.0.0.1 only. It moves bytes; every decision is the router's.
public enum LocalCloudServer {
    /// Serves until the task is cancelled (or, with `handleSignals`, SIGINT/SIGTERM arrives).
    /// `onReady` receives the bound port (useful with port 0).
    /// - Parameter http2: offer HTTP/2 in ALPN. Off by default: SwiftNIO's HTTP/2 rate limits
    ///   (200 control frames per 30 s per connection) cut long-lived client connections that make
    ///   hundreds of quick requests, which tests and benchmarks do.
    public static func run(
        _ instance: LocalCloudInstance, port: Int = 0, http2: Bool = false, handleSignals: Bool = false,
        onReady: @escaping @Sendable (Int) async -> Void
    ) async throws {
        let certificates = try NIOSSLCertificate.fromPEMBytes(Array(instance.keys.serverCertificatePEM.utf8))
        let key = try NIOSSLPrivateKey(bytes: Array(instance.keys.serverKeyPEM.utf8), format: .pem)
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: certificates.map { .certificate($0) }, privateKey: .privateKey(key))
        // On shutdown, do not wait 5 s (the default) for idle pooled clients to answer close_notify.
        tls.shutdownTimeout = .milliseconds(100)
        var logger = Logger(label: "amlauth.local-cloud")
        logger.logLevel = .critical
        let app = Application(
            responder: CloudResponder(cloud: instance.cloud),
            server: http2 ? try .http2Upgrade(tlsConfiguration: tls) : try .tls(.http1(), tlsConfiguration: tls),
            configuration: ApplicationConfiguration(
                address: .hostname("127.0.0.1", port: port), serverName: "amlauth-local-cloud"),
            onServerRunning: { channel in await onReady(channel.localAddress?.port ?? port) },
            logger: logger)
        if handleSignals {
            try await app.runService(gracefulShutdownSignals: [UnixSignal.sigterm, UnixSignal.sigint])
        } else {
            try await app.run()
        }
    }
}

/// Bridges Hummingbird requests to `LocalCloud.handle`.
struct CloudResponder: HTTPResponder {
    typealias Context = BasicRequestContext
    let cloud: LocalCloud

    /// Request bodies larger than this are refused (ARM's own limit is 4 MB).
    static let maxBody = 8 << 20

    struct DroppedConnection: Error {}

    func respond(to request: Request, context: Context) async throws -> Response {
        var request = request
        let buffer = try await request.collectBody(upTo: Self.maxBody)
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        if let authority = request.head.authority { headers["host"] = authority }
        let cloudRequest = CloudRequest(
            method: request.method.rawValue, target: request.head.path ?? "/", headers: headers,
            body: Array(buffer.readableBytesView))
        let answer = await cloud.handle(cloudRequest)
        if answer.status == 0 {
            // Injected connection reset: promise a body, then fail before writing it, so the
            // client sees the connection close mid-response.
            return Response(
                status: .ok, headers: [.contentLength: "64"], body: ResponseBody { _ in throw DroppedConnection() })
        }
        var fields = HTTPFields()
        for (name, value) in answer.headers {
            if let field = HTTPField.Name(name) { fields.append(HTTPField(name: field, value: value)) }
        }
        return Response(
            status: .init(code: answer.status), headers: fields,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: answer.body)))
    }
}

/// A local cloud serving in this process (for `cloud: local` and for tests), stopped explicitly.
public final class RunningLocalCloud: Sendable {
    public let instance: LocalCloudInstance
    public let port: Int
    private let server: Task<Void, any Error>

    public var base: String { "https://127.0.0.1:\(port)" }

    private init(instance: LocalCloudInstance, port: Int, server: Task<Void, any Error>) {
        self.instance = instance
        self.port = port
        self.server = server
    }

    /// Starts serving `instance` on an ephemeral port and returns once it listens.
    public static func start(_ instance: LocalCloudInstance, http2: Bool = false) async throws -> RunningLocalCloud {
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let server = Task {
            defer { continuation.finish() }
            try await LocalCloudServer.run(instance, port: 0, http2: http2) { port in continuation.yield(port) }
        }
        guard let port = await ports.first(where: { _ in true }) else {
            // The server ended before listening: surface its error.
            try await server.value
            throw CloudStore.PersistenceError(description: "the local cloud stopped before it was ready")
        }
        return RunningLocalCloud(instance: instance, port: port, server: server)
    }

    /// Stops serving and waits until the server has shut down.
    public func stop() async {
        server.cancel()
        _ = await server.result
    }

    public var cloudFile: JSONValue { get async { await instance.cloudFile(port: port) } }
}
