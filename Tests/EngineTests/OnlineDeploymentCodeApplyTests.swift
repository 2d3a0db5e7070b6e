import AMLAuthCore
import AzureProvider
import Engine
import Foundation
import LocalCloud
import Rendering
import TestSupport
import Testing

/// A deployment's code through reader, planner and executor against the local cloud over TLS:
/// apply uploads the directory and the deployment names the code version its digest names; the
/// next plan is clean; an edited file plans and applies an update; a snapshot apply does not hold
/// (the directory changed since the plan) uploads nothing.
@Suite(.serialized)
struct OnlineDeploymentCodeApplyTests {
    static let manifests = """
        apiVersion: amlauth/v1
        kind: Target
        metadata: {name: code-test}
        spec: {cloud: local}
        ---
        apiVersion: amlauth/v1
        kind: Workspace
        metadata: {name: ml-example}
        spec: {resource_group: ml-rg}
        ---
        apiVersion: amlauth/v1
        kind: OnlineEndpoint
        metadata: {name: mnist-code}
        spec: {workspace: ml-example, auth_mode: key, traffic: {blue: 100}}
        ---
        apiVersion: amlauth/v1
        kind: OnlineDeployment
        metadata: {name: mnist-code-blue}
        spec: {endpoint: mnist-code, name: blue, model: sklearn-mnist:3, code: src, scoring_script: score.py}

        """

    struct Run {
        let engine: EngineHarness
        let root: String

        func snapshot() throws -> CodeSnapshot {
            try CodeDirectory.read(root + "/src", scoringScript: "score.py").get()
        }

        func plan(_ snapshot: CodeSnapshot) async throws -> Plan {
            let (manifests, _) = engine.desired(OnlineDeploymentCodeApplyTests.manifests, target: "code-test")
            let desired = DesiredState.resolve(
                manifests, target: "code-test", subscriptionID: engine.subscription,
                codes: ["mnist-code-blue": snapshot.digest])
            return try await engine.plan(desired, manifests, delivery: nil).plan
        }

        func apply(_ plan: Plan, snapshots: [CodeSnapshot]) async -> ApplyResult {
            var executor = engine.executor(delivery: engine.delivery(root))
            executor.codeSnapshots = CodeSnapshots(snapshots)
            return await executor.apply(plan, observer: NoObserver())
        }

        func liveCode() async throws -> String? {
            let endpoint = AzureResourceID(
                subscription: engine.subscription, resourceGroup: "ml-rg",
                providerNamespace: "Microsoft.MachineLearningServices",
                segments: [
                    .init(type: "workspaces", name: "ml-example"), .init(type: "onlineEndpoints", name: "mnist-code"),
                ])
            return try await engine.provider.onlineEndpoints.onlineDeployments(endpointID: endpoint).first?.codeID
        }
    }

    @Test func applyUploadsConvergesAndAnEditIsAnUpdate() async throws {
        let live = try await LiveCloud.start()
        defer { Task { await live.stopAndRemove() } }
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("amlauth-code-\(UUID().uuidString)")
            .path
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/src", withIntermediateDirectories: true)
        try "def run(data):\n    return data\n".write(toFile: root + "/src/score.py", atomically: true, encoding: .utf8)
        let run = Run(engine: try await EngineHarness.connect(live), root: root)

        let first = try run.snapshot()
        let created = try await run.plan(first)
        let result = await run.apply(created, snapshots: [first])
        #expect(!result.failed, "\(result.outcomes)")
        #expect(try await run.liveCode()?.hasSuffix("/codes/\(first.digest.sha256)/versions/1") == true)
        let uploaded = await live.cloud.store.state.blobContainers?.flatMap(\.blobs).map(\.name)
        #expect(uploaded == ["src/score.py"])
        let clean = try await run.plan(first)
        #expect(!clean.hasChanges, "\(PlanRenderer().text(clean))")

        // An edit: the plan shows the old digest and the new, and uploads before the PUT.
        try "def run(data):\n    return [data]\n".write(
            toFile: root + "/src/score.py", atomically: true, encoding: .utf8)
        let second = try run.snapshot()
        let update = try await run.plan(second)
        let change = try #require(
            update.changes.first { $0.address == ResourceAddress(.onlineDeployment, "mnist-code-blue") })
        #expect(change.action == .update)
        #expect(change.fields.first { $0.path == "code" }?.before == .string(first.digest.short))

        // Applied with a snapshot of other content (the directory changed after the plan): refused.
        let stale = await run.apply(update, snapshots: [first])
        #expect(stale.failed)
        #expect(try await run.liveCode()?.contains(first.digest.sha256) == true, "nothing moved")

        #expect(!(await run.apply(update, snapshots: [second])).failed)
        #expect(try await run.liveCode()?.hasSuffix("/codes/\(second.digest.sha256)/versions/1") == true)
        #expect(!(try await run.plan(second)).hasChanges)
        // Back to the first content: its code version exists, so nothing is uploaded again.
        let containers = await live.cloud.store.state.blobContainers?.count
        let back = try await run.plan(first)
        #expect(!(await run.apply(back, snapshots: [first])).failed)
        #expect(await live.cloud.store.state.blobContainers?.count == containers)
        #expect(try await run.liveCode()?.hasSuffix("/codes/\(first.digest.sha256)/versions/1") == true)
    }
}
