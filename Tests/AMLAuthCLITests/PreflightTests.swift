import AMLAuthCore
import AzureProvider
import Foundation
import LocalCloud
import LocalCloudServer
import TestSupport
import Testing
import WireFormat

/// Preflight through the binary against the local cloud: a plan whose identity lacks what the
/// plan needs fails before any change with every missing permission (scope, action, narrowest
/// built-in role); granted those roles, it proceeds; `whoami --for` runs the same check.
@Suite(.serialized)
struct PreflightTests {
    /// The quickstart with a principal that may read (Reader on the subscription, Graph
    /// Application.Read.All and Directory.Read.All) but change nothing.
    static func readOnlySetup() async throws -> (directory: String, environment: [String: String], appID: String) {
        let directory = try WhoamiCommandTests.quickstart()
        _ = try CommandRunner.amlauth(["whoami", "--target", directory])  // creates the local cloud's data
        let principal = try await WhoamiCommandTests.makePrincipal(in: directory)
        try await Self.grantGraph(["Application.Read.All", "Directory.Read.All"], to: principal.appID, in: directory)
        let environment = [
            "AZURE_CLIENT_ID": principal.appID, "AZURE_TENANT_ID": principal.tenant,
            "AZURE_CLIENT_SECRET": principal.secret,
        ]
        return (directory, environment, principal.appID)
    }

    static func grantGraph(_ permissions: [String], to appID: String, in directory: String) async throws {
        let instance = try LocalCloudInstance.open(dataDirectory: directory + "/.amlauth/local-cloud")
        try await instance.cloud.store.write { state in
            let index = try #require(state.applications.firstIndex { $0.appID == appID })
            state.applications[index].graphPermissions = permissions
        }
    }

    static func workspaceScope(_ directory: String) async throws -> String {
        try await LocalCloudAdmin.with(directory) { admin in
            "/subscriptions/\(admin.subscriptionID)/resourceGroups/ml-rg/providers/Microsoft.MachineLearningServices/workspaces/ml-example"
        }
    }

