import AMLAuthCore
import AuthCrypto
import AzureProvider
import Engine
import Foundation
import HTTPClient
import LocalCloud
import LocalCloudServer
import TestSupport
import WireFormat

/// Apply at ARM's limit: 200 groups × 5 roles = 1,000 role assignments against a local cloud that
/// enforces ARM's token buckets (`--faults arm-throttle=scale:S`: the documented sizes, refill
/// 1/S times as fast). Reports the apply's wall time against the write bucket's theoretical
/// minimum, (N - bucket) / refill, and the 429s the cloud answered, for amlauth (pacing itself
/// by the `x-ms-ratelimit-remaining-*` headers) at two parallelisms and, for contrast, the same
/// executor without the pacer (retrying on each 429's Retry-After).
enum ThrottledApplyCase {
    static func run(scale: Double, count: Int) async throws {
        let limits = ARMThrottleLimits.documented.scaled(time: scale)
        let minimum = (Double(count) - limits.writes.size) / limits.writes.refillPerSecond
        print(
            "writes bucket \(Int(limits.writes.size)), refill \(limits.writes.refillPerSecond)/s (scale \(scale)); theoretical minimum for \(count) writes: \(String(format: "%.2f", minimum)) s"
        )
        print("| client | parallelism | apply wall (s) | ÷ minimum | role-assignment PUTs | 429s |")
        print("|---|---:|---:|---:|---:|---:|")
        for (paced, parallelism) in [(true, 8), (true, 32), (false, 8)] {
            let (wall, puts, throttled) = try await measure(
                scale: scale, count: count, paced: paced, parallelism: parallelism)
            print(
                "| \(paced ? "amlauth (paced)" : "same executor, no pacer") | \(parallelism) | \(String(format: "%.2f", wall)) | \(String(format: "%.3f", wall / minimum)) | \(puts) | \(throttled) |"
            )
        }
    }

    static func measure(scale: Double, count: Int, paced: Bool, parallelism: Int) async throws -> (Double, Int, Int) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "amlauth-bench-\(UUID().uuidString)"
        ).path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var options = LocalCloudOptions()
        options.armPageSize = 1_000
        options.faults = try FaultPlan(parsing: "arm-throttle=scale:\(scale)")
        let running = try await RunningLocalCloud.start(
            try LocalCloudInstance.open(dataDirectory: directory, options: options))
        let (cloud, extras) = try AzureCloudEndpoints.parse(
            cloudFile: Array(await running.cloudFile.compact().utf8), path: "cloud")
        let subscription = GUID(extras.subscriptionID!)!
        let roles = [
            "Reader", "AzureML Data Scientist", "AzureML Compute Operator", "AzureML Registry User",
            "Reader and Data Access",
        ]
        let groups = (0..<(count / roles.count)).map { _ in SecureRandom.uuid() }
        try await running.instance.cloud.store.write { state in
            for (index, group) in groups.enumerated() {
                state.directoryObjects.append(DirectoryObjectRecord(id: group, type: "Group", displayName: "g\(index)"))
            }
        }
        var manifests =
            "apiVersion: amlauth/v1\nkind: Target\nmetadata: {name: bench}\nspec: {cloud: local}\n---\napiVersion: amlauth/v1\nkind: Workspace\nmetadata: {name: ml-example}\nspec: {resource_group: ml-rg}\n"
        for (index, group) in groups.enumerated() {
            for (number, role) in roles.enumerated() {
                manifests +=
                    "---\napiVersion: amlauth/v1\nkind: RoleAssignment\nmetadata: {name: ra-\(index)-\(number)}\nspec: {principal: {object_id: \(group), type: Group}, role: \(role), scope: {workspace: ml-example}}\n"
            }
        }
        let manifestSet = ManifestValidation(environment: [:]).run([
            SourceFile(path: "bench.yaml", bytes: Array(manifests.utf8))
        ]).manifests
        let desired = DesiredState.resolve(manifestSet, target: "bench", subscriptionID: subscription)

        let transport = try CurlTransport(configuration: .init(extraCABundle: cloud.caCertificate))
        let credential = ClientSecretCredential(
            tenantID: extras.tenantID!, clientID: extras.bootstrapClientID!, secret: extras.bootstrapClientSecret!,
            source: "bench")
        let tokens = TokenCache(credential: credential, client: TokenClient(cloud: cloud, transport: transport))
        // As the CLI composes it (Composition.makeSession), the pacer by the cloud file's limits.
        let pipeline = AzurePipeline(
            transport: transport, tokens: tokens, pacer: paced ? ARMPacer(limits: cloud.resourceManagerLimits) : nil)
        let provider = Provider(pipeline: pipeline, cloud: cloud)
        let plan = try await Reconciliation.plan(
            manifestSet, desired: desired, reader: LiveStateReader(provider: provider), delivery: nil,
            options: .init(now: Date().timeIntervalSince1970)
        ).plan
        precondition(plan.effective.count == count, "the plan creates every assignment")

        let counters = running.instance.cloud.counters
        counters.reset()
        let executor = Executor(
            provider: provider,
            delivery: SecretDelivery(
                baseDirectory: directory, cloud: cloud, environment: [:], workflowCommands: { _ in }),
            tenantID: extras.tenantID!, subscriptionID: subscription.value, parallelism: parallelism)
        let started = ContinuousClock.now
        let result = await executor.apply(plan, observer: NoObserver())
        let wall = seconds(ContinuousClock.now - started)
        let failures = result.outcomes.filter { if case .applied = $0.1 { false } else { true } }
        if let first = failures.first { print("  \(failures.count) changes failed; the first: \(first.1)") }
        let puts = counters.total(matching: "PUT /subscriptions", status: 201)
        let throttled = counters.total(status: 429)
        await running.stop()
        return (wall, puts, throttled)
    }
}
