import AMLAuthCore
import AzureProvider
import Engine
import Foundation
import Rendering
import TestSupport
import Testing
import WireFormat

/// Reader, planner and executor against the in-memory `FakeCloud`: the plan's steps are all apply
/// does, and what it did reads back as a clean plan.
struct ExecutorTests {
    static let subscription = GUID("a925f2f7-5c63-4b7b-8799-25a5f97bc3b2")!
    static let now = 1_790_000_000.0

    struct Fixture {
        let cloud: FakeCloud
        let manifests: ManifestSet
        let desired: DesiredState
        let sinks: String
        let delivery: SecretDelivery

        init(
            _ files: [String] = ["amlauth.yaml", "webservices.yaml"], extra: String = "", cloud: FakeCloud? = nil,
            sinks: String? = nil
        ) async throws {
            let cloud = cloud ?? FakeCloud()
            self.cloud = cloud
            var sources = try files.map {
                SourceFile(path: $0, bytes: Array(try Paths.read("examples/quickstart/\($0)").utf8))
            }
            if !extra.isEmpty { sources.append(SourceFile(path: "extra.yaml", bytes: Array(extra.utf8))) }
            let result = ManifestValidation(environment: [:]).run(sources)
            #expect(!result.diagnostics.hasErrors, "\(result.diagnostics.all)")
            manifests = result.manifests
            desired = DesiredState.resolve(manifests, target: "quickstart", subscriptionID: ExecutorTests.subscription)
            self.sinks =
                sinks
                ?? FileManager.default.temporaryDirectory.appendingPathComponent("amlauth-exec-\(UUID().uuidString)")
                .path
            delivery = SecretDelivery(
                baseDirectory: self.sinks, cloud: .azureCloud, environment: [:], workflowCommands: { _ in })
            for workspace in desired.workspaces where await cloud.workspaces.allSatisfy({ $0.id != workspace.id }) {
                await cloud.addWorkspace(workspace.id, location: "westeurope")
            }
        }

        func plan(now: Double = ExecutorTests.now, prune: Bool = false) async throws -> Reconciliation.Outcome {
            try await Reconciliation.plan(
                manifests, desired: desired, reader: LiveStateReader(provider: cloud.provider), delivery: delivery,
                options: .init(prune: prune, now: now))
        }

        func apply(_ plan: Plan, now: Double = ExecutorTests.now) async -> ApplyResult {
            let runtime = Runtime(now: { now }, sleep: { _ in }, random: { $0 })
            return await Executor(
                provider: cloud.provider, delivery: delivery, tenantID: "tenant",
                subscriptionID: ExecutorTests.subscription.value, runtime: runtime
            )
            .apply(plan, observer: NoObserver())
        }

        func remove() { try? FileManager.default.removeItem(atPath: sinks) }
    }

