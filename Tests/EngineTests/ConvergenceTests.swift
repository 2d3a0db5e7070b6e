import AMLAuthCore
import AuthCrypto
import AzureProvider
import Engine
import Foundation
import HTTPClient
import LocalCloud
import Synchronization
import TestSupport
import Testing

/// Apply converges under injected faults and replication delay, and never duplicates objects.
@Suite(.serialized)
struct ConvergenceTests {
    final class Recorder: ApplyObserver {
        let lines = Mutex<[String]>([])
        func started(_ change: Change) {}
        func finished(_ change: Change, _ outcome: ChangeOutcome, seconds: Double) {
            lines.withLock { $0.append("\(change.address) \(outcome)") }
        }
    }

    @Test func quickstartConvergesUnderFaults() async throws {
        var options = LocalCloudOptions()
        options.faults = try FaultPlan(parsing: "429=0.2,500=0.05,reset=0.02,seed=5")
        options.replicationDelay = 20
        let live = try await LiveCloud.start(options: options)
        defer { Task { await live.stopAndRemove() } }
        // Retries wait on a virtual clock: the test does not sleep through Retry-After.
        let virtual = Mutex<Double>(Date().timeIntervalSince1970)
        let runtime = Runtime(
            now: { virtual.withLock { $0 } }, sleep: { seconds in virtual.withLock { $0 += seconds } },
            random: { $0 / 2 })
        var retry = RetryPolicy()
        retry.maxAttempts = 8
        let engine = try await EngineHarness.connect(live, runtime: runtime, retry: retry)
        let files = try ["amlauth.yaml", "webservices.yaml"].map {
            SourceFile(path: $0, bytes: Array(try Paths.read("examples/quickstart/\($0)").utf8))
        }
        let manifests = ManifestValidation(environment: [:]).run(files).manifests
        let desired = DesiredState.resolve(manifests, target: "quickstart", subscriptionID: engine.subscription)
        let sinks = FileManager.default.temporaryDirectory.appendingPathComponent("amlauth-sinks-\(UUID().uuidString)")
            .path
        defer { try? FileManager.default.removeItem(atPath: sinks) }
        let delivery = engine.delivery(sinks)

        var runs = 0
        var converged = false
        while runs < 8, !converged {
            runs += 1
            // A read may fail under faults; try again.
            guard let plan = try? await engine.plan(desired, manifests, delivery: delivery).plan else { continue }
            if !plan.hasChanges {
                converged = true
                break
            }
            _ = await engine.executor(delivery: delivery, parallelism: 4).apply(plan, observer: Recorder())
        }
        #expect(converged, "converged after \(runs) runs")
        #expect(live.cloud.counters.total() > 0)
        let stored = await live.cloud.store.state
        #expect(
            stored.applications.filter { $0.tags.contains("amlauth:quickstart/ml-auth") }.count == 1,
            "no duplicate application")
        #expect(
            stored.applications.first { $0.tags.contains("amlauth:quickstart/ml-auth") }?.passwordCredentials.count
                == 1, "no orphaned undelivered password")
        #expect(
            stored.roleAssignments.filter { $0.description?.hasPrefix("managed by amlauth: quickstart/") == true }.count
                == 1)
        #expect(stored.services.count == 2)
    }
}

/// A rotation that finds several passwords of one credential (an earlier rotation was cut short)
/// leaves exactly the new one.
@Suite(.serialized)
struct RotationCleanupTests {
    @Test func rotatingOverLeftoverPasswordsLeavesOne() async throws {
        let live = try await LiveCloud.start()
        defer { Task { await live.stopAndRemove() } }
        let engine = try await EngineHarness.connect(live)
        let sinks = FileManager.default.temporaryDirectory.appendingPathComponent("amlauth-rot-\(UUID().uuidString)")
            .path
        defer { try? FileManager.default.removeItem(atPath: sinks) }
        let manifest = """
            apiVersion: amlauth/v1
            kind: Target
            metadata: {name: t}
            spec: {cloud: local}
            ---
            apiVersion: amlauth/v1
            kind: ServicePrincipal
            metadata: {name: sp}
            spec:
              credentials:
                - {name: ci, type: password, lifetime: 30d, renew_before: 10d, deliver_to: "file:sp.json"}
            """
        let (manifests, desired) = engine.desired(manifest, target: "t")
        let graph = engine.graph
        let delivery = engine.delivery(sinks)
        func apply() async throws -> ApplyResult {
            let plan = try await engine.plan(desired, manifests, delivery: delivery).plan
            return await engine.executor(delivery: delivery).apply(plan, observer: ConvergenceTests.Recorder())
        }
        #expect(try await apply().failed == false)
        // Two more passwords of the same credential that no sink received (a cut-short rotation):
        // the newest is undelivered, so apply rotates and must remove all three older ones once.
        let application = try #require(try await graph.applications(taggedWith: "amlauth:t/sp").first?.id)
        let later = Date(timeIntervalSinceNow: 40 * 86_400).timeIntervalSince1970
        _ = try await graph.addPassword(applicationID: application, displayName: "amlauth:ci:2", endDateTime: later)
        _ = try await graph.addPassword(applicationID: application, displayName: "amlauth:ci:3", endDateTime: later)
        let result = try await apply()
        #expect(!result.failed, "\(result.outcomes)")
        let passwords = try #require(try await graph.applications(taggedWith: "amlauth:t/sp").first?.passwords)
        #expect(passwords.map(\.displayName) == ["amlauth:ci:4"])
        #expect(delivery.deliveredKeyID(.file("sp.json")) == passwords.first?.keyID)
    }
}
