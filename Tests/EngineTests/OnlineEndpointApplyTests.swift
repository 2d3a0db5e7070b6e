import AMLAuthCore
import AzureProvider
import Engine
import Foundation
import Rendering
import TestSupport
import Testing

/// Online endpoints through reader, planner and executor against the in-memory `FakeCloud`, which
/// keeps ARM's rules (traffic only to existing deployments, no delete of a deployment that takes
/// traffic): the planned order is what makes apply succeed.
struct OnlineEndpointApplyTests {
    static let subscription = GUID("a925f2f7-5c63-4b7b-8799-25a5f97bc3b2")!
    static let now = 1_790_000_000.0

    struct Fixture {
        let cloud = FakeCloud()
        let sinks = FileManager.default.temporaryDirectory.appendingPathComponent("amlauth-ep-\(UUID().uuidString)")
            .path

        /// The example's manifests, with `edit` applied to the endpoints file.
        func load(_ edit: (String) -> String = { $0 }) throws -> (ManifestSet, DesiredState) {
            let sources = try ["amlauth.yaml", "endpoints.yaml"].map { name in
                let text = try Paths.read("examples/online-endpoints/\(name)")
                return SourceFile(path: name, bytes: Array((name == "endpoints.yaml" ? edit(text) : text).utf8))
            }
            let result = ManifestValidation(environment: [:]).run(sources)
            #expect(!result.diagnostics.hasErrors, "\(result.diagnostics.all)")
            let desired = DesiredState.resolve(
                result.manifests, target: "online-endpoints", subscriptionID: OnlineEndpointApplyTests.subscription)
            return (result.manifests, desired)
        }

        var delivery: SecretDelivery {
            SecretDelivery(baseDirectory: sinks, cloud: .azureCloud, environment: [:], workflowCommands: { _ in })
        }

        func plan(_ loaded: (ManifestSet, DesiredState), prune: Bool = false) async throws -> Reconciliation.Outcome {
            for workspace in loaded.1.workspaces where await cloud.workspaces.allSatisfy({ $0.id != workspace.id }) {
                await cloud.addWorkspace(workspace.id, location: "westeurope")
            }
            return try await Reconciliation.plan(
                loaded.0, desired: loaded.1, reader: LiveStateReader(provider: cloud.provider), delivery: delivery,
                options: .init(prune: prune, now: OnlineEndpointApplyTests.now))
        }

        func apply(_ plan: Plan) async -> ApplyResult {
            let runtime = Runtime(now: { OnlineEndpointApplyTests.now }, sleep: { _ in }, random: { $0 })
            return await Executor(
                provider: cloud.provider, delivery: delivery, tenantID: "tenant",
                subscriptionID: OnlineEndpointApplyTests.subscription.value, runtime: runtime
            ).apply(plan, observer: NoObserver())
        }

        func remove() { try? FileManager.default.removeItem(atPath: sinks) }
    }

