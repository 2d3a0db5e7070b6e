import AMLAuthCore
import AuthCrypto
import AzureProvider
import Engine
import Foundation
import HTTPClient
import LocalCloud
import LocalCloudServer
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
        // Retries wait on a virtual clock: the test does not sleep through Retry-After. The cloud
        // keeps the same clock, so its replication lags pass as the client waits.
        let virtual = Mutex<Double>(Date().timeIntervalSince1970)
        var options = LocalCloudOptions()
        options.faults = try FaultPlan(
            parsing: "429=0.2,500=0.05,reset=0.02,graph-lag=3000ms,password-lag=5000ms,seed=5")
        options.replicationDelay = 20
        options.now = { virtual.withLock { $0 } }
        let live = try await LiveCloud.start(options: options)
        defer { Task { await live.stopAndRemove() } }
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
        let desired = DesiredState.resolve(
            manifests, target: "quickstart", subscriptionID: engine.subscription,
            entryScripts: EngineHarness.entryScripts(manifests, directory: Paths.packageRoot + "/examples/quickstart"))
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

/// Issue 15 item 11: at 30 % throttling, 10 % server errors and 5 % dropped connections, twenty
/// independent quickstart runs each converge within two applies and leave no duplicate. Retries
/// wait on a virtual clock (the client still honours every Retry-After), so the suite stays fast.
@Suite(.serialized)
struct FaultyConvergenceTests {
    static let seeds = Array(UInt64(1)...20)

    /// Applies (plan, then apply) until a plan shows no change; the number of applies, or nil
    /// when three plans were not enough.
    static func converge(seed: UInt64, keys: String) async throws -> (applies: Int?, live: LiveCloud) {
        let virtual = Mutex<Double>(Date().timeIntervalSince1970)
        var options = LocalCloudOptions()
        options.faults = try FaultPlan(
            parsing: "429=0.3,500=0.1,reset=0.05,retry-after=10ms,graph-lag=2000ms,password-lag=2000ms,seed=\(seed)")
        options.now = { virtual.withLock { $0 } }
        // Fresh state per run; the keys (slow to make) are copied from one set made for all runs.
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("amlauth-faulty-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        for file in try FileManager.default.contentsOfDirectory(atPath: keys) where file.hasSuffix(".pem") {
            try FileManager.default.copyItem(atPath: keys + "/" + file, toPath: data + "/" + file)
        }
        let live = try await LiveCloud.start(options: options, directory: data)
        let runtime = Runtime(
            now: { virtual.withLock { $0 } }, sleep: { seconds in virtual.withLock { $0 += seconds } },
            random: { $0 / 2 })
        let engine = try await EngineHarness.connect(live, runtime: runtime)
        let files = try ["amlauth.yaml", "webservices.yaml"].map {
            SourceFile(path: $0, bytes: Array(try Paths.read("examples/quickstart/\($0)").utf8))
        }
        let manifests = ManifestValidation(environment: [:]).run(files).manifests
        let desired = DesiredState.resolve(
            manifests, target: "quickstart", subscriptionID: engine.subscription,
            entryScripts: EngineHarness.entryScripts(manifests, directory: Paths.packageRoot + "/examples/quickstart"))
        let sinks = data + "-sinks"
        defer { try? FileManager.default.removeItem(atPath: sinks) }
        let delivery = engine.delivery(sinks)
        for applies in 0...2 {
            // A plan that cannot read counts as a failed apply: the next one starts over.
            guard let plan = try? await engine.plan(desired, manifests, delivery: delivery).plan else { continue }
            if !plan.hasChanges { return (applies, live) }
            if applies < 2 {
                _ = await engine.executor(delivery: delivery, parallelism: 4).apply(plan, observer: NoObserver())
            }
        }
        return (nil, live)
    }

    @Test func twentyRunsConvergeWithinTwoAppliesWithoutDuplicates() async throws {
        let keys = FileManager.default.temporaryDirectory.appendingPathComponent("amlauth-keys-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: keys, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: keys) }
        _ = try KeyMaterial.loadOrCreate(in: keys)
        var histogram: [Int: Int] = [:]
        var unconverged: [UInt64] = []
        for seed in Self.seeds {
            let (applies, live) = try await Self.converge(seed: seed, keys: keys)
            if let applies { histogram[applies, default: 0] += 1 } else { unconverged.append(seed) }
            let stored = await live.cloud.store.state
            let applications = stored.applications.filter { $0.tags.contains("amlauth:quickstart/ml-auth") }
            #expect(applications.count == 1, "seed \(seed): one application")
            #expect(
                stored.servicePrincipals.filter { $0.appID == applications.first?.appID }.count == 1,
                "seed \(seed): one service principal")
            #expect(applications.first?.passwordCredentials.count == 1, "seed \(seed): one password, the delivered one")
            #expect(
                stored.roleAssignments.filter { $0.description?.hasPrefix("managed by amlauth: quickstart/") == true }
                    .count == 1, "seed \(seed): one role assignment")
            #expect(stored.services.count == 2, "seed \(seed): two services")
            await live.stopAndRemove()
        }
        #expect(unconverged.isEmpty, "seeds that needed more than two applies: \(unconverged)")
        print("applies needed per run: \(histogram.sorted { $0.key < $1.key })")
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
