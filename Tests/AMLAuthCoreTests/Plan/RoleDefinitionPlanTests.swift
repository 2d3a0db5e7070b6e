import AMLAuthCore
import Foundation
import TestSupport
import Testing

/// The RoleDefinition kind: decoding, a RoleAssignment naming it from another file, its
/// deterministic GUID, ordering in the plan, saved-plan steps, and the endpoint policy judging
/// token clients by its actions.
struct RoleDefinitionPlanTests {
    static let token = "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/token/action"

    static let definition = """
        apiVersion: amlauth/v1
        kind: RoleDefinition
        metadata: {name: token-reader}
        spec:
          role_name: Endpoint Token Reader
          description: tokens only
          actions: [\(token)]
          not_actions: ["Microsoft.MachineLearningServices/*/delete"]
          data_actions: ["Microsoft.MachineLearningServices/workspaces/onlineEndpoints/score/action"]
          assignable_scopes: [{workspace: ml-example}, {resource_group: ml-rg}]

        """

    static func assignment(role: String) -> String {
        """
        apiVersion: amlauth/v1
        kind: RoleAssignment
        metadata: {name: scorer-tokens}
        spec: {principal: {service_principal: scorer}, role: \(role), scope: {workspace: ml-example}}

        """
    }

    /// The assignment comes first, in another file: definitions are known before decoding.
    static func load(role: String = "Endpoint Token Reader") -> ValidationResult {
        OnlineEndpointPlanTests.load(
            assignment(role: role), extra: "---\n" + OnlineEndpointPlanTests.client + "---\n" + definition)
    }

