import AMLAuthCore
import AuthCrypto
import AzureProvider
import Engine
import Foundation
import HTTPClient
import LocalCloud
import TestSupport
import Testing

/// Reading live state from the local cloud costs O(scopes) requests, not O(resources).
@Suite(.serialized)
struct LiveStateReaderTests {
    @Test func thousandRoleAssignmentsInOneScopeCostAHandfulOfRequests() async throws {
        // Request counts: without Graph replication lag, whose retries would add requests.
        let live = try await LiveCloud.start(options: LocalCloudOptions())
        defer { Task { await live.stopAndRemove() } }
        let subscription = try await EngineHarness.connect(live).subscription
        let workspace =
            "/subscriptions/\(subscription)/resourceGroups/ml-rg/providers/Microsoft.MachineLearningServices/workspaces/ml-example"
        let count = 1_000
        // 1,000 groups, each with Reader on the workspace, owned by the target "big".
        let groups = (0..<count).map { _ in SecureRandom.uuid() }
        try await live.cloud.store.write { state in
            for (index, id) in groups.enumerated() {
                state.directoryObjects.append(
                    DirectoryObjectRecord(id: id, type: "Group", displayName: "group-\(index)"))
                state.roleAssignments.append(
                    RoleAssignmentRecord(
                        name: SecureRandom.uuid(), scope: workspace, roleDefinitionID: RoleReference.reader.guid.value,
                        principalID: id, principalType: "Group",
                        description: "managed by amlauth: big/ra-\(index)", createdOn: 0, createdBy: "test"))
            }
        }
        var manifests =
            "apiVersion: amlauth/v1\nkind: Target\nmetadata: {name: big}\nspec: {cloud: local}\n---\napiVersion: amlauth/v1\nkind: Workspace\nmetadata: {name: ml-example}\nspec: {resource_group: ml-rg}\n"
        for (index, id) in groups.enumerated() {
            manifests +=
                "---\napiVersion: amlauth/v1\nkind: RoleAssignment\nmetadata: {name: ra-\(index)}\nspec: {principal: {object_id: \(id), type: Group}, role: Reader, scope: {workspace: ml-example}}\n"
        }
        let result = ManifestValidation(environment: [:]).run([
            SourceFile(path: "big.yaml", bytes: Array(manifests.utf8))
        ])
        #expect(!result.diagnostics.hasErrors)
        let desired = DesiredState.resolve(result.manifests, target: "big", subscriptionID: subscription)

        let engine = try await EngineHarness.connect(live)
        live.cloud.counters.reset()
        let plan = try await engine.plan(desired, result.manifests, delivery: nil).plan
        #expect(!plan.hasChanges, "\(plan.summary.line)")
        #expect(plan.changes.count == count)
        let requests = live.cloud.counters.total()
        // A token, the tagged application query, ⌈1001 / 200⌉ = 6 pages of assignments, the
        // declared workspace (ARM GET, discovery, its services, its online endpoints) and the
        // subscription's workspace list (services the Target owns in workspaces no manifest declares),
        // and the subscription's custom roles (one list, to find owned roles to prune).
        #expect(requests <= 16, "\(requests) requests for \(count) role assignments")
        #expect(live.cloud.counters.total(matching: "roleDefinitions") == 1)
        #expect(live.cloud.counters.total(matching: "onlineEndpoints") == 1)
        #expect(live.cloud.counters.total(matching: "roleAssignments") == 6)
    }