    @Test func missingPermissionsAreReportedAtOnceThenTheGrantedPlanProceeds() async throws {
        let (directory, environment, appID) = try await Self.readOnlySetup()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let workspace = try await Self.workspaceScope(directory)

        let denied = try CommandRunner.amlauth(["plan", directory], environment: environment)
        #expect(denied.status == 1, "\(denied.stderr)")
        let expected = [
            "missing permission: 'Microsoft.Authorization/roleAssignments/write' at \(workspace), needed by RoleAssignment/ml-auth-reads-workspace; the narrowest built-in role that grants it: 'Role Based Access Control Administrator'",
            "missing permission: 'Microsoft.MachineLearningServices/workspaces/services/aci/write' at \(workspace), needed by Webservice/aci-service-1; the narrowest built-in role that grants it: 'AzureML Data Scientist'",
            "missing permission: 'Microsoft.MachineLearningServices/workspaces/services/aks/write' at \(workspace), needed by Webservice/aks-service-1; the narrowest built-in role that grants it: 'AzureML Data Scientist'",
            "missing Microsoft Graph application permission 'Application.ReadWrite.OwnedBy' or 'Application.ReadWrite.All', needed by ServicePrincipal/ml-auth; the narrowest: 'Application.ReadWrite.OwnedBy'",
        ]
        for line in expected { #expect(denied.stdout.contains(line), "\(line)\nnot in:\n\(denied.stdout)") }
        #expect(denied.stderr.contains("the plan cannot be applied as written"))

        let json = try CommandRunner.amlauth(["plan", directory, "--json"], environment: environment)
        #expect(json.status == 1)
        let notes = try JSONParser.parse(Array(json.stdout.utf8))["notes"]?.arrayValue ?? []
        let missing = notes.compactMap { $0["missingPermission"] }
        #expect(missing.count == 4, "\(json.stdout)")
        #expect(missing.first?["scope"]?.stringValue == workspace)
        #expect(missing.first?["grantedBy"]?.stringValue == "Role Based Access Control Administrator")

        // Nothing was changed: apply refuses the same way, before any request that writes.
        let apply = try CommandRunner.amlauth(["apply", directory, "--auto-approve"], environment: environment)
        #expect(apply.status == 1)
        #expect(apply.stderr.contains("nothing was changed"), "\(apply.stderr)")

        // Granted the named roles at the named scope (and Graph's write), the plan proceeds.
        try await LocalCloudAdmin.with(directory) { admin in
            let app = try #require(try await admin.graph.applications(namedAnyOf: ["ci-principal"]).first)
            let principal = try #require(try await admin.graph.servicePrincipal(appID: app.appID))
            for role in ["f58310d9-a9f6-439a-9e8d-f62e7b41a168", "f6c7c914-8db3-469d-8ca1-694a8f32e121"] {
                _ = try await admin.authorization.createRoleAssignment(
                    scope: workspace, name: UUID().uuidString.lowercased(), roleDefinitionGUID: role,
                    principalID: principal.id, principalType: "ServicePrincipal", description: nil)
            }
        }
        try await Self.grantGraph(
            ["Application.Read.All", "Directory.Read.All", "Application.ReadWrite.All"], to: appID, in: directory)
        let granted = try CommandRunner.amlauth(["plan", directory], environment: environment)
        #expect(granted.status == 0, "\(granted.stdout)\n\(granted.stderr)")
        #expect(!granted.stdout.contains("missing permission"))
        #expect(granted.stdout.contains("Plan: 4 to add"), "\(granted.stdout)")
    }

    @Test func whoamiForReportsWithoutPlanning() async throws {
        let (directory, environment, appID) = try await Self.readOnlySetup()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let workspace = try await Self.workspaceScope(directory)
        let denied = try CommandRunner.amlauth(["whoami", "--for", directory], environment: environment)
        #expect(denied.status == 1, "\(denied.stderr)")
        #expect(
            denied.stdout.contains(
                "✗ missing permission: 'Microsoft.Authorization/roleAssignments/write' at \(workspace), needed by RoleAssignment/ml-auth-reads-workspace; the narrowest built-in role that grants it: 'Role Based Access Control Administrator'"
            ), "\(denied.stdout)")
        #expect(denied.stdout.components(separatedBy: "✗ ").count - 1 == 4, "\(denied.stdout)")

        let json = try CommandRunner.amlauth(["whoami", "--for", directory, "--json"], environment: environment)
        #expect(json.status == 1)
        let document = try JSONParser.parse(Array(json.stdout.utf8))
        #expect(document["missing"]?.arrayValue?.count == 4)

        try await Self.grantGraph(["Application.ReadWrite.OwnedBy", "Application.Read.All"], to: appID, in: directory)
        try await LocalCloudAdmin.with(directory) { admin in
            let app = try #require(try await admin.graph.applications(namedAnyOf: ["ci-principal"]).first)
            let principal = try #require(try await admin.graph.servicePrincipal(appID: app.appID))
            _ = try await admin.authorization.createRoleAssignment(
                scope: workspace, name: UUID().uuidString.lowercased(),
                roleDefinitionGUID: "8e3af657-a8ff-443c-a75c-2fe8c4bcb635", principalID: principal.id,
                principalType: "ServicePrincipal", description: nil)
        }
        let allowed = try CommandRunner.amlauth(["whoami", "--for", directory], environment: environment)
        #expect(allowed.status == 0, "\(allowed.stdout)\n\(allowed.stderr)")
        #expect(allowed.stdout.contains("every permission the manifests need is held"))
    }

    @Test func theBootstrapOwnerPlansAsBefore() throws {
        let directory = try WhoamiCommandTests.quickstart()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let plan = try CommandRunner.amlauth(["plan", directory])
        #expect(plan.status == 0, "\(plan.stderr)")
        #expect(!plan.stdout.contains("missing permission") && !plan.stdout.contains("preflight:"), "\(plan.stdout)")
    }
}
