import AMLAuthCore
import Foundation
import TestSupport
import Testing
import YAMLSource

/// The OnlineEndpoint and OnlineDeployment kinds: decoding, the plan's ordering, and the plan-time
/// policy of who may fetch keys and tokens.
struct OnlineEndpointPlanTests {
    static let subscription = GUID("a925f2f7-5c63-4b7b-8799-25a5f97bc3b2")!
    static let spID = GUID("5d1e6f3a-2b4c-4d5e-8f90-a1b2c3d4e5f6")!
    static let workspace = DesiredState.workspaceID(
        subscription: subscription, resourceGroup: "ml-rg", name: "ml-example")

    static func load(_ endpoints: String, extra: String = "") -> ValidationResult {
        Validate.files([("base.yaml", Validate.target + "---\n" + Validate.workspace + extra), ("m.yaml", endpoints)])
    }

    static let client = """
        apiVersion: amlauth/v1
        kind: ServicePrincipal
        metadata: {name: scorer}
        spec: {display_name: scorer}

        """

    static func endpoint(_ auth: String = "aml_token", clients: String = "[scorer]") -> String {
        """
        apiVersion: amlauth/v1
        kind: OnlineEndpoint
        metadata: {name: mnist}
        spec:
          workspace: ml-example
          auth_mode: \(auth)
          token_clients: \(clients)
          traffic: {blue: 100}
        ---
        apiVersion: amlauth/v1
        kind: OnlineDeployment
        metadata: {name: mnist-blue}
        spec: {endpoint: mnist, name: blue, model: sklearn-mnist:3, instance_count: 2}

        """
    }

    @Test func decodesBothKindsWithAzureMLFieldNames() throws {
        let result = Self.load(
            Self.endpoint()
                + "---\napiVersion: amlauth/v1\nkind: OnlineEndpoint\nmetadata: {name: k8s}\nspec: {workspace: ml-example, compute: aks-1, key_rotation: {primary: 2}, public_network_access: disabled, tags: {team: a}}\n",
            extra: "---\n" + Self.client)
        #expect(!result.diagnostics.hasErrors, "\(result.diagnostics.all)")
        let endpoints = result.manifests.onlineEndpoints
        let managed = try #require(endpoints.first { $0.name == "mnist" })
        #expect(managed.compute == .managed)
        #expect(managed.authMode == .amlToken)
        #expect(managed.traffic == ["blue": 100])
        #expect(managed.tokenClients == ["scorer"])
        let k8s = try #require(endpoints.first { $0.name == "k8s" })
        #expect(k8s.compute == .kubernetes("aks-1"))
        #expect(k8s.authMode == .key, "key is az ml's default")
        #expect(k8s.keyRotation.primary == 2)
        #expect(k8s.publicNetworkAccess == "disabled")
        #expect(k8s.tags == ["team": "a"])
        let deployment = try #require(result.manifests.onlineDeployments.first)
        #expect(deployment.deploymentName == "blue")
        #expect(deployment.model.description == "sklearn-mnist:3")
        #expect(deployment.instanceCount == 2)
        #expect(result.manifests.count == 6)
    }

    @Test func crossResourceRulesAreLocated() {
        let text = """
            apiVersion: amlauth/v1
            kind: OnlineEndpoint
            metadata: {name: Bad_Name}
            spec: {workspace: ml-example, auth_mode: none}
            ---
            apiVersion: amlauth/v1
            kind: OnlineDeployment
            metadata: {name: d1}
            spec: {endpoint: nope, name: blue, model: m:1}
            ---
            apiVersion: amlauth/v1
            kind: OnlineDeployment
            metadata: {name: d2}
            spec: {endpoint: nope, name: blue, model: m:1}

            """
        let found = Self.load(text).diagnostics.all.map { "\($0.code.rawValue) \($0.location?.line ?? 0)" }
        #expect(found.contains("AMLA405 3"), "endpoint name rule: \(found)")
        #expect(found.contains("AMLA206 4"), "no 'none' auth in v2: \(found)")
        #expect(found.contains("AMLA301 9"), "deployment names an endpoint of the set: \(found)")
        #expect(found.contains("AMLA306 14"), "deployment names are unique per endpoint: \(found)")
    }