    @Test func decodesAndResolvesARoleByRoleNameOrMetadataName() throws {
        for role in ["Endpoint Token Reader", "token-reader", "TOKEN-READER"] {
            let result = Self.load(role: role)
            #expect(!result.diagnostics.hasErrors, "\(result.diagnostics.all)")
            let definition = try #require(result.manifests.roleDefinitions.first)
            #expect(definition.roleName == "Endpoint Token Reader")
            #expect(definition.permission.notActions == ["Microsoft.MachineLearningServices/*/delete"])
            #expect(definition.assignableScopes == [.workspace("ml-example"), .resourceGroup("ml-rg")])
            let assigned = try #require(result.manifests.roleAssignments.first).role
            #expect(assigned.definition == "token-reader")
            #expect(assigned.guid == DeterministicName.roleDefinition(target: "t", name: "token-reader"))
        }
        #expect(
            DeterministicName.roleDefinition(target: "t", name: "token-reader")
                != DeterministicName.roleDefinition(target: "u", name: "token-reader"), "a Target has its own roles")
    }

    @Test func operationsMustHaveAzuresForm() {
        for good in ["*", "*/read", "Microsoft.Storage/*", Self.token, "Microsoft.Compute/virtualMachines/*/read"] {
            #expect(ActionPattern.problem(good) == nil, "\(good)")
        }
        for bad in ["read", "onlineEndpoints/token", "Microsoft.X//read", "Microsoft.X/a b/read", "Microsoft.X/"] {
            #expect(ActionPattern.problem(bad) != nil, "\(bad)")
        }
    }

    @Test func desiredStatePlanAndSavedStepsCarryTheRole() throws {
        let result = Self.load()
        let desired = DesiredState.resolve(
            result.manifests, target: "other", subscriptionID: OnlineEndpointPlanTests.subscription)
        let role = try #require(desired.roleDefinitions.first)
        #expect(role.id == DeterministicName.roleDefinition(target: "other", name: "token-reader"))
        #expect(desired.roleAssignments.first?.role.guid == role.id, "the GUID follows the Target plan is run for")
        #expect(role.assignableScopes.first == OnlineEndpointPlanTests.workspace)
        #expect(role.description == "managed by amlauth: other/token-reader — tokens only")

        let plan = Planner(options: .init(now: 0)).plan(desired, LiveState())
        let create = try #require(plan.changes.first { $0.address.kind == .roleDefinition })
        #expect(create.action == .create)
        let assign = try #require(plan.changes.first { $0.address.kind == .roleAssignment })
        #expect(assign.dependsOn.contains(create.address))
        for step in create.steps {
            #expect(try Step(json: step.json()) == step, "a saved plan reads its steps back")
        }
        let delete = Step.deleteRoleDefinition(
            RoleDefinitionDelete(subscription: AzureResourceID(subscription: role.id), id: role.id, roleName: "x"))
        #expect(try Step(json: delete.json()) == delete)
    }

    @Test func onlyNamesARoleDefinition() throws {
        let desired = DesiredState.resolve(
            Self.load().manifests, target: "t", subscriptionID: OnlineEndpointPlanTests.subscription)
        let address = ResourceAddress(.roleDefinition, "token-reader")
        let plan = Planner(options: .init(only: [address], now: 0)).plan(desired, LiveState())
        #expect(plan.selection?.unknown.isEmpty == true, "\(String(describing: plan.selection))")
        #expect(plan.changes.map(\.address) == [address])
    }

    @Test func preflightAsksForRoleDefinitionWritesAtTheSubscription() throws {
        let result = Self.load()
        let desired = DesiredState.resolve(
            result.manifests, target: "t", subscriptionID: OnlineEndpointPlanTests.subscription)
        let plan = Planner(options: .init(now: 0)).plan(desired, LiveState())
        let subscription = AzureResourceID(subscription: OnlineEndpointPlanTests.subscription)
        let needs = PermissionNeeds(plan: plan, live: LiveState())
        #expect(
            needs.arm.contains {
                $0.operation == NeededOperation.roleDefinitionWrite && $0.scope == subscription
                    && $0.neededBy.contains(ResourceAddress(.roleDefinition, "token-reader"))
            }, "\(needs.arm)")
        #expect(PermissionNeeds.likelyScopes(desired).contains(subscription))
        #expect(
            BuiltInRolePermissions.narrowest(granting: NeededOperation.roleDefinitionWrite)?.name
                == "User Access Administrator")
    }

    @Test func aCustomRoleOfTheManifestsOrTheCloudIsJudgedByItsActions() throws {
        // Planned: the token client's only role is the RoleDefinition, which grants token/action.
        let planned = "---\n" + Self.definition + "---\n" + Self.assignment(role: "token-reader")
        #expect(try OnlineEndpointPlanTests.policy(auth: "aml_token", roles: [], planned: planned).isEmpty)
        // It does not grant listKeys: a key endpoint's client lacks its action.
        let findings = try OnlineEndpointPlanTests.policy(auth: "key", roles: [], planned: planned)
        #expect(findings.map(\.code) == [.endpointClientAction])
        #expect(findings.first?.message.contains("Endpoint Token Reader") == true)
        #expect(findings.first?.hint?.contains("kind: RoleDefinition") == true)
    }

    @Test func aBroadRolesWarningShowsTheRoleDefinitionToWrite() throws {
        let owner = RoleReference.owner.guid
        let finding = try #require(try OnlineEndpointPlanTests.policy(auth: "aml_token", roles: [owner]).first)
        #expect(finding.code == .endpointClientBroadRole)
        let hint = try #require(finding.hint)
        #expect(hint.contains("kind: RoleDefinition\n  metadata: {name: mnist-token-reader}"))
        #expect(hint.contains("actions: [\(Self.token), "))
        #expect(hint.contains("role: mnist-token-reader"))
        let scoring = try #require(try OnlineEndpointPlanTests.policy(auth: "aad_token", roles: [owner]).first?.hint)
        #expect(
            scoring.contains("actions: [Microsoft.MachineLearningServices/workspaces/onlineEndpoints/score/action, "))
    }

    @Test func aLiveCustomRoleCountsToo() throws {
        let id = try #require(GUID("11111111-2222-4333-8444-555555555555"))
        func role(_ actions: [String]) -> LiveRoleDefinition {
            LiveRoleDefinition(
                id: id, roleName: "someone's role", description: nil, permission: Permission(actions: actions),
                assignableScopes: [AzureResourceID(subscription: OnlineEndpointPlanTests.subscription)])
        }
        let reads = try OnlineEndpointPlanTests.policy(auth: "aml_token", roles: [id], liveRoles: [role(["*/read"])])
        #expect(reads.map(\.code) == [.endpointClientAction], "a custom role read from the cloud is judged")
        #expect(reads.first?.message.contains("someone's role") == true)
        let tokens = try OnlineEndpointPlanTests.policy(auth: "aml_token", roles: [id], liveRoles: [role([Self.token])])
        #expect(tokens.isEmpty)
    }
}
