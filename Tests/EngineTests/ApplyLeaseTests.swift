import AMLAuthCore
import AzureProvider
import Engine
import Foundation
import LocalCloud
import Synchronization
import TestSupport
import Testing

/// The apply lease against the local cloud's Graph: one holder at a time, a refusal that names
/// the holder, expiry of a crashed holder's lease, and release by object id only.
struct ApplyLeaseTests {
    final class ManualClock: Sendable {
        private let value = Mutex<Double>(1_790_000_000)
        var now: Double { value.withLock { $0 } }
        func advance(_ seconds: Double) { value.withLock { $0 += seconds } }
    }

    @Test func oneHolderAtATimeAndAnExpiredLeaseIsTaken() async throws {
        let live = try await LiveCloud.start()
        defer { Task { await live.stopAndRemove() } }
        let clock = ManualClock()
        // Waiting advances the virtual clock instead of sleeping.
        let runtime = Runtime(now: { clock.now }, sleep: { clock.advance($0) }, random: { _ in 0 })
        let engine = try await EngineHarness.connect(live)
        let lease = ApplyLease(directory: engine.graph, target: "prod", ttl: 30, pollInterval: 5, runtime: runtime)

        let first = try await lease.acquire(holder: "alice@ci pid 1", wait: 0)
        await #expect(throws: ApplyLease.Busy.self) { try await lease.acquire(holder: "bob pid 2", wait: 10) }
        do {
            _ = try await lease.acquire(holder: "bob pid 2", wait: 10)
        } catch let busy as ApplyLease.Busy {
            #expect(busy.description.contains("alice@ci pid 1"), "the refusal names the holder")
            #expect(busy.description.contains("target 'prod'"))
            #expect(busy.waited >= 10)
        }
        // Renewal keeps it; once the holder stops renewing (it crashed), the lease expires.
        #expect(await lease.renew(first))
        clock.advance(31)
        let second = try await lease.acquire(holder: "bob pid 2", wait: 0)
        #expect(second.objectID != first.objectID)
        #expect(await !lease.renew(first), "the old holder learns that its lease was taken")
        // The old holder's release deletes only its own (gone) object, not the new lease.
        await lease.release(first)
        await #expect(throws: ApplyLease.Busy.self) { try await lease.acquire(holder: "carol pid 3", wait: 0) }
        await lease.release(second)
        let third = try await lease.acquire(holder: "carol pid 3", wait: 0)
        await lease.release(third)
        let leases = await live.cloud.store.state.applications.filter {
            $0.uniqueName == DeterministicName.applyLeaseUniqueName(target: "prod")
        }
        #expect(leases.isEmpty, "released")
    }

    /// A holder on this host whose process has ended (killed) does not make the next apply wait.
    @Test func aDeadHolderOnThisHostIsTakenAtOnce() async throws {
        let live = try await LiveCloud.start()
        defer { Task { await live.stopAndRemove() } }
        let engine = try await EngineHarness.connect(live)
        var crashed = ApplyLease(directory: engine.graph, target: "prod")
        crashed.host = "build-1"
        crashed.pid = 4242
        _ = try await crashed.acquire(holder: "ci pid 4242", wait: 0)

        var elsewhere = ApplyLease(directory: engine.graph, target: "prod")
        elsewhere.isAlive = { _, _ in nil }
        await #expect(throws: ApplyLease.Busy.self, "another host cannot tell: it waits") {
            try await elsewhere.acquire(holder: "other", wait: 0)
        }
        var sameHost = ApplyLease(directory: engine.graph, target: "prod")
        sameHost.isAlive = { host, pid in host == "build-1" && pid == 4242 ? false : nil }
        let taken = try await sameHost.acquire(holder: "next apply", wait: 0)
        await sameHost.release(taken)
    }
}
