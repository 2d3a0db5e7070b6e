import AMLAuthCore
import Engine
import Synchronization
import Testing

/// The walker alone, with a closure for a provider (Terraform's `walk_test.go` habit): order, the
/// parallelism bound, skips, deletions last, and nothing ever lost.
struct DAGWalkTests {
    static func change(_ kind: ManifestKind, _ name: String, _ action: Action = .create, after: [ResourceAddress] = [])
        -> Change
    {
        Change(ResourceAddress(kind, name), action, dependsOn: after)
    }

    static let principal = ResourceAddress(.servicePrincipal, "sp")

    /// Records the order changes start and end in, and how many run at once.
    final class Recorder: Sendable {
        let events = Mutex<[String]>([])
        let inFlight = Mutex<(now: Int, peak: Int)>((0, 0))

        func run(_ change: Change, failing: Set<String>) async -> ChangeOutcome {
            inFlight.withLock {
                $0.now += 1
                $0.peak = max($0.peak, $0.now)
            }
            events.withLock { $0.append("start \(change.address)") }
            await Task.yield()
            try? await Task.sleep(for: .milliseconds(5))
            events.withLock { $0.append("end \(change.address)") }
            inFlight.withLock { $0.now -= 1 }
            return failing.contains(change.address.description) ? .failed(ApplyFailure("boom")) : .applied
        }

        func index(_ event: String) -> Int { events.withLock { $0.firstIndex(of: event) ?? -1 } }
    }

    @Test func dependenciesRunFirst() async {
        let changes = [
            Self.change(.roleAssignment, "ra", after: [Self.principal]),
            Self.change(.servicePrincipal, "sp"),
            Self.change(.webservice, "ws", after: [ResourceAddress(.workspace, "ml")]),  // outside the walk: satisfied
        ]
        let recorder = Recorder()
        let outcomes = await DAGWalk.run(changes, parallelism: 4) { await recorder.run($0, failing: []) }
        #expect(outcomes == [.applied, .applied, .applied])
        #expect(recorder.index("end ServicePrincipal/sp") < recorder.index("start RoleAssignment/ra"))
    }

    @Test(arguments: [1, 2, 3])
    func neverMoreThanTheBoundInFlight(parallelism: Int) async {
        let changes = (0..<12).map { Self.change(.webservice, "ws-\($0)") }
        let recorder = Recorder()
        let outcomes = await DAGWalk.run(changes, parallelism: parallelism) { await recorder.run($0, failing: []) }
        #expect(outcomes.allSatisfy { $0 == .applied })
        #expect(recorder.inFlight.withLock { $0.peak } <= parallelism)
        #expect(recorder.inFlight.withLock { $0.peak } >= 1)
    }

    @Test func aFailureSkipsExactlyItsDependentsWithTheRootCauseOnce() async {
        let changes = [
            Self.change(.servicePrincipal, "sp"),
            Self.change(.roleAssignment, "ra", after: [Self.principal]),
            // Depends on the skipped assignment: the root cause is still the principal.
            Self.change(.webservice, "ws-dependent", after: [ResourceAddress(.roleAssignment, "ra")]),
            Self.change(.webservice, "ws-independent"),
        ]
        let recorder = Recorder()
        let skipped = Mutex<[String]>([])
        let outcomes = await DAGWalk.run(
            changes, parallelism: 2,
            skipped: { change, _ in skipped.withLock { $0.append(change.address.description) } },
            { await recorder.run($0, failing: ["ServicePrincipal/sp"]) })
        #expect(outcomes[0] == .failed(ApplyFailure("boom")))
        #expect(outcomes[1] == .skipped(because: Self.principal))
        #expect(outcomes[2] == .skipped(because: Self.principal))
        #expect(outcomes[3] == .applied, "an independent branch goes on")
        #expect(skipped.withLock { $0 } == ["RoleAssignment/ra", "Webservice/ws-dependent"], "each skip reported once")
        #expect(recorder.index("start RoleAssignment/ra") == -1, "a skipped change never runs")
    }

    @Test func deletionsWaitForEverythingElseAndForTheirDependents() async {
        let assignmentDeletion = Self.change(.roleAssignment, "old-ra", .delete)
        let changes = [
            Self.change(.servicePrincipal, "old-sp", .delete, after: [assignmentDeletion.address]),
            assignmentDeletion,
            Self.change(.webservice, "new-ws"),
            Self.change(.roleAssignment, "new-ra", .replace),
        ]
        let recorder = Recorder()
        let outcomes = await DAGWalk.run(changes, parallelism: 8) { await recorder.run($0, failing: []) }
        #expect(outcomes.allSatisfy { $0 == .applied })
        for other in ["Webservice/new-ws", "RoleAssignment/new-ra"] {
            #expect(
                recorder.index("end \(other)") < recorder.index("start RoleAssignment/old-ra"),
                "\(other) before any deletion")
        }
        #expect(
            recorder.index("end RoleAssignment/old-ra") < recorder.index("start ServicePrincipal/old-sp"),
            "the assignment goes before its principal")
    }

    @Test func aFailedNonDeletionStillLetsUnrelatedDeletionsRun() async {
        let changes = [Self.change(.webservice, "new-ws"), Self.change(.webservice, "old-ws", .delete)]
        let outcomes = await DAGWalk.run(changes, parallelism: 2) { change in
            change.action == .delete ? .applied : .failed(ApplyFailure("boom"))
        }
        #expect(outcomes == [.failed(ApplyFailure("boom")), .applied])
    }

    @Test func aCycleFailsLoudlyInsteadOfHanging() async {
        let changes = [
            Self.change(.servicePrincipal, "a", after: [ResourceAddress(.servicePrincipal, "b")]),
            Self.change(.servicePrincipal, "b", after: [ResourceAddress(.servicePrincipal, "a")]),
            Self.change(.webservice, "free"),
        ]
        let outcomes = await DAGWalk.run(changes, parallelism: 2) { _ in .applied }
        #expect(outcomes.count == 3, "every change has an outcome: none is lost")
        #expect(outcomes[2] == .applied)
        for outcome in outcomes.prefix(2) {
            guard case .failed(let failure) = outcome else {
                Issue.record("expected a cycle failure, got \(outcome)")
                continue
            }
            #expect(failure.message.contains("dependency cycle"))
        }
    }
}
