import Foundation
import HTTPClient
import LocalCloud
import TestSupport

/// The transport alone: 100 GETs one after another, then the same 100 sent together (the transport
/// runs its transfer slots' worth at once), each on a new transport so connections are counted.
enum TransportCase {
    static func run() async throws {
        print("| latency | 100 GETs in sequence (s) | connections | 100 GETs together (s) | connections |")
        print("|---:|---:|---:|---:|---:|")
        for latency in [0.0, 20, 100] {
            var options = LocalCloudOptions()
            if latency > 0 {
                var faults = FaultPlan()
                faults.latency = latency / 1000
                options.faults = faults
            }
            let live = try await LiveCloud.start(options: options)
            let url = live.base + "/discovery/westeurope"

            let sequential = try CurlTransport(configuration: .init(extraCABundle: live.caCertificate))
            let sequentialStarted = ContinuousClock.now
            for _ in 0..<100 { _ = try await sequential.send(HTTPRequest(method: "GET", url: url)) }
            let sequentialTime = seconds(ContinuousClock.now - sequentialStarted)

            let concurrent = try CurlTransport(configuration: .init(extraCABundle: live.caCertificate))
            let concurrentStarted = ContinuousClock.now
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<100 {
                    group.addTask { _ = try await concurrent.send(HTTPRequest(method: "GET", url: url)) }
                }
                try await group.waitForAll()
            }
            let concurrentTime = seconds(ContinuousClock.now - concurrentStarted)
            await live.stopAndRemove()
            print(
                "| \(Int(latency)) ms | \(String(format: "%.3f", sequentialTime)) | \(sequential.connectionsOpened) | \(String(format: "%.3f", concurrentTime)) | \(concurrent.connectionsOpened) |"
            )
        }
    }
}
