import Foundation
import HTTPClient
import LocalCloud
import TestSupport
import Testing

/// Requests sent together overlap on the wire: the transport's transfer slots, not the machine's
/// core count, bound how many run at once.
@Suite(.serialized)
struct ConcurrencyTests {
    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// 16 requests at 100 ms of latency each, 8 transfer slots: two waves, about 0.2 s. Run two at a
    /// time (a thread pool as wide as the 2 cores) they would take 0.8 s; one after another, 1.6 s.
    @Test func concurrentRequestsOverlapUpToTheTransferLimit() async throws {
        var options = LocalCloudOptions()
        var faults = FaultPlan()
        faults.latency = 0.1
        options.faults = faults
        let live = try await LiveCloud.start(options: options)
        defer { Task { await live.stopAndRemove() } }
        let transport = try CurlTransport(configuration: .init(extraCABundle: live.caCertificate))
        // Warm: the connections the burst will use are not what is measured.
        _ = try await transport.send(HTTPRequest(method: "GET", url: live.base + "/discovery/x"))

        let sequentialStart = ContinuousClock.now
        for _ in 0..<4 { _ = try await transport.send(HTTPRequest(method: "GET", url: live.base + "/discovery/x")) }
        let sequential = Self.seconds(ContinuousClock.now - sequentialStart)

        let started = ContinuousClock.now
        try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<16 {
                group.addTask {
                    try await transport.send(HTTPRequest(method: "GET", url: live.base + "/discovery/x")).status
                }
            }
            for try await status in group { #expect(status == 200) }
        }
        let concurrent = Self.seconds(ContinuousClock.now - started)
        print("4 sequential: \(sequential) s; 16 concurrent: \(concurrent) s")
        #expect(sequential >= 0.4)
        #expect(concurrent < 0.6, "16 requests in 8 slots at 100 ms each took \(concurrent) s")
    }
}
