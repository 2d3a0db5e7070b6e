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

    /// 16 requests at 1 s of latency each, 8 transfer slots: two waves, about 2 s. A second of
    /// latency dwarfs the CPU work, so the bound holds on a loaded machine. Run on a thread pool as
    /// wide as the cores (2 here), as before, they took 8 s or more; one after another, 16 s.
    @Test func concurrentRequestsOverlapUpToTheTransferLimit() async throws {
        var options = LocalCloudOptions()
        var faults = FaultPlan()
        faults.latency = 1
        options.faults = faults
        let live = try await LiveCloud.start(options: options)
        defer { Task { await live.stopAndRemove() } }
        let transport = try CurlTransport(configuration: .init(extraCABundle: live.caCertificate))
        #expect(transport.configuration.maxConcurrentTransfers == 8)

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
        #expect(concurrent >= 2, "8 slots: no more than 8 requests in flight")
        #expect(concurrent < 4, "16 requests in 8 slots at 1 s each took \(concurrent) s")
    }
}
