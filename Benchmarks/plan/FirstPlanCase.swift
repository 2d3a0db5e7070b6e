import AMLAuthCore
import AzureProvider
import Engine
import Foundation
import HTTPClient
import LocalCloud
import TestSupport

/// The first plan: the steady state's 200 service principals × 5 roles (1,000 role assignments)
/// planned against an empty cloud, at each injected latency. Beside it, in the same run against
/// the same cloud, a per-resource check of the same set, as a script or a per-resource tool
/// makes it: one Graph query per principal (`az ad app list --display-name …`) and one list of
/// the scope's role assignments per assignment (`az role assignment list --scope … --role …`),
/// 10 at a time (Terraform's default parallelism) and one after another.
enum FirstPlanCase {
    static let parallelism = 10

    static func run(latencies: [Double]) async throws {
        let yaml = SteadyStateCase.manifests()
        print(
            "| latency | amlauth plan (s) | of which reading (s) | requests | per resource, \(parallelism) at a time (s) | in sequence (s) | requests | ratio to \(parallelism) at a time | ratio to sequence |"
        )
        print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for latency in latencies {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
                "amlauth-bench-first-\(UUID().uuidString)"
            ).path
            defer { try? FileManager.default.removeItem(atPath: directory) }
            var options = LocalCloudOptions()
            options.armPageSize = 1_000
            var faults = FaultPlan()
            faults.latency = latency / 1000
            options.faults = faults
            let live = try await LiveCloud.start(options: options, directory: directory)
            let row = try await measure(live, yaml: yaml, latency: latency)
            print(row)
            await live.stop()
        }
    }

    /// Peak memory of one first plan of `principals` × 5 roles at zero latency, in a process of
    /// its own (the peak is per process: run each size separately). The local cloud runs in the
    /// same process but holds nothing on a first plan, so the figure is amlauth's: the manifests,
    /// the desired state, the live state read, the plan and the transport.
    static func memory(principals: Int) async throws {
        let yaml = SteadyStateCase.manifests(principals: principals)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "amlauth-bench-memory-\(UUID().uuidString)"
        ).path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var options = LocalCloudOptions()
        options.armPageSize = 1_000
        let live = try await LiveCloud.start(options: options, directory: directory)
        let before = peakResidentMiB()
        let engine = try await EngineHarness.connect(live)
        let (manifestSet, desired) = engine.desired(yaml, target: "bench")
        let liveState = try await engine.reader.read(desired, delivery: nil)
        let plan = Planner(options: Planner.Options(now: Date().timeIntervalSince1970)).plan(desired, liveState)
        _ = PlanPolicy.check(manifestSet, desired, liveState)
        precondition(plan.summary.add == principals * (1 + SteadyStateCase.roles.count), plan.summary.line)
        let assignments = principals * SteadyStateCase.roles.count
        print(
            "| \(principals) | \(assignments) | \(yaml.utf8.count / 1024) KiB | \(plan.changes.count) | \(before) | \(peakResidentMiB()) |"
        )
        await live.stop()
    }

    /// The process's peak resident set so far, in MiB (`ru_maxrss` is in KiB on Linux).
    static func peakResidentMiB() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_maxrss / 1024
    }

    /// One latency: a plan as `amlauth plan` makes it (a new transport, new tokens, manifest
    /// validation, reading, planning and the policy checks, all counted), then the per-resource
    /// checks with their tokens fetched beforehand.
    static func measure(_ live: LiveCloud, yaml: String, latency: Double) async throws -> String {
        live.cloud.counters.reset()
        let started = ContinuousClock.now
        let engine = try await EngineHarness.connect(live)
        let (manifestSet, desired) = engine.desired(yaml, target: "bench")
        let readStarted = ContinuousClock.now
        let liveState = try await engine.reader.read(desired, delivery: nil)
        let readTime = seconds(ContinuousClock.now - readStarted)
        let plan = Planner(options: Planner.Options(now: Date().timeIntervalSince1970)).plan(desired, liveState)
        _ = PlanPolicy.check(manifestSet, desired, liveState)
        let planTime = seconds(ContinuousClock.now - started)
        let planRequests = live.cloud.counters.total()
        precondition(
            plan.summary.add == SteadyStateCase.principals * (1 + SteadyStateCase.roles.count),
            "a first plan creates everything: \(plan.summary.line)")

        let parallel = try await perResource(live, desired: desired, limit: parallelism)
        let sequential = try await perResource(live, desired: desired, limit: 1)
        precondition(parallel.requests == sequential.requests)
        func format(_ value: Double) -> String { String(format: "%.2f", value) }
        return
            "| \(Int(latency)) ms | \(format(planTime)) | \(format(readTime)) | \(planRequests) | \(format(parallel.seconds)) | \(format(sequential.seconds)) | \(parallel.requests) | \(String(format: "%.1f", parallel.seconds / max(planTime, 1e-9)))× | \(String(format: "%.1f", sequential.seconds / max(planTime, 1e-9)))× |"
    }

    /// One existence check per declared resource, `limit` at a time, on a transport with as many
    /// transfer slots as workers.
    static func perResource(_ live: LiveCloud, desired: DesiredState, limit: Int) async throws -> (
        seconds: Double, requests: Int
    ) {
        let checker = try await EngineHarness.connect(live, transfers: limit)
        let graph = checker.graph
        let authorization = AuthorizationClient(pipeline: checker.pipeline, cloud: checker.cloud)
        _ = try await checker.pipeline.tokens?.token(audience: checker.cloud.resourceManagerAudience)
        _ = try await checker.pipeline.tokens?.token(audience: checker.cloud.microsoftGraphAudience)
        enum Check: Sendable {
            case application(displayName: String)
            case assignments(scope: String)
        }
        let checks: [Check] =
            desired.servicePrincipals.map { .application(displayName: $0.displayName) }
            + desired.roleAssignments.map { .assignments(scope: $0.scope.description) }
        live.cloud.counters.reset()
        let started = ContinuousClock.now
        _ = try await Concurrently.map(checks, limit: limit) { check throws(AzureError) in
            switch check {
            case .application(let displayName): _ = try await graph.applications(namedAnyOf: [displayName])
            case .assignments(let scope): _ = try await authorization.listRoleAssignments(scope: scope)
            }
        }
        return (seconds(ContinuousClock.now - started), live.cloud.counters.total())
    }
}
