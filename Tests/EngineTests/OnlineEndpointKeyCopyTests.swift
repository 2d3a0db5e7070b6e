import AMLAuthCore
import AzureProvider
import Engine
import Foundation
import Rendering
import TestSupport
import Testing

/// `keys_from` through reader, planner and executor against `FakeCloud` (whose v1 keys are
/// `v1-primary-<service>` and `v1-secondary-<service>`): one planned change copies the keys once,
/// names the service and never a key, and the next plan is clean.
struct OnlineEndpointKeyCopyTests {
    static let subscription = GUID("a925f2f7-5c63-4b7b-8799-25a5f97bc3b2")!
    static let workspaceID = DesiredState.workspaceID(subscription: subscription, resourceGroup: "ml-rg", name: "ml-ws")

    /// A v1 service (declared or not) and the endpoint that takes its keys.
    static func manifests(declareService: Bool, keysFrom: String = "legacy-aci") -> [SourceFile] {
        var text = """
            apiVersion: amlauth/v1
            kind: Target
            metadata: {name: keys}
            spec: {cloud: local}
            ---
            apiVersion: amlauth/v1
            kind: Workspace
            metadata: {name: ml-ws}
            spec: {resource_group: ml-rg}
            ---
            apiVersion: amlauth/v1
            kind: OnlineEndpoint
            metadata: {name: scoring-v2}
            spec:
              workspace: ml-ws
              auth_mode: key
              traffic: {blue: 100}
              keys_from: {webservice: \(keysFrom)}
            ---
            apiVersion: amlauth/v1
            kind: OnlineDeployment
            metadata: {name: scoring-v2-blue}
            spec: {endpoint: scoring-v2, name: blue, model: "mnist:1", instance_type: Standard_DS3_v2}

            """
        if declareService {
            text += """
                ---
                apiVersion: amlauth/v1
                kind: Webservice
                metadata: {name: legacy-aci}
                spec:
                  workspace: ml-ws
                  compute_type: ACI
                  models: ["mnist:1"]
                  entry_script: score.py
                  environment: "env:1"
                  auth_enabled: true

                """
        }
        return [SourceFile(path: "keys.yaml", bytes: Array(text.utf8))]
    }

    struct Fixture {
        let cloud = FakeCloud()
        let sinks = FileManager.default.temporaryDirectory.appendingPathComponent("amlauth-keys-\(UUID().uuidString)")
            .path

        var delivery: SecretDelivery {
            SecretDelivery(baseDirectory: sinks, cloud: .azureCloud, environment: [:], workflowCommands: { _ in })
        }

        func plan(_ files: [SourceFile]) async throws -> Reconciliation.Outcome {
            let result = ManifestValidation(environment: [:]).run(files)
            #expect(!result.diagnostics.hasErrors, "\(result.diagnostics.all)")
            let desired = DesiredState.resolve(
                result.manifests, target: "keys", subscriptionID: OnlineEndpointKeyCopyTests.subscription)
            if await cloud.workspaces.isEmpty {
                await cloud.addWorkspace(OnlineEndpointKeyCopyTests.workspaceID, location: "westeurope")
            }
            return try await Reconciliation.plan(
                result.manifests, desired: desired, reader: LiveStateReader(provider: cloud.provider),
                delivery: delivery, options: .init(now: 1_790_000_000))
        }

        func apply(_ plan: Plan) async -> ApplyResult {
            let runtime = Runtime(now: { 1_790_000_000 }, sleep: { _ in }, random: { $0 })
            return await Executor(
                provider: cloud.provider, delivery: delivery, tenantID: "tenant",
                subscriptionID: OnlineEndpointKeyCopyTests.subscription.value, runtime: runtime
            ).apply(plan, observer: NoObserver())
        }

        /// A v1 service made outside the manifests.
        func addService(_ name: String, keyAuth: Bool) async throws {
            if await cloud.workspaces.isEmpty {
                await cloud.addWorkspace(OnlineEndpointKeyCopyTests.workspaceID, location: "westeurope")
            }
            let base = try await cloud.modelManagementBase(workspaceID: OnlineEndpointKeyCopyTests.workspaceID)
            try await cloud.createService(
                base: base,
                ServiceDefinition(
                    workspace: OnlineEndpointKeyCopyTests.workspaceID, name: name, computeType: .aci,
                    computeTarget: nil, authEnabled: keyAuth, tokenAuthEnabled: false, cpuCores: 1, memoryGB: 1,
                    kvTags: [:], models: [VersionedName(parsing: "mnist:1")!], entryScript: "score.py",
                    environment: VersionedName(parsing: "env:1")!, description: nil))
        }

        func remove() { try? FileManager.default.removeItem(atPath: sinks) }
    }

