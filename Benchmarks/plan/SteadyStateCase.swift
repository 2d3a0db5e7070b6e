import AMLAuthCore
import AzureProvider
import Engine
import Foundation
import HTTPClient
import LocalCloud
import TestSupport

/// The steady state: 200 service principals (each with a delivered password and a federated
/// credential) holding 5 roles each on one workspace, 1,000 assignments, all applied; then a plan
/// that finds nothing to change, at each injected latency. Beside it, in the same run against the
/// same cloud, what a per-resource refresh does (Terraform's: one GET per role assignment,
/// application and service principal, 10 at a time).
enum SteadyStateCase {
    static let principals = 200
    static let roles = [
        "Reader", "Contributor", "AzureML Data Scientist", "AzureML Compute Operator", "Azure AI Developer",
    ]
    static let refreshParallelism = 10

    static func manifests(principals: Int = principals) -> String {
        var text =
            "apiVersion: amlauth/v1\nkind: Target\nmetadata: {name: bench}\nspec: {cloud: local}\n---\napiVersion: amlauth/v1\nkind: Workspace\nmetadata: {name: ml-example}\nspec: {resource_group: ml-rg}\n"
        for index in 0..<principals {
            text += """
                ---
                apiVersion: amlauth/v1
                kind: ServicePrincipal
                metadata: {name: sp-\(index)}
                spec:
                  display_name: bench-sp-\(index)
                  credentials:
                    - {name: ci, type: password, lifetime: 90d, renew_before: 30d, deliver_to: "file:sp-\(index).json"}
                  federated_credentials:
                    - {name: github-main, issuer: "https://token.actions.githubusercontent.com", subject: "repo:bench/sp-\(index):ref:refs/heads/main"}

                """
            for (number, role) in roles.enumerated() {
                text +=
                    "---\napiVersion: amlauth/v1\nkind: RoleAssignment\nmetadata: {name: sp-\(index)-\(number)}\nspec: {principal: {service_principal: sp-\(index)}, role: \"\(role)\", scope: {workspace: ml-example}}\n"
            }
        }
        return text
    }