    @Test func applyCreatesEndpointsDeploymentsAndTrafficAndTheSecondPlanIsClean() async throws {
        let fixture = Fixture()
        defer { fixture.remove() }
        let loaded = try fixture.load()
        let first = try await fixture.plan(loaded)
        let addresses = first.plan.effective.map(\.address.description)
        #expect(addresses.contains("OnlineEndpoint/mnist-managed"))
        #expect(addresses.contains("OnlineDeployment/mnist-managed-blue"))
        #expect(addresses.contains("OnlineEndpoint/mnist-managed/traffic"))
        let traffic = try #require(first.plan.changes.first { $0.address.name == "mnist-managed/traffic" })
        #expect(traffic.dependsOn.contains(ResourceAddress(.onlineDeployment, "mnist-managed-blue")))
        let result = await fixture.apply(first.plan)
        #expect(!result.failed, "\(result.outcomes)")
        let endpoints = await fixture.cloud.endpoints
        #expect(endpoints.map(\.name).sorted() == ["mnist-k8s", "mnist-managed"])
        #expect(endpoints.first { $0.name == "mnist-managed" }?.traffic == ["blue": 100])
        #expect(endpoints.first { $0.name == "mnist-managed" }?.authMode == .amlToken)
        #expect(
            endpoints.first { $0.name == "mnist-k8s" }?.compute
                == .kubernetes(computeID: loaded.1.workspaces[0].id.child("computes", "aks-cluster-1")))
        let second = try await fixture.plan(loaded)
        #expect(!second.plan.hasChanges, "\(PlanRenderer().text(second.plan))")
    }

    @Test func raisingKeyRotationRegeneratesOnlyThatKeyOnce() async throws {
        let fixture = Fixture()
        defer { fixture.remove() }
        let loaded = try fixture.load()
        #expect(!(await fixture.apply(try await fixture.plan(loaded).plan)).failed)
        let id = loaded.1.onlineEndpoints.first { $0.address.name == "mnist-k8s" }!.id
        let before = try await fixture.cloud.onlineEndpointKeys(id: id)
        let raised = try fixture.load {
            $0.replacingOccurrences(of: "{primary: 0, secondary: 0}", with: "{primary: 1, secondary: 0}")
        }
        let rotation = try await fixture.plan(raised)
        let change = try #require(rotation.plan.effective.first)
        #expect(rotation.plan.effective.count == 1)
        #expect(change.action == .rotate)
        #expect(change.steps.first == .regenerateOnlineEndpointKey(endpoint: id, key: .primary))
        #expect(!(await fixture.apply(rotation.plan)).failed)
        let after = try await fixture.cloud.onlineEndpointKeys(id: id)
        #expect(after.primaryKey != before.primaryKey)
        #expect(after.secondaryKey == before.secondaryKey)
        let calls = await fixture.cloud.calls.filter { $0.hasPrefix("regenerateOnlineEndpointKey") }
        #expect(calls == ["regenerateOnlineEndpointKey mnist-k8s Primary"])
        #expect(!(try await fixture.plan(raised)).plan.hasChanges, "the generation is recorded: once only")
    }

    @Test func aDeploymentLeavesOnlyAfterTrafficMovedAway() async throws {
        let fixture = Fixture()
        defer { fixture.remove() }
        let green = """
            ---
            apiVersion: amlauth/v1
            kind: OnlineDeployment
            metadata: {name: mnist-managed-green}
            spec: {endpoint: mnist-managed, name: green, model: sklearn-mnist:4}
            """
        let both = try fixture.load {
            $0.replacingOccurrences(of: "traffic: {blue: 100}", with: "traffic: {blue: 50, green: 50}") + green
        }
        #expect(!(await fixture.apply(try await fixture.plan(both).plan)).failed)
        #expect(
            await fixture.cloud.endpoints.first { $0.name == "mnist-managed" }?.traffic == ["blue": 50, "green": 50])
        // Green leaves the manifests and the traffic: ARM refuses to delete a deployment that still
        // takes traffic, so the delete must wait for the traffic change.
        let back = try fixture.load()
        let plan = try await fixture.plan(back, prune: true).plan
        let delete = try #require(
            plan.changes.first { $0.address == ResourceAddress(.onlineDeployment, "mnist-managed-green") })
        #expect(delete.action == .delete)
        #expect(delete.dependsOn.contains(ResourceAddress(.onlineEndpoint, "mnist-managed/traffic")))
        let result = await fixture.apply(plan)
        #expect(!result.failed, "\(result.outcomes)")
        #expect(await fixture.cloud.deployments.map(\.name) == ["blue"])
        #expect(!(try await fixture.plan(back, prune: true)).plan.hasChanges)
    }

    @Test func aWorkspaceWhoseEndpointsCannotBeReadFailsOnlyItsEndpoints() async throws {
        let fixture = Fixture()
        defer { fixture.remove() }
        let loaded = try fixture.load()
        await fixture.cloud.failNext(
            "onlineEndpoints ml-example",
            with: AzureError(
                service: .resourceManager, status: 503, code: "ServiceUnavailable", message: "try later",
                target: "GET onlineEndpoints"))
        let outcome = try await fixture.plan(loaded)
        let unplanned = outcome.plan.unplanned.compactMap(\.address?.description).sorted()
        #expect(
            unplanned == [
                "OnlineDeployment/mnist-managed-blue", "OnlineEndpoint/mnist-k8s", "OnlineEndpoint/mnist-managed",
            ])
        #expect(outcome.plan.unplanned.allSatisfy { $0.message.contains("ServiceUnavailable") })
        // Everything else is planned as usual.
        #expect(outcome.plan.effective.contains { $0.address == ResourceAddress(.servicePrincipal, "scoring-client") })
        #expect(!outcome.plan.effective.contains { $0.address.kind == .onlineEndpoint })
    }

    @Test func anEndpointMadeOutsideAmlauthIsAdoptedOnlyWhenAsked() async throws {
        let fixture = Fixture()
        defer { fixture.remove() }
        let loaded = try fixture.load()
        let workspace = loaded.1.workspaces[0].id
        await fixture.cloud.addWorkspace(workspace, location: "westeurope")
        await fixture.cloud.addOnlineEndpoint(
            OnlineEndpoint(
                id: workspace.child("onlineEndpoints", "mnist-k8s"), name: "mnist-k8s", location: "westeurope",
                authMode: .key, compute: .kubernetes(computeID: workspace.child("computes", "aks-cluster-1"))))
        let blocked = try await fixture.plan(loaded)
        #expect(blocked.plan.blockers.contains { $0.address == ResourceAddress(.onlineEndpoint, "mnist-k8s") })
        let adopting = try await Reconciliation.plan(
            loaded.0, desired: loaded.1, reader: LiveStateReader(provider: fixture.cloud.provider),
            delivery: fixture.delivery, options: .init(adopt: true, now: Self.now))
        let change = try #require(
            adopting.plan.changes.first { $0.address == ResourceAddress(.onlineEndpoint, "mnist-k8s") })
        #expect(change.action == .adopt)
        #expect(!(await fixture.apply(adopting.plan)).failed)
        let tags = await fixture.cloud.endpoints.first { $0.name == "mnist-k8s" }?.tags ?? [:]
        #expect(tags[Markers.serviceTarget] == "online-endpoints")
        #expect(!(try await fixture.plan(loaded)).plan.hasChanges)
    }

    @Test func authModeChangedOutOfBandIsDriftPutBack() async throws {
        let fixture = Fixture()
        defer { fixture.remove() }
        let loaded = try fixture.load()
        #expect(!(await fixture.apply(try await fixture.plan(loaded).plan)).failed)
        let id = loaded.1.onlineEndpoints.first { $0.address.name == "mnist-managed" }!.id
        await fixture.cloud.editOnlineEndpoint(id) { $0.authMode = .key }
        let drift = try await fixture.plan(loaded)
        let change = try #require(drift.plan.effective.first)
        #expect(drift.plan.effective.count == 1)
        #expect(change.action == .update)
        #expect(change.fields.map(\.path) == ["auth_mode"])
        #expect(!(await fixture.apply(drift.plan)).failed)
        #expect(await fixture.cloud.endpoints.first { $0.id == id }?.authMode == .amlToken)
    }
}