    @Test(arguments: [true, false])
    func keysAreCopiedOnceAfterTheEndpointAndTheServiceExist(declared: Bool) async throws {
        let fixture = Fixture()
        defer { fixture.remove() }
        if !declared { try await fixture.addService("legacy-aci", keyAuth: true) }
        let files = Self.manifests(declareService: declared)
        let first = try await fixture.plan(files)
        #expect(first.plan.blockers.isEmpty, "\(first.plan.notes)")
        let copy = try #require(first.plan.changes.first { $0.address.name == "scoring-v2/keys" })
        #expect(copy.action == .rotate)
        #expect(copy.dependsOn.contains(ResourceAddress(.onlineEndpoint, "scoring-v2")))
        #expect(copy.dependsOn.contains(ResourceAddress(.webservice, "legacy-aci")) == declared)
        #expect(copy.fields.map(\.after?.description) == ["copied from webservice 'legacy-aci'"])
        // Traffic moves after the copy: both PUT the whole endpoint.
        let traffic = try #require(first.plan.changes.first { $0.address.name == "scoring-v2/traffic" })
        #expect(traffic.dependsOn.contains(copy.address))
        // No key anywhere in the plan, human or JSON: apply reads them.
        let rendered = PlanRenderer().text(first.plan) + PlanRenderer.json(first.plan)
        #expect(rendered.contains("copy_online_endpoint_keys") && rendered.contains("legacy-aci"))
        #expect(!rendered.contains("v1-primary") && !rendered.contains("v1-secondary"))

        let result = await fixture.apply(first.plan)
        #expect(!result.failed, "\(result.outcomes)")
        let endpoint = try #require(await fixture.cloud.endpoints.first { $0.name == "scoring-v2" })
        let keys = await fixture.cloud.endpointKeys[endpoint.id.canonicalKey]
        #expect(
            keys == OnlineEndpointKeys(primaryKey: "v1-primary-legacy-aci", secondaryKey: "v1-secondary-legacy-aci"))
        #expect(endpoint.tags[Markers.keysCopiedFrom] == "legacy-aci")
        #expect(endpoint.traffic == ["blue": 100], "the copy's PUT did not undo the traffic")

        let second = try await fixture.plan(files)
        #expect(!second.plan.hasChanges, "\(PlanRenderer().text(second.plan))")
    }

    @Test func aRepeatedCopySendsOnlyTheKeysTheEndpointLacks() async throws {
        let fixture = Fixture()
        defer { fixture.remove() }
        try await fixture.addService("legacy-aci", keyAuth: true)
        let files = Self.manifests(declareService: false)
        #expect(!(await fixture.apply(try await fixture.plan(files).plan)).failed)
        let calls = await fixture.cloud.calls.filter { $0.hasPrefix("regenerateOnlineEndpointKey") }
        #expect(
            calls == [
                "regenerateOnlineEndpointKey scoring-v2 Primary", "regenerateOnlineEndpointKey scoring-v2 Secondary",
            ])
        // A crash after the copy and before the marker: the marker is gone, the keys are in place.
        let endpoint = try #require(await fixture.cloud.endpoints.first { $0.name == "scoring-v2" })
        await fixture.cloud.editOnlineEndpoint(endpoint.id) { $0.tags[Markers.keysCopiedFrom] = nil }
        let again = try await fixture.plan(files)
        #expect(again.plan.effective.map(\.address.name) == ["scoring-v2/keys"])
        #expect(!(await fixture.apply(again.plan)).failed)
        let after = await fixture.cloud.calls.filter { $0.hasPrefix("regenerateOnlineEndpointKey") }
        #expect(after.count == 2, "no key sent twice: \(after)")
        #expect(!(try await fixture.plan(files)).plan.hasChanges)
    }

    /// The copy's fingerprint is its source's: a saved plan whose v1 service changed or went
    /// away before apply is stale (the service is read with its workspace, declared or not).
    @Test func aSavedCopyIsStaleWhenItsServiceChanges() async throws {
        let fixture = Fixture()
        defer { fixture.remove() }
        try await fixture.addService("legacy-aci", keyAuth: true)
        let files = Self.manifests(declareService: false)
        let saved = Fingerprints.of(try await fixture.plan(files).live)
        let key = "webservice/\(Self.workspaceID.canonicalKey)/legacy-aci"
        #expect(saved[key] != nil)
        let base = try await fixture.cloud.modelManagementBase(workspaceID: Self.workspaceID)
        try await fixture.cloud.deleteService(base: base, name: "legacy-aci")
        let now = Fingerprints.of(try await fixture.plan(files).live)
        #expect(PlanDocument.staleObjects(saved: saved, current: now).contains(key))
    }

    @Test func aLiveServiceThatCannotGiveKeysBlocksThePlan() async throws {
        let fixture = Fixture()
        defer { fixture.remove() }
        let missing = try await fixture.plan(Self.manifests(declareService: false))
        #expect(
            missing.plan.blockers.map(\.message) == [
                "keys_from names web service 'legacy-aci', which no Webservice manifest declares and the endpoint's workspace does not have"
            ])
        try await fixture.addService("open-aci", keyAuth: false)
        let keyless = try await fixture.plan(Self.manifests(declareService: false, keysFrom: "open-aci"))
        #expect(keyless.plan.blockers.map(\.message).first?.contains("has no key auth") == true)
        #expect(!keyless.plan.changes.contains { $0.address.name == "scoring-v2/keys" })
    }
}
