import AMLAuthCore
import AuthCrypto
import AzureProvider
import Engine
import Foundation
import LocalCloud
import Synchronization
import TestSupport
import Testing

/// The federated credentials of the target's applications are read 20 applications per Graph
/// `$batch` request, and a plan reads the same state it read one application at a time.
@Suite(.serialized)
struct BatchedReadTests {
    /// `count` applications owned by target `t`, each with one federated credential (every third
    /// with two), made through Graph.
    static func applications(_ count: Int, engine: EngineHarness) async throws -> [GraphApplication] {
        var made: [GraphApplication] = []
        for index in 0..<count {
            let application = try await engine.graph.createApplication(
                displayName: "app-\(index)", tags: [Markers.targetTag("t")])
            for credential in 0..<(index % 3 == 0 ? 2 : 1) {
                try await engine.graph.createFederatedCredential(
                    applicationID: application.id,
                    DesiredFederatedCredential(
                        name: "ci-\(credential)", issuer: "https://token.actions.githubusercontent.com",
                        subject: "repo:org/app-\(index):ref:refs/heads/branch-\(credential)",
                        audiences: ["api://AzureADTokenExchange"])
                )
            }
            made.append(application)
        }
        return made
    }

    static func desired(_ engine: EngineHarness) -> DesiredState {
        engine.desired("apiVersion: amlauth/v1\nkind: Target\nmetadata: {name: t}\nspec: {cloud: local}\n", target: "t")
            .1
    }

    @Test func fortyFiveApplicationsCostThreeBatchesAndReadWhatSingleReadsRead() async throws {
        // Request counts: without Graph replication lag, whose retries would add requests.
        let live = try await LiveCloud.start(options: LocalCloudOptions())
        defer { Task { await live.stopAndRemove() } }
        let engine = try await EngineHarness.connect(live)
        let made = try await Self.applications(45, engine: engine)
        var expected: [String: [LiveFederatedCredential]] = [:]
        for application in made {
            expected[application.id] = try await engine.graph.federatedCredentials(applicationID: application.id)
        }

        live.cloud.counters.reset()
        let state = try await engine.reader.read(Self.desired(engine))
        #expect(Set(state.applications.map(\.objectID)) == Set(made.map(\.id)))
        for application in state.applications {
            #expect(application.federatedCredentials == expected[application.objectID], "\(application.displayName)")
        }
        #expect(state.applications.reduce(0) { $0 + $1.federatedCredentials.count } == 45 + 15)
        // ⌈45 / 20⌉ = 3 batches of credentials, no single federated-credential read; and one batch
        // of ⌈45 / 15⌉ = 3 service-principal queries.
        #expect(live.cloud.counters.total(matching: "POST /graph/v1.0/$batch") == 3 + 1)
        #expect(live.cloud.batchItemCounters.total(matching: "servicePrincipals") == 3)
        #expect(live.cloud.counters.total(matching: "federatedIdentityCredentials") == 0)
        #expect(live.cloud.batchItemCounters.total(matching: "federatedIdentityCredentials") == 45)
    }

    @Test func throttledItemsAloneAreSentAgainAfterTheirRetryAfter() async throws {
        var options = LocalCloudOptions()
        options.faults = try FaultPlan(parsing: "429=0.3,route=federatedIdentityCredentials,seed=11")
        let live = try await LiveCloud.start(options: options)
        defer { Task { await live.stopAndRemove() } }
        // No waiting in the test: the sleeps are recorded instead.
        let slept = SleepLog()
        var runtime = Runtime.system
        runtime.sleep = { seconds in slept.add(seconds) }
        let engine = try await EngineHarness.connect(live, runtime: runtime)
        // Made without faults on the write path: the route only matches the credentials.
        var made: [GraphApplication] = []
        for index in 0..<25 {
            made.append(
                try await engine.graph.createApplication(displayName: "app-\(index)", tags: [Markers.targetTag("t")]))
        }
        live.cloud.counters.reset()
        live.cloud.batchItemCounters.reset()
        let state = try await engine.reader.read(Self.desired(engine))
        #expect(Set(state.applications.map(\.objectID)) == Set(made.map(\.id)))
        #expect(state.applications.allSatisfy { $0.federatedCredentials.isEmpty })
        let items = live.cloud.batchItemCounters
        let throttled = items.total(matching: "federatedIdentityCredentials", status: 429)
        #expect(throttled > 0, "the seed throttles some items")
        // Every item answered 200 exactly once; the items sent again are exactly those throttled.
        #expect(items.total(matching: "federatedIdentityCredentials", status: 200) == 25)
        #expect(items.total(matching: "federatedIdentityCredentials") == 25 + throttled)
        #expect(live.cloud.counters.total(matching: "$batch") > 2, "the throttled items went in further batches")
        #expect(slept.all.allSatisfy { $0 == 1 }, "waits follow each item's Retry-After: \(slept.all)")
    }
}

/// Sleeps a test asked for, recorded instead of waited.
final class SleepLog: Sendable {
    private let values = Mutex<[Double]>([])
    func add(_ seconds: Double) { values.withLock { $0.append(seconds) } }
    var all: [Double] { values.withLock { $0 } }
}