/// A saved plan is refused when an endpoint or deployment changed after it was made.
struct OnlineEndpointFingerprintTests {
    @Test func anEndpointChangedSinceThePlanMakesItStale() throws {
        let workspace = DesiredState.workspaceID(
            subscription: OnlineEndpointApplyTests.subscription, resourceGroup: "ml-rg", name: "ml-example")
        var live = LiveState()
        live.onlineEndpoints = [
            LiveOnlineEndpoint(
                workspaceID: workspace, name: "mnist", location: "westeurope", authMode: "AMLToken", computeID: nil,
                tags: [Markers.serviceTarget: "t", Markers.serviceName: "mnist"])
        ]
        live.onlineDeployments = [
            LiveOnlineDeployment(
                endpointID: workspace.child("onlineEndpoints", "mnist"), name: "blue", model: "azureml:m:1",
                tags: [Markers.serviceTarget: "t", Markers.serviceName: "mnist-blue"])
        ]
        let saved = Fingerprints.of(live)
        var changed = live
        changed.onlineEndpoints[0].authMode = "Key"
        changed.onlineDeployments[0].instanceCount = 3
        let stale = PlanDocument.staleObjects(saved: saved, current: Fingerprints.of(changed)).map {
            Fingerprints.label($0, live: changed, target: "t")
        }
        #expect(stale == ["OnlineDeployment/mnist-blue", "OnlineEndpoint/mnist"])
        changed.onlineEndpoints = []
        let gone = PlanDocument.staleObjects(saved: saved, current: Fingerprints.of(changed)).map {
            Fingerprints.label($0, live: changed, target: "t")
        }
        #expect(gone.contains("OnlineEndpoint/mnist (deleted)"))
        #expect(Fingerprints.of(live) == saved, "same live state, same fingerprints")
    }
}
