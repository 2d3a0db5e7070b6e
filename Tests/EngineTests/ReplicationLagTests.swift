import AMLAuthCore
import AzureProvider
import Engine
import Foundation
import LocalCloud
import TestSupport
import Testing
import WireFormat

/// Graph replication lag and a new password that Entra accepts only after a while (fidelity audit
/// D4, D5, D7): apply waits both out, returns only once the delivered secret works, and the plan
/// read right after it is clean.
struct ReplicationLagTests {
    static let manifests = """
        apiVersion: amlauth/v1
        kind: Target
        metadata: {name: lag}
        spec: {cloud: local}
        ---
        apiVersion: amlauth/v1
        kind: ServicePrincipal
        metadata: {name: fresh}
        spec:
          display_name: fresh principal
          credentials:
            - name: ci
              type: password
              lifetime: 90d
              deliver_to: file:fresh.json
          federated_credentials:
            - name: github
              issuer: https://token.actions.githubusercontent.com
              subject: repo:contoso/ml:ref:refs/heads/main
        """

    @Test func applyWaitsOutReplicationAndTheSecretWorksWhenItReturns() async throws {
        var options = LocalCloudOptions()
        var faults = FaultPlan()
        faults.graphReplicationLag = 1.5
        faults.passwordActivationLag = 2
        options.faults = faults
        let live = try await LiveCloud.start(options: options)
        defer { Task { await live.stopAndRemove() } }
        let engine = try await EngineHarness.connect(live)
        let (manifests, desired) = engine.desired(Self.manifests, target: "lag")
        let sinks = FileManager.default.temporaryDirectory.appendingPathComponent("amlauth-lag-\(UUID().uuidString)")
            .path
        defer { try? FileManager.default.removeItem(atPath: sinks) }
        let delivery = engine.delivery(sinks)

        let plan = try await engine.plan(desired, manifests, delivery: delivery).plan
        let result = await engine.executor(delivery: delivery).apply(plan, observer: NoObserver())
        #expect(!result.failed, "\(result.outcomes)")

        // The delivered secret works at once: apply proved it before returning.
        let file = try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: sinks + "/fresh.json"))))
        let clientID = try #require(file["clientId"]?.stringValue)
        let secret = try #require(file["clientSecret"]?.stringValue)
        let credential = ClientSecretCredential(
            tenantID: engine.tenantID, clientID: clientID, secret: secret, source: "test")
        let client = TokenClient(cloud: engine.cloud, transport: engine.pipeline.transport)
        _ = try await credential.fetchToken(
            scope: TokenCache.scope(for: engine.cloud.resourceManagerAudience), client: client)

        // Read right after apply, while replicas still lag: nothing to change.
        let next = try await engine.plan(desired, manifests, delivery: delivery).plan
        #expect(!next.hasChanges, "\(next.effective.map(\.address))")
    }
}
