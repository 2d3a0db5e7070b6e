public import AMLAuthCore
public import AzureProvider

/// The plan pipeline, once, for the CLI, the tests and the benchmark: read the live state, plan,
/// and run the policy checks that need live data. Pure steps around one read.
public enum Reconciliation {
    public struct Outcome: Sendable {
        public var live: LiveState
        public var plan: Plan
        /// Policy findings that needed live data (AMLA002, AMLA004), at their Target severity.
        public var policy: [Diagnostic]
    }

    public static func plan(
        _ manifests: ManifestSet, desired: DesiredState, reader: LiveStateReader, delivery: SecretDelivery?,
        options: Planner.Options
    ) async throws(AzureError) -> Outcome {
        let live = try await reader.read(desired, delivery: delivery)
        let plan = Planner(options: options).plan(desired, live)
        return Outcome(live: live, plan: plan, policy: PlanPolicy.check(manifests, desired, live).all)
    }
}
