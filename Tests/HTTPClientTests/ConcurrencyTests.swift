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

    /// 16 requests at 1 s of latency each, 8 transfer slots: the cloud sees 8 at once, in two
    /// waves, about 2 s alone (on libdispatch's global queue, as before, about 9 s; see
    /// Benchmarks/plan). The wall time is not asserted: under the whole suite's load it stretches
    /// whatever the transport does.
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
        let elapsed = Self.seconds(ContinuousClock.now - started)
        #expect(live.cloud.inFlight.peak >= 6, "at most \(live.cloud.inFlight.peak) requests overlapped")
        #expect(live.cloud.inFlight.peak <= 8, "no more requests in flight than transfer slots")
        #expect(elapsed >= 2, "16 requests in 8 slots at 1 s each need two waves")
    }
}
