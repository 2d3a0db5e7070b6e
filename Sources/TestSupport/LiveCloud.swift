public import AMLAuthCore
import Foundation
public import LocalCloud
public import LocalCloudServer

/// A local cloud served over real TLS on 127.0.0.1 (port 0), in this process, with its data in a
/// temporary directory. Tests start one, talk to it through libcurl, and stop it.
public final class LiveCloud: Sendable {
    public let instance: LocalCloudInstance
    public let port: Int
    private let server: Task<Void, any Error>

    public var base: String { "https://127.0.0.1:\(port)" }
    public var caCertificate: String { instance.keys.caCertificatePath }
    public var cloud: LocalCloud { instance.cloud }

    private init(instance: LocalCloudInstance, port: Int, server: Task<Void, any Error>) {
        self.instance = instance
        self.port = port
        self.server = server
    }

    public static func start(options: LocalCloudOptions = LocalCloudOptions(), directory: String? = nil) async throws -> LiveCloud {
        let data = directory ?? FileManager.default.temporaryDirectory.appendingPathComponent("amlauth-live-\(UUID().uuidString)").path
        let instance = try LocalCloudInstance.open(dataDirectory: data, options: options)
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let server = Task {
            try await LocalCloudServer.run(instance, port: 0) { port in continuation.yield(port) }
        }
        guard let port = await ports.first(where: { _ in true }) else { throw CancellationError() }
        return LiveCloud(instance: instance, port: port, server: server)
    }

    /// Stops the server and waits for it to finish.
    public func stop() async {
        server.cancel()
        _ = await server.result
    }

    /// Stops the server and deletes its data.
    public func stopAndRemove() async {
        await stop()
        try? FileManager.default.removeItem(atPath: instance.dataDirectory)
    }

    public var cloudFile: JSONValue { get async { await instance.cloudFile(port: port) } }
}
