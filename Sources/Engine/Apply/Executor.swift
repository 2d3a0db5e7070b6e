public import AMLAuthCore
public import AzureProvider
import Foundation

/// Progress hooks, for one line per change and a final report.
public protocol ApplyObserver: Sendable {
    func started(_ change: Change)
    func finished(_ change: Change, _ outcome: ChangeOutcome, seconds: Double)
}

/// Carries out a plan's steps, verbatim: it decides nothing the planner decided. Changes run in
/// dependency order (`DAGWalk`), independent ones in parallel (at most `parallelism`); a failed
/// change skips its dependents while independent branches go on. Every step is idempotent, so
/// an apply cut short converges on the next run (deterministic names, markers set at creation).
public struct Executor: Sendable {
    public var provider: Provider
    public var delivery: SecretDelivery
    public var tenantID: String
    public var subscriptionID: String
    public var runtime: Runtime
    public var parallelism: Int
    /// How long a just-created principal may stay invisible to ARM before the assignment fails.
    public var replicationWait = 120.0
    /// Proves a new client secret before a rotation removes an old one (audit D7); nil proves
    /// nothing (tests of the executor alone).
    public var secretProof: SecretProof?
    /// Asked before each change starts: true once apply was interrupted, after which no new change
    /// starts and the running ones finish (a change's steps, such as add password and deliver it,
    /// run to their end or their own rollback, never half).
    public var shouldStop: @Sendable () -> Bool = { false }
    /// The code directories read with the manifests, by content hash: `upload_online_code`
    /// uploads these bytes, never a second read of the directory.
    public var codeSnapshots = CodeSnapshots()

    public init(
        provider: Provider, delivery: SecretDelivery, tenantID: String, subscriptionID: String,
        runtime: Runtime = .system, parallelism: Int = 8
    ) {
        self.provider = provider
        self.delivery = delivery
        self.tenantID = tenantID
        self.subscriptionID = subscriptionID
        self.runtime = runtime
        self.parallelism = max(1, parallelism)
    }

    public func apply(_ plan: Plan, observer: any ApplyObserver) async -> ApplyResult {
        let context = ApplyContext()
        let changes = plan.effective
        let body: @Sendable (Change) async -> ChangeOutcome = { change in
            observer.started(change)
            let started = runtime.now()
            let outcome: ChangeOutcome
            do throws(ApplyFailure) {
                var runner = StepRunner(executor: self, context: context, change: change)
                try await runner.run()
                outcome = .applied
            } catch {
                outcome = .failed(error)
            }
            observer.finished(change, outcome, seconds: runtime.now() - started)
            return outcome
        }
        let outcomes = await DAGWalk.run(
            changes, parallelism: parallelism,
            skipped: { change, outcome in observer.finished(change, outcome, seconds: 0) }, stop: shouldStop, body)
        return ApplyResult(outcomes: Array(zip(changes, outcomes)))
    }
}