    @Test func principalsAndComputesThatDoNotExistAreReportedAtPlanTime() async throws {
        let live = try await LiveCloud.start()
        defer { Task { await live.stopAndRemove() } }
        let engine = try await EngineHarness.connect(live)
        let group = SecureRandom.uuid()
        let typo = "0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9"
        try await live.cloud.store.write {
            $0.directoryObjects.append(DirectoryObjectRecord(id: group, type: "Group", displayName: "ml-readers"))
        }
        let manifests = """
            apiVersion: amlauth/v1
            kind: Target
            metadata: {name: t}
            spec: {cloud: local}
            ---
            apiVersion: amlauth/v1
            kind: Workspace
            metadata: {name: ml-example}
            spec: {resource_group: ml-rg}
            ---
            apiVersion: amlauth/v1
            kind: RoleAssignment
            metadata: {name: readers}
            spec: {principal: {object_id: \(group), type: Group}, role: Reader, scope: {workspace: ml-example}}
            ---
            apiVersion: amlauth/v1
            kind: RoleAssignment
            metadata: {name: typo}
            spec: {principal: {object_id: \(typo), type: Group}, role: Reader, scope: {workspace: ml-example}}
            ---
            apiVersion: amlauth/v1
            kind: Webservice
            metadata: {name: svc}
            spec: {workspace: ml-example, compute_type: AKS, compute_target: aks-typo, models: ["m:1"], entry_script: score.py, environment: "e:1", token_auth_enabled: true}
            """
        let (set, desired) = engine.desired(manifests, target: "t")
        live.cloud.counters.reset()
        let outcome = try await engine.plan(desired, set, delivery: nil)
        #expect(outcome.live.missingPrincipals == [GUID(typo)!])
        #expect(live.cloud.counters.total(matching: "getByIds") == 1, "one lookup for every named principal")
        let principal = try #require(outcome.policy.first { $0.code == .principalNotFound })
        #expect(principal.severity == .error)
        #expect(principal.message.contains(typo))
        #expect(
            principal.location.map { "\($0)" }?.hasPrefix("m.yaml:19:") == true,
            "at the object_id: \(String(describing: principal.location))")
        let compute = try #require(outcome.policy.first { $0.code == .computeNotFound })
        #expect(
            compute.message
                == "compute 'aks-typo' does not exist in workspace 'ml-example'; attach the AKS cluster first")
    }

    @Test func unownedPrincipalsAreLookedUpFifteenNamesPerRequest() async throws {
        // Request counts: without Graph replication lag, whose retries would add requests.
        let live = try await LiveCloud.start(options: LocalCloudOptions())
        defer { Task { await live.stopAndRemove() } }
        let subscription = try await EngineHarness.connect(live).subscription
        let count = 40
        var manifests = "apiVersion: amlauth/v1\nkind: Target\nmetadata: {name: many}\nspec: {cloud: local}\n"
        for index in 0..<count {
            manifests +=
                "---\napiVersion: amlauth/v1\nkind: ServicePrincipal\nmetadata: {name: sp-\(index)}\nspec: {display_name: \"it's sp \(index)\"}\n"
        }
        let result = ManifestValidation(environment: [:]).run([
            SourceFile(path: "many.yaml", bytes: Array(manifests.utf8))
        ])
        #expect(!result.diagnostics.hasErrors)
        let desired = DesiredState.resolve(result.manifests, target: "many", subscriptionID: subscription)

        let engine = try await EngineHarness.connect(live)
        let graph = engine.graph
        // Two of them were made by hand, one with a quote in its name; the last one is outside the first batch.
        // A third is ours by its uniqueName alone (tags lost, renamed): found by the uniqueName queries.
        let renamed = try #require(desired.servicePrincipals.first { $0.address.name == "sp-20" })
        let handmade = [
            try await graph.createApplication(displayName: "it's sp 3", tags: []),
            try await graph.createApplication(displayName: "it's sp 39", tags: []),
            try await graph.upsertApplication(uniqueName: renamed.uniqueName, displayName: "renamed", tags: []).0,
        ]
        live.cloud.counters.reset()
        live.cloud.batchItemCounters.reset()
        let state = try await engine.reader.read(desired)
        #expect(Set(state.applications.map(\.objectID)) == Set(handmade.map(\.id)))
        // The tagged query, then ⌈40 / 15⌉ = 3 name queries in one batch and 3 uniqueName queries
        // in another, in flight together: not one request per principal nor per 15 of them; then
        // the found applications' credentials in a third batch.
        let items = live.cloud.batchItemCounters
        #expect(live.cloud.counters.total(matching: "applications") == 1, "only the tagged query goes alone")
        #expect(live.cloud.counters.total(matching: "$batch") == 3)
        #expect(items.total(matching: "applications") - items.total(matching: "federatedIdentityCredentials") == 6)
        #expect(items.total(matching: "federatedIdentityCredentials") == handmade.count)
        #expect(
            live.cloud.counters.total(matching: "servicePrincipals") == 1,
            "the found applications' principals in one query")
    }
}