    static func plan(_ live: LiveState, endpoints: String? = nil, prune: Bool = false) throws -> Plan {
        let result = Self.load(endpoints ?? Self.endpoint(), extra: "---\n" + Self.client)
        #expect(!result.diagnostics.hasErrors, "\(result.diagnostics.all)")
        let desired = DesiredState.resolve(result.manifests, target: "t", subscriptionID: Self.subscription)
        return Planner(options: .init(prune: prune, now: 0)).plan(desired, live)
    }

    @Test func trafficMovesOnlyAfterTheDeploymentsExist() throws {
        var live = LiveState()
        live.workspaces = [LiveWorkspace(id: Self.workspace, location: "westeurope")]
        let plan = try Self.plan(live)
        let endpoint = try #require(plan.changes.first { $0.address == ResourceAddress(.onlineEndpoint, "mnist") })
        guard case .putOnlineEndpoint(let put)? = endpoint.steps.first else {
            Issue.record("the endpoint change puts the endpoint")
            return
        }
        #expect(put.traffic.isEmpty, "a new endpoint starts without traffic: its deployments do not exist yet")
        #expect(put.location == "westeurope", "the live workspace's region")
        #expect(put.tags[Markers.serviceTarget] == "t")
        let deployment = try #require(plan.changes.first { $0.address.kind == .onlineDeployment })
        #expect(deployment.dependsOn == [ResourceAddress(.onlineEndpoint, "mnist")])
        let traffic = try #require(plan.changes.first { $0.address.name == "mnist/traffic" })
        #expect(traffic.dependsOn.contains(ResourceAddress(.onlineDeployment, "mnist-blue")))
        #expect(traffic.fields.first?.after == "blue=100")
    }

    @Test func aComputeChangeReplacesTheEndpointAndRecreatesItsDeployments() throws {
        var live = LiveState()
        let endpointID = Self.workspace.child("onlineEndpoints", "mnist")
        live.onlineEndpoints = [
            LiveOnlineEndpoint(
                workspaceID: Self.workspace, name: "mnist", location: "westeurope", authMode: "AMLToken",
                computeID: Self.workspace.child("computes", "aks-1"), traffic: ["blue": 100],
                tags: [Markers.serviceTarget: "t", Markers.serviceName: "mnist"])
        ]
        live.onlineDeployments = [
            LiveOnlineDeployment(
                endpointID: endpointID, name: "blue", model: "azureml:sklearn-mnist:3", instanceCount: 2,
                tags: [Markers.serviceTarget: "t", Markers.serviceName: "mnist-blue"])
        ]
        let plan = try Self.plan(live)
        let endpoint = try #require(plan.changes.first { $0.address == ResourceAddress(.onlineEndpoint, "mnist") })
        #expect(endpoint.action == .replace)
        #expect(endpoint.steps.first == .deleteOnlineEndpoint(endpointID))
        #expect(plan.changes.first { $0.address.kind == .onlineDeployment }?.action == .create)
        #expect(plan.changes.contains { $0.address.name == "mnist/traffic" })
    }

    // MARK: Policy

    static func policy(
        auth: String, roles: [GUID], planned: String = "", liveRoles: [LiveRoleDefinition] = []
    ) throws -> [Diagnostic] {
        let result = Self.load(Self.endpoint(auth), extra: "---\n" + Self.client + planned)
        #expect(!result.diagnostics.hasErrors, "\(result.diagnostics.all)")
        let desired = DesiredState.resolve(result.manifests, target: "t", subscriptionID: Self.subscription)
        var live = LiveState()
        live.applications = [
            LiveApplication(
                objectID: "app", appID: "app-id", displayName: "scorer", tags: ["amlauth:t", "amlauth:t/scorer"],
                passwords: [], federatedCredentials: [], servicePrincipalID: Self.spID.value)
        ]
        live.roleDefinitions = liveRoles
        live.roleAssignments = roles.enumerated().map { index, role in
            LiveRoleAssignment(
                name: "ra-\(index)", key: RoleAssignmentKey(scope: Self.workspace, principal: Self.spID, role: role),
                principalType: "ServicePrincipal", description: nil)
        }
        return PlanPolicy.check(result.manifests, desired, live).all.filter {
            [.endpointClientAction, .endpointClientBroadRole].contains($0.code)
        }
    }