    static func run(latencies: [Double]) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "amlauth-bench-steady-\(UUID().uuidString)"
        ).path
        let sinks = directory + "-sinks"
        defer {
            try? FileManager.default.removeItem(atPath: directory)
            try? FileManager.default.removeItem(atPath: sinks)
        }
        let yaml = manifests()

        // Apply everything once, without latency.
        var options = LocalCloudOptions()
        options.armPageSize = 1_000
        let setup = try await LiveCloud.start(options: options, directory: directory)
        let engine = try await EngineHarness.connect(setup)
        let (manifestSet, desired) = engine.desired(yaml, target: "bench")
        let delivery = engine.delivery(sinks)
        let applyStarted = ContinuousClock.now
        for _ in 0..<3 {
            let plan = try await engine.plan(desired, manifestSet, delivery: delivery).plan
            if !plan.hasChanges { break }
            _ = await engine.executor(delivery: delivery).apply(plan, observer: NoObserver())
        }
        let applied = await setup.cloud.store.state
        print(
            "applied in \(String(format: "%.1f", seconds(ContinuousClock.now - applyStarted))) s: \(applied.applications.count) applications, \(applied.roleAssignments.count) role assignments"
        )
        await setup.stop()

        print(
            "| latency | amlauth plan (s) | of which reading (s) | requests | refresh, \(refreshParallelism) at a time (s) | in sequence (s) | requests | ratio to \(refreshParallelism) at a time | ratio to sequence |"
        )
        print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for latency in latencies {
            var faulted = options
            var faults = FaultPlan()
            faults.latency = latency / 1000
            faulted.faults = faults
            let live = try await LiveCloud.start(options: faulted, directory: directory)
            let row = try await measure(live, yaml: yaml, sinks: sinks, latency: latency)
            print(row)
            await live.stop()
        }
    }

    /// One latency: a plan as `amlauth plan` makes it (a new transport, new tokens, manifest
    /// validation, reading, planning and the policy checks, all counted; reading alone beside it),
    /// then the per-resource refresh with its tokens fetched beforehand.
    static func measure(_ live: LiveCloud, yaml: String, sinks: String, latency: Double) async throws -> String {
        live.cloud.counters.reset()
        let started = ContinuousClock.now
        let engine = try await EngineHarness.connect(live)
        let (manifestSet, desired) = engine.desired(yaml, target: "bench")
        let readStarted = ContinuousClock.now
        let liveState = try await engine.reader.read(desired, delivery: engine.delivery(sinks))
        let readTime = seconds(ContinuousClock.now - readStarted)
        let plan = Planner(options: Planner.Options(now: Date().timeIntervalSince1970)).plan(desired, liveState)
        _ = PlanPolicy.check(manifestSet, desired, liveState)
        let planTime = seconds(ContinuousClock.now - started)
        let planRequests = live.cloud.counters.total()
        precondition(!plan.hasChanges, "the benchmark set must be in sync: \(plan.summary.line)")

        // The refresh: its own transport with as many transfer slots as it has workers.
        let refresh = try await EngineHarness.connect(live, transfers: refreshParallelism)
        let state = await live.cloud.store.state
        let graph = refresh.graph
        let pipeline = refresh.pipeline
        let cloud = refresh.cloud
        let authorization = AuthorizationClient(pipeline: refresh.pipeline, cloud: refresh.cloud)
        _ = try await refresh.pipeline.tokens?.token(audience: refresh.cloud.resourceManagerAudience)
        _ = try await refresh.pipeline.tokens?.token(audience: refresh.cloud.microsoftGraphAudience)
        enum Read: Sendable {
            case assignment(scope: String, name: String)
            case application(String)
            case servicePrincipal(String)
        }
        let benchApplications = state.applications.filter { $0.tags.contains(Markers.targetTag("bench")) }
        let benchAppIDs = Set(benchApplications.map(\.appID))
        let reads: [Read] =
            state.roleAssignments.filter { $0.description?.hasPrefix("managed by amlauth: bench/") == true }.map {
                .assignment(scope: $0.scope, name: $0.name)
            } + benchApplications.map { .application($0.id) }
            + state.servicePrincipals.filter { benchAppIDs.contains($0.appID) }.map { .servicePrincipal($0.id) }
        // The same reads 10 at a time (Terraform's refresh) and one after another (a script of
        // `az role assignment show` / `az ad app show` calls).
        func refreshAll(limit: Int) async throws -> (seconds: Double, requests: Int) {
            live.cloud.counters.reset()
            let started = ContinuousClock.now
            _ = try await Concurrently.map(reads, limit: limit) { read throws(AzureError) in
                switch read {
                case .assignment(let scope, let name):
                    _ = try await authorization.getRoleAssignment(scope: scope, name: name)
                case .application(let id):
                    _ = try await pipeline.json(
                        AzurePipeline.Request(
                            "GET", cloud.microsoftGraph + "v1.0/applications/\(id)", service: .graph,
                            audience: cloud.microsoftGraphAudience))
                case .servicePrincipal(let id): _ = try await graph.servicePrincipal(id: id)
                }
            }
            return (seconds(ContinuousClock.now - started), live.cloud.counters.total())
        }
        let parallel = try await refreshAll(limit: refreshParallelism)
        let sequential = try await refreshAll(limit: 1)
        precondition(parallel.requests == sequential.requests)
        func format(_ value: Double) -> String { String(format: "%.2f", value) }
        return
            "| \(Int(latency)) ms | \(format(planTime)) | \(format(readTime)) | \(planRequests) | \(format(parallel.seconds)) | \(format(sequential.seconds)) | \(parallel.requests) | \(String(format: "%.1f", parallel.seconds / max(planTime, 1e-9)))× | \(String(format: "%.1f", sequential.seconds / max(planTime, 1e-9)))× |"
    }
}
