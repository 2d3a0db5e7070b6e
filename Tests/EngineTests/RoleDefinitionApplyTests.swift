import AMLAuthCore
import AzureProvider
import Engine
import Foundation
import LocalCloud
import TestSupport
import Testing

/// Custom roles through the local cloud: created under their deterministic GUID and assigned
/// after, left alone when in sync, updated in place, pruned after their assignments, and adopted
/// by role name.
@Suite(.serialized)
struct RoleDefinitionApplyTests {
    static let header = """
        apiVersion: amlauth/v1
        kind: Target
        metadata: {name: roles}
        spec: {cloud: local}
        ---
        apiVersion: amlauth/v1
        kind: Workspace
        metadata: {name: ml-example}
        spec: {resource_group: ml-rg}
        ---
        apiVersion: amlauth/v1
        kind: ServicePrincipal
        metadata: {name: scorer}
        spec: {}
        """

    static func roles(actions: [String], adopt: Bool = false) -> String {
        header + """

            ---
            apiVersion: amlauth/v1
            kind: RoleDefinition
            metadata: {name: token-reader}
            spec:
              description: may fetch endpoint tokens
              actions: [\(actions.joined(separator: ", "))]
              assignable_scopes: [{workspace: ml-example}]
              adopt: \(adopt)
            ---
            apiVersion: amlauth/v1
            kind: RoleAssignment
            metadata: {name: scorer-tokens}
            spec:
              principal: {service_principal: scorer}
              role: token-reader
              scope: {workspace: ml-example}
            """
    }

    static let token = "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/token/action"
    static let listKeys = "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/listKeys/action"

    /// Plans `yaml` and applies the plan; returns the plan.
    static func apply(_ yaml: String, _ engine: EngineHarness, prune: Bool = false) async throws -> Plan {
        let (manifests, desired) = engine.desired(yaml, target: "roles")
        let plan = try await engine.plan(
            desired, manifests, delivery: nil, options: Planner.Options(prune: prune, now: engine.runtime.now())
        ).plan
        let result = await engine.executor(delivery: engine.delivery(NSTemporaryDirectory())).apply(
            plan, observer: NoObserver())
        #expect(!result.failed, "\(result.outcomes.map { "\($0.0.address) \($0.1)" })")
        return plan
    }

    static func isClean(_ yaml: String, _ engine: EngineHarness) async throws -> Bool {
        let (manifests, desired) = engine.desired(yaml, target: "roles")
        let plan = try await engine.plan(desired, manifests, delivery: nil).plan
        return !plan.hasChanges
    }

    @Test func createsKeepsUpdatesAndPrunesACustomRole() async throws {
        let live = try await LiveCloud.start()
        defer { Task { await live.stopAndRemove() } }
        let engine = try await EngineHarness.connect(live)
        let guid = DeterministicName.roleDefinition(target: "roles", name: "token-reader").value

        let created = try await Self.apply(Self.roles(actions: [Self.token]), engine)
        let assignment = try #require(
            created.changes.first { $0.address == ResourceAddress(.roleAssignment, "scorer-tokens") })
        #expect(assignment.dependsOn.contains(ResourceAddress(.roleDefinition, "token-reader")))
        var stored = await live.cloud.store.state
        let role = try #require(stored.customRoles?.first { $0.id == guid })
        #expect(role.roleName == "token-reader")
        #expect(role.description.hasPrefix("managed by amlauth: roles/token-reader"))
        #expect(stored.roleAssignments.contains { $0.roleDefinitionID == guid })
        #expect(try await Self.isClean(Self.roles(actions: [Self.token]), engine))

        // The same actions in another order and case are no change; another action is an update.
        #expect(try await Self.isClean(Self.roles(actions: [Self.token.uppercased()]), engine))
        let updated = try await Self.apply(Self.roles(actions: [Self.token, Self.listKeys]), engine)
        #expect(updated.changes.first { $0.address.kind == .roleDefinition }?.action == .update)
        stored = await live.cloud.store.state
        #expect(Set(stored.customRoles?.first { $0.id == guid }?.actions ?? []) == [Self.token, Self.listKeys])
        #expect(try await Self.isClean(Self.roles(actions: [Self.listKeys, Self.token]), engine))

        // Out of the manifests and pruned: the assignment goes first, or ARM would refuse.
        let pruned = try await Self.apply(Self.header, engine, prune: true)
        let deletion = try #require(
            pruned.changes.first { $0.address == ResourceAddress(.roleDefinition, "token-reader") })
        #expect(deletion.action == .delete)
        #expect(deletion.dependsOn.contains(ResourceAddress(.roleAssignment, "scorer-tokens")))
        stored = await live.cloud.store.state
        #expect(stored.customRoles?.contains { $0.id == guid } != true)
        #expect(!stored.roleAssignments.contains { $0.roleDefinitionID == guid })
    }

    @Test func adoptsAnUnownedRoleOfTheSameNameAndAssignsItsOwnGUID() async throws {
        let live = try await LiveCloud.start()
        defer { Task { await live.stopAndRemove() } }
        let engine = try await EngineHarness.connect(live)
        let foreign = "0b5fe924-9a61-425c-96af-cfe6e287ca2d"
        let subscription = "/subscriptions/\(engine.subscription.value)"
        _ = try await engine.provider.authorization.putRoleDefinition(
            scope: subscription,
            AuthorizationClient.RoleDefinition(
                name: foreign, roleName: "token-reader", description: "made in the portal",
                permission: Permission(actions: [Self.token]), assignableScopes: [subscription]))

        let (manifests, desired) = engine.desired(Self.roles(actions: [Self.token]), target: "roles")
        let waiting = try await engine.plan(desired, manifests, delivery: nil).plan
        #expect(!waiting.changes.contains { $0.address.kind == .roleDefinition || $0.address.kind == .roleAssignment })
        #expect(waiting.notes.contains { $0.message.contains("--adopt") })

        let adopted = try await Self.apply(Self.roles(actions: [Self.token], adopt: true), engine)
        #expect(adopted.changes.first { $0.address.kind == .roleDefinition }?.action == .adopt)
        let stored = await live.cloud.store.state
        #expect(stored.customRoles?.count == 1)
        let role = try #require(stored.customRoles?.first)
        #expect(role.id == foreign)
        #expect(role.description.hasPrefix("managed by amlauth: roles/token-reader"))
        #expect(role.assignableScopes.contains { $0.lowercased().hasSuffix("/workspaces/ml-example") })
        #expect(stored.roleAssignments.contains { $0.roleDefinitionID == foreign })
        #expect(try await Self.isClean(Self.roles(actions: [Self.token]), engine))
    }
}
