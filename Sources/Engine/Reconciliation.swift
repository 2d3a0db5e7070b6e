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
        options: Planner.Options, preflight: PermissionsReader? = nil
    ) async throws(AzureError) -> Outcome {
        // Preflight: the permissions of the scopes the plan will likely need are read together
        // with the live state; once the plan is known, what it needs is checked (reading any
        // other scope it turned out to need) and each missing permission becomes a blocking note.
        async let early = Concurrently.capture { () async throws(AzureError) in
            try await preflight?.read(PermissionNeeds.likelyScopes(desired)) ?? [:]
        }
        let live: LiveState
        do throws(AzureError) {
            live = try await reader.read(desired, delivery: delivery)
        } catch {
            _ = await early
            throw error
        }
        var plan = Planner(options: options).plan(desired, live)
        if let preflight {
            let report = try await preflight.report(
                PermissionNeeds(plan: plan, live: live), known: try await early.get())
            plan.notes += report.notes
        }
        return Outcome(live: live, plan: plan, policy: PlanPolicy.check(manifests, desired, live).all)
    }
}