    @Test func readerCannotFetchAMLTokens() throws {
        let findings = try Self.policy(auth: "aml_token", roles: [RoleReference.reader.guid])
        let finding = try #require(findings.first)
        #expect(findings.count == 1)
        #expect(finding.code == .endpointClientAction)
        #expect(finding.severity == .error)
        #expect(finding.message.contains("may not token/action endpoint 'mnist'"))
        #expect(finding.message.contains("(Reader)"))
        #expect(finding.location?.file == "m.yaml")
        #expect(finding.location?.line == 7, "at the token client")
    }

    @Test func aClientWithNoRoleAtAllIsAnError() throws {
        let findings = try Self.policy(auth: "key", roles: [])
        #expect(findings.map(\.code) == [.endpointClientAction])
        #expect(findings.first?.message.contains("listKeys/action") == true)
    }

    @Test func aBroadRoleIsAWarningThatSuggestsTheNarrowAction() throws {
        let scientist = try #require(GUID("f6c7c914-8db3-469d-8ca1-694a8f32e121"))
        let findings = try Self.policy(auth: "aad_token", roles: [scientist])
        let finding = try #require(findings.first)
        #expect(findings.count == 1)
        #expect(finding.code == .endpointClientBroadRole)
        #expect(finding.severity == .warning)
        #expect(finding.message.contains("'AzureML Data Scientist'"))
        #expect(finding.hint?.contains("onlineEndpoints/score/action") == true)
    }

    @Test func aPlannedAssignmentCountsAndAnUnknownRoleIsNotJudged() throws {
        let planned = """
            ---
            apiVersion: amlauth/v1
            kind: RoleAssignment
            metadata: {name: scorer-tokens}
            spec: {principal: {service_principal: scorer}, role: Owner, scope: {workspace: ml-example}}

            """
        #expect(
            try Self.policy(auth: "aml_token", roles: [], planned: planned).map(\.code) == [.endpointClientBroadRole])
        let custom = try #require(GUID("11111111-2222-4333-8444-555555555555"))
        #expect(try Self.policy(auth: "aml_token", roles: [custom]).isEmpty, "a custom role may grant it")
    }

    @Test func rolesMatchActionsWithWildcardsAndNotActions() throws {
        let scientist = try #require(GUID("f6c7c914-8db3-469d-8ca1-694a8f32e121"))
        for mode in OnlineEndpointAuth.allCases { #expect(PlanPolicy.grants(scientist, mode.clientAction) == true) }
        #expect(PlanPolicy.grants(scientist, "Microsoft.MachineLearningServices/workspaces/listKeys/action") == false)
        let reader = RoleReference.reader.guid
        #expect(PlanPolicy.grants(reader, "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/read") == true)
        #expect(PlanPolicy.grants(reader, OnlineEndpointAuth.amlToken.clientAction) == false)
        #expect(PlanPolicy.grants(try #require(GUID("11111111-2222-4333-8444-555555555555")), "x/read") == nil)
    }

    @Test func anEndpointNameTakenInTheRegionIsAnError() throws {
        let result = Self.load(Self.endpoint(clients: "[]"))
        let desired = DesiredState.resolve(result.manifests, target: "t", subscriptionID: Self.subscription)
        var live = LiveState()
        live.workspaces = [LiveWorkspace(id: Self.workspace, location: "westeurope")]
        let other = DesiredState.workspaceID(subscription: Self.subscription, resourceGroup: "rg2", name: "ws2")
        live.onlineEndpoints = [
            LiveOnlineEndpoint(
                workspaceID: other, name: "MNIST", location: "West Europe", authMode: "Key", computeID: nil)
        ]
        let finding = try #require(PlanPolicy.check(result.manifests, desired, live).all.first)
        #expect(finding.code == .endpointNameTaken)
        #expect(finding.location?.line == 3)
        live.onlineEndpoints[0].location = "northeurope"
        #expect(PlanPolicy.check(result.manifests, desired, live).all.isEmpty, "another region is fine")
    }
}