    @Test func applyingThePlanConvergesToACleanPlan() async throws {
        let fixture = try await Fixture()
        defer { fixture.remove() }
        let first = try await fixture.plan()
        #expect(first.plan.summary.add == 4)
        let result = await fixture.apply(first.plan)
        #expect(!result.failed, "\(result.outcomes)")
        let second = try await fixture.plan()
        #expect(!second.plan.hasChanges, "\(PlanRenderer().text(second.plan))")
        // The role assignment got the deterministic name of its (scope, principal, role) key.
        let assignment = try #require(second.live.roleAssignments.first)
        #expect(assignment.name == assignment.key.deterministicName.value)
        #expect(
            fixture.delivery.deliveredKeyID(.file(".secrets/ml-auth.json"))
                == second.live.applications.first?.passwords.first?.keyID)
        let calls = await fixture.cloud.calls
        #expect(calls.filter { $0.hasPrefix("upsertApplication") }.count == 1)
        #expect(calls.filter { $0.hasPrefix("createService ") }.count == 2)
    }

    /// Issue 15 item 11: a create whose answer was lost (5xx after Graph carried it out) is
    /// retried without leaving a duplicate: the password nobody received is removed before a new
    /// one is added. (Applications are upserted by uniqueName, a PATCH the pipeline repeats freely.)
    @Test func createsWhoseAnswerWasLostAreRetriedWithoutDuplicates() async throws {
        let fixture = try await Fixture()
        defer { fixture.remove() }
        let lost = AzureError(
            service: .graph, status: 500, code: "InternalServerError", message: "lost", target: "POST /applications")
        await fixture.cloud.loseNextAnswer("addPassword", with: lost)
        let result = await fixture.apply(try await fixture.plan().plan)
        #expect(!result.failed, "\(result.outcomes)")
        let applications = await fixture.cloud.applications.map(\.application).filter {
            $0.tags.contains("amlauth:quickstart/ml-auth")
        }
        #expect(applications.count == 1, "one application")
        #expect(applications.first?.passwords.count == 1, "the password nobody received was removed")
        #expect(
            fixture.delivery.deliveredKeyID(.file(".secrets/ml-auth.json"))
                == applications.first?.passwords.first?.keyID)
        let calls = await fixture.cloud.calls
        #expect(calls.filter { $0.hasPrefix("upsertApplication") }.count == 1)
        #expect(calls.filter { $0.hasPrefix("addPassword") }.count == 2)
        #expect(!(try await fixture.plan().plan.hasChanges))
    }

    /// Issue 15 item 11: a role-assignment list that fails after every retry fails only what lies
    /// under its scope: the principal is still planned and applied, the assignment is left out
    /// with a note, and the next plan, with the scope readable again, plans it.
    @Test func aFailedReadOfOneScopeFailsOnlyWhatNeedsIt() async throws {
        let fixture = try await Fixture()
        defer { fixture.remove() }
        await fixture.cloud.failNext(
            "listRoleAssignments",
            with: AzureError(
                service: .resourceManager, status: 503, code: "ServiceUnavailable", message: "try later",
                target: "GET roleAssignments"))
        let plan = try await fixture.plan().plan
        #expect(plan.unplanned.map(\.address?.description) == ["RoleAssignment/ml-auth-reads-workspace"])
        #expect(plan.unplanned.first?.message.contains("ServiceUnavailable") == true)
        #expect(plan.blockers.isEmpty)
        let planned = plan.effective.map(\.address.description)
        #expect(
            planned.contains("ServicePrincipal/ml-auth") && !planned.contains("RoleAssignment/ml-auth-reads-workspace"))
        let result = await fixture.apply(plan)
        #expect(!result.failed, "\(result.outcomes)")
        let next = try await fixture.plan().plan
        #expect(next.unplanned.isEmpty)
        #expect(next.effective.map(\.address.description) == ["RoleAssignment/ml-auth-reads-workspace"])
    }

    /// A caller that may not list the whole subscription's role assignments (403) gets them listed
    /// at each manifest scope instead: the assignments are planned, and the plan says what it could
    /// not see (fidelity audit D18). Before, every assignment was left unplanned.
    @Test func aForbiddenSubscriptionListFallsBackToTheManifestScopes() async throws {
        let fixture = try await Fixture()
        defer { fixture.remove() }
        let subscription = "/subscriptions/\(ExecutorTests.subscription.value)"
        await fixture.cloud.failNext(
            "listRoleAssignments \(subscription)",
            with: AzureError(
                service: .resourceManager, status: 403, code: "AuthorizationFailed",
                message: "does not have authorization to perform action 'Microsoft.Authorization/roleAssignments/read'",
                target: "GET roleAssignments"))
        let plan = try await fixture.plan().plan
        #expect(plan.unplanned.isEmpty, "\(plan.notes)")
        #expect(plan.effective.map(\.address.description).contains("RoleAssignment/ml-auth-reads-workspace"))
        let note = try #require(plan.notes.first { $0.message.contains("could not be listed") })
        #expect(note.message.contains("AuthorizationFailed") && note.message.contains("/resourceGroups/"))
        let calls = await fixture.cloud.calls.filter { $0.hasPrefix("listRoleAssignments ") }
        #expect(calls.contains { $0.lowercased().contains("/resourcegroups/") }, "\(calls)")
    }

    @Test func aFailureKeepsAzuresCodeAndSkipsOnlyItsDependents() async throws {
        let fixture = try await Fixture()
        defer { fixture.remove() }
        await fixture.cloud.failNext(
            "upsertApplication",
            with: AzureError(
                service: .graph, status: 403, code: "Authorization_RequestDenied", message: "Insufficient privileges",
                requestID: "req-42", target: "POST /applications"))
        let plan = try await fixture.plan().plan
        let result = await fixture.apply(plan)
        let outcomes = Dictionary(uniqueKeysWithValues: result.outcomes.map { ($0.0.address.description, $0.1) })
        guard case .failed(let failure)? = outcomes["ServicePrincipal/ml-auth"] else {
            Issue.record("expected the principal to fail: \(result.outcomes)")
            return
        }
        #expect(failure.code == "Authorization_RequestDenied" && failure.status == 403 && failure.requestID == "req-42")
        #expect(
            outcomes["RoleAssignment/ml-auth-reads-workspace"]
                == .skipped(because: ResourceAddress(.servicePrincipal, "ml-auth")))
        #expect(outcomes["Webservice/aci-service-1"] == .applied)
        let report = try JSONParser.parse(ApplyRenderer.report(target: "quickstart", result))
        let entry = report["changes"]?.arrayValue?.first { $0["address"]?.stringValue == "ServicePrincipal/ml-auth" }
        #expect(entry?["error_code"]?.stringValue == "Authorization_RequestDenied")
        #expect(entry?["request_id"]?.stringValue == "req-42")
    }

    @Test func rotationOverLeftoverPasswordsRemovesEachOnce() async throws {
        let fixture = try await Fixture(["amlauth.yaml"])
        defer { fixture.remove() }
        #expect(!(await fixture.apply(try await fixture.plan().plan)).failed)
        let application = try #require(await fixture.cloud.applications.first?.application)
        // A rotation cut short twice: two more passwords nobody received.
        _ = try await fixture.cloud.addPassword(
            applicationID: application.id, displayName: "amlauth:ci:2", endDateTime: Self.now + 100 * 86_400)
        _ = try await fixture.cloud.addPassword(
            applicationID: application.id, displayName: "amlauth:ci:3", endDateTime: Self.now + 101 * 86_400)
        let plan = try await fixture.plan().plan
        let change = try #require(plan.effective.first { $0.address.kind == .servicePrincipal })
        #expect(change.action == .rotate)
        let removals = change.steps.filter { if case .removePassword = $0 { true } else { false } }
        #expect(removals.count == 3)
        #expect(change.steps.contains { if case .addPassword(let request) = $0 { request.serial == 4 } else { false } })
        let result = await fixture.apply(plan)
        #expect(!result.failed, "\(result.outcomes)")
        #expect(await fixture.cloud.applications.first?.application.passwords.map(\.displayName) == ["amlauth:ci:4"])
        #expect(!(try await fixture.plan()).plan.hasChanges)
    }

    @Test func aForeignCertificateIsSentAgainNotDropped() async throws {
        let fixture = try await Fixture(["amlauth.yaml"])
        defer { fixture.remove() }
        #expect(!(await fixture.apply(try await fixture.plan().plan)).failed)
        let application = try #require(await fixture.cloud.applications.first?.application)
        try await fixture.cloud.updateApplication(
            id: application.id, .keyCredentials([CertificateUpload(displayName: "handmade", der: [1, 2, 3])]))
        // The manifests now want a certificate amlauth would have to write over the hand-made one.
        var desired = fixture.desired
        desired.servicePrincipals[0].certificates = [DesiredCertificate(name: "deploy", der: [4, 5, 6])]
        let live = try await LiveStateReader(provider: fixture.cloud.provider).read(desired, delivery: fixture.delivery)
        let plan = Planner(options: .init(now: Self.now)).plan(desired, live)
        #expect(plan.blockers.isEmpty)
        #expect(plan.notes.contains { $0.message.contains("certificates amlauth does not own (handmade)") })
        let handmade = try #require(await fixture.cloud.applications.first?.application.keyCredentials.first)
        let kept = plan.effective.flatMap(\.steps).compactMap { step -> [String]? in
            if case .setCertificates(_, let keeping) = step { keeping } else { nil }
        }
        #expect(kept == [[handmade.keyID]])
    }

    @Test func aSavedPlanIsAppliedAsSavedAcrossADayBoundary() async throws {
        let fixture = try await Fixture(["amlauth.yaml"])
        defer { fixture.remove() }
        #expect(!(await fixture.apply(try await fixture.plan().plan)).failed)
        // 70 days on, the 90-day password is within its 30-day renew_before: a rotation.
        let day70 = Self.now + 70 * 86_400
        let made = try await fixture.plan(now: day70)
        #expect(made.plan.summary.rotate == 1)
        let document = PlanDocument(
            plan: made.plan, manifests: "quickstart", manifestDigest: "sha256:m",
            fingerprints: Fingerprints.of(made.live))
        let saved = try PlanDocument.parse(Array(document.json().serialized().utf8))
        #expect(saved.plan == made.plan, "steps survive the plan file")
        // Applied a day later: the wording moved ("expires in 19d" → "18d"), the decisions did not.
        let later = try await fixture.plan(now: day70 + 86_400)
        #expect(PlanRenderer().text(later.plan) != PlanRenderer().text(made.plan))
        #expect(
            Fingerprints.staleness(
                of: saved, manifests: [], live: later.live, fresh: later.plan, directory: "m", workingDirectory: "/w")
                == ["the manifests in 'm'"],
            "only the (here absent) manifests differ: no object, no decision")
        #expect(Fingerprints.decisionsDiffer(saved.plan, later.plan).isEmpty)
        // A plan file edited after review (a step slipped in) is refused, not executed.
        var tampered = saved
        let rotation = try #require(tampered.plan.changes.firstIndex { $0.action == .rotate })
        tampered.plan.changes[rotation].steps.append(.deleteApplication(objectID: "someone-elses-application"))
        #expect(Fingerprints.decisionsDiffer(tampered.plan, later.plan) == [tampered.plan.changes[rotation].address])
        let result = await fixture.apply(saved.plan, now: day70 + 86_400)
        #expect(!result.failed, "\(result.outcomes)")
        #expect(await fixture.cloud.applications.first?.application.passwords.map(\.displayName) == ["amlauth:ci:2"])
        // Once applied, the same saved plan is stale: the application it read has changed.
        let after = try await fixture.plan(now: day70 + 86_400)
        #expect(!PlanDocument.staleObjects(saved: saved.fingerprints, current: Fingerprints.of(after.live)).isEmpty)
    }

    @Test func aChangedFederatedCredentialIsUpdatedInPlace() async throws {
        let fixture = try await Fixture(["amlauth.yaml"])
        defer { fixture.remove() }
        var desired = fixture.desired
        let main = DesiredFederatedCredential(
            name: "gh", issuer: "https://token.actions.githubusercontent.com",
            subject: "repo:contoso/ml:ref:refs/heads/main",
            audiences: ["api://AzureADTokenExchange"])
        desired.servicePrincipals[0].federatedCredentials = [main]
        let reader = LiveStateReader(provider: fixture.cloud.provider)
        let first = Planner(options: .init(now: Self.now)).plan(
            desired, try await reader.read(desired, delivery: fixture.delivery))
        #expect(!(await fixture.apply(first)).failed)
        let id = try #require(await fixture.cloud.applications.first?.federated.first?.id)
        // The subject moves to the release branch: one PATCH of the same credential, no delete.
        var release = main
        release.subject = "repo:contoso/ml:ref:refs/heads/release"
        desired.servicePrincipals[0].federatedCredentials = [release]
        let plan = Planner(options: .init(now: Self.now)).plan(
            desired, try await reader.read(desired, delivery: fixture.delivery))
        let change = try #require(plan.effective.first)
        #expect(change.steps.dropFirst() == [.updateFederatedCredential(id: id, release)])
        #expect(!(await fixture.apply(plan)).failed)
        #expect(
            await fixture.cloud.applications.first?.federated.map(\.id) == [id], "the same credential, never absent")
        #expect(await fixture.cloud.applications.first?.federated.first?.subject == release.subject)
        #expect(await !fixture.cloud.calls.contains { $0.hasPrefix("deleteFederatedCredential") })
    }

    @Test func theLastServiceOfAWorkspaceIsStillFoundAndPruned() async throws {
        let fixture = try await Fixture()
        defer { fixture.remove() }
        #expect(!(await fixture.apply(try await fixture.plan().plan)).failed)
        // webservices.yaml is deleted: the workspace has no service in the manifests any more.
        let fewer = try await Fixture(["amlauth.yaml"], cloud: fixture.cloud, sinks: fixture.sinks)
        let kept = try await fewer.plan()
        #expect(!kept.plan.hasChanges)
        #expect(
            Set(kept.plan.notes.compactMap(\.address?.name)) == ["aci-service-1", "aks-service-1"],
            "reported, not silently ignored")
        let pruned = try await fewer.plan(prune: true)
        #expect(pruned.plan.effective.map(\.action) == [.delete, .delete])
        #expect(!(await fewer.apply(pruned.plan)).failed)
        #expect(await fixture.cloud.services.values.allSatisfy(\.isEmpty))
    }

    @Test func prunedPrincipalGoesAfterItsAssignments() async throws {
        let fixture = try await Fixture(["amlauth.yaml"])
        defer { fixture.remove() }
        #expect(!(await fixture.apply(try await fixture.plan().plan)).failed)
        // The manifests lose the principal and its assignment: with prune, both are deleted, the
        // assignment first, by a dependency the plan records.
        let empty = try await Fixture(
            [], extra: "apiVersion: amlauth/v1\nkind: Target\nmetadata: {name: quickstart}\nspec: {cloud: local}\n")
        defer { empty.remove() }
        let live = try await LiveStateReader(provider: fixture.cloud.provider).read(empty.desired)
        let plan = Planner(options: .init(prune: true, now: Self.now)).plan(empty.desired, live)
        let principal = try #require(plan.effective.first { $0.address.kind == .servicePrincipal })
        #expect(principal.action == .delete)
        #expect(principal.dependsOn == [ResourceAddress(.roleAssignment, "ml-auth-reads-workspace")])
        let result = await fixture.apply(plan)
        #expect(!result.failed, "\(result.outcomes)")
        let calls = await fixture.cloud.calls
        let deleteAssignment = try #require(calls.firstIndex { $0.hasPrefix("deleteRoleAssignment") })
        let deleteApplication = try #require(calls.firstIndex { $0.hasPrefix("deleteApplication") })
        #expect(deleteAssignment < deleteApplication)
    }
}
