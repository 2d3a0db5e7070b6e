import AMLAuthCore
import Foundation
public import LocalCloud
public import LocalCloudServer
public import WireFormat

/// A local cloud served over real TLS on 127.0.0.1 (port 0), in this process, with its data in a
/// temporary directory. Tests start one, talk to it through libcurl, and stop it.
public final class LiveCloud: Sendable {
    public let running: RunningLocalCloud

    public var instance: LocalCloudInstance { running.instance }
    public var port: Int { running.port }
    public var base: String { running.base }
    public var caCertificate: String { instance.keys.caCertificatePath }
    public var cloud: LocalCloud { instance.cloud }

    private init(running: RunningLocalCloud) { self.running = running }

    /// The options tests start with: Azure's awkward behaviours on (Graph replication lag, a new
    /// password that works only after a moment), as issue 10 item 5 asks.
    public static var awkwardOptions: LocalCloudOptions {
        var options = LocalCloudOptions()
        options.faults = .awkward
        return options
    }

    public static func start(
        options: LocalCloudOptions = LiveCloud.awkwardOptions, directory: String? = nil, http2: Bool = false
    ) async throws -> LiveCloud {
        let data =
            directory
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("amlauth-live-\(UUID().uuidString)").path
        return LiveCloud(
            running: try await RunningLocalCloud.start(
                try LocalCloudInstance.open(dataDirectory: data, options: options), http2: http2))
    }

    public func stop() async { await running.stop() }

    /// Stops the server and deletes its data.
    public func stopAndRemove() async {
        await stop()
        try? FileManager.default.removeItem(atPath: instance.dataDirectory)
    }

    public var cloudFile: JSONValue { get async { await running.cloudFile } }
}
