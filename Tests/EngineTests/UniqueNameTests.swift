import AMLAuthCore
import AzureProvider
import Engine
import Foundation
import LocalCloud
import TestSupport
import Testing

/// Applications are amlauth's by their uniqueName too: one that lost its marker tags is not
/// created again, and a create that finds the key taken updates the existing application.
struct UniqueNameTests {
    static let manifests =
        "apiVersion: amlauth/v1\nkind: Target\nmetadata: {name: uq}\nspec: {cloud: local}\n---\napiVersion: amlauth/v1\nkind: ServicePrincipal\nmetadata: {name: ml-auth}\nspec: {}\n"

    @Test func anApplicationWithOurUniqueNameButNoTagsIsOursAndGetsItsTagsBack() async throws {
        let live = try await LiveCloud.start()
        defer { Task { await live.stopAndRemove() } }
        let engine = try await EngineHarness.connect(live)
        let (manifests, desired) = engine.desired(Self.manifests, target: "uq")
        let principal = try #require(desired.servicePrincipals.first)
        let (untagged, created) = try await engine.graph.upsertApplication(
            uniqueName: principal.uniqueName, displayName: "ml-auth", tags: ["team:ml"])
        #expect(created)

        let plan = try await engine.plan(desired, manifests, delivery: nil).plan
        let change = try #require(plan.changes.first { $0.address == principal.address })
        #expect(change.action == .update, "not a second create: \(change)")
        #expect(change.steps.contains(.setApplicationTags(["amlauth:uq", "amlauth:uq/ml-auth", "team:ml"])))
        let result = await engine.executor(delivery: engine.delivery(NSTemporaryDirectory())).apply(
            plan, observer: NoObserver())
        #expect(!result.failed, "\(result.outcomes)")
        let applications = try await engine.graph.applications(taggedWith: "amlauth:uq/ml-auth")
        #expect(applications.map(\.id) == [untagged.id])
        #expect(try await !engine.plan(desired, manifests, delivery: nil).plan.hasChanges)
    }

    @Test func aPlannedCreateWhoseKeyIsTakenUpdatesTheExistingApplication() async throws {
        let live = try await LiveCloud.start()
        defer { Task { await live.stopAndRemove() } }
        let engine = try await EngineHarness.connect(live)
        let (manifests, desired) = engine.desired(Self.manifests, target: "uq")
        // Planned while nothing existed; another apply creates the application before this one runs.
        let plan = try await engine.plan(desired, manifests, delivery: nil).plan
        #expect(plan.summary.add == 1)
        let racing = await engine.executor(delivery: engine.delivery(NSTemporaryDirectory())).apply(
            plan, observer: NoObserver())
        #expect(!racing.failed)
        let result = await engine.executor(delivery: engine.delivery(NSTemporaryDirectory())).apply(
            plan, observer: NoObserver())
        #expect(!result.failed, "\(result.outcomes)")
        let state = await live.cloud.store.state
        #expect(state.applications.filter { $0.tags.contains("amlauth:uq/ml-auth") }.count == 1)
        let application = try #require(state.applications.first { $0.tags.contains("amlauth:uq/ml-auth") })
        #expect(state.servicePrincipals.filter { $0.appID == application.appID }.count == 1)
    }
}
