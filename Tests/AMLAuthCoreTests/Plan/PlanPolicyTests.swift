import AMLAuthCore
import Foundation
import YAMLSource
import Testing
import TestSupport

/// Policy checks that need the live state.
struct PlanPolicyTests {
    static func manifests(policy: String = "") throws -> ManifestSet {
        let files = try ["amlauth.yaml", "webservices.yaml"].map { name in
            var text = try Paths.read("examples/quickstart/\(name)")
            if name == "amlauth.yaml", !policy.isEmpty { text = text.replacingOccurrences(of: "  cloud: local ", with: "  policy: {\(policy)}\n  cloud: local ") }
            return SourceFile(path: name, bytes: Array(text.utf8))
        }
        let result = ManifestValidation(environment: [:]).run(files)
        #expect(!result.diagnostics.hasErrors, "\(result.diagnostics.all)")
        return result.manifests
    }

    @Test func tokenClientRolesAreCheckedInTheCloud() throws {
        var live = try PlannerTests.inSync()
        // Someone granted Contributor on the resource group outside amlauth.
        live.roleAssignments.append(LiveRoleAssignment(
            name: "x",
            key: RoleAssignmentKey(
                scope: AzureResourceID(subscription: PlannerTests.subscription, resourceGroup: "ML-RG"), principal: GUID(PlannerTests.spID)!,
                role: RoleReference.contributor.guid),
            principalType: "ServicePrincipal", description: nil))
        let manifests = try Self.manifests()
        let desired = DesiredState.resolve(manifests, target: "quickstart", subscriptionID: PlannerTests.subscription)
        let findings = PlanPolicy.check(manifests, desired, live).all
        let finding = try #require(findings.first { $0.code == .tokenClientAccess })
        #expect(finding.message.contains("holds 'Contributor'"))
        #expect(finding.severity == .warning)
        #expect(finding.location?.file == "webservices.yaml")

        let strict = try Self.manifests(policy: "AMLA002: error")
        #expect(PlanPolicy.check(strict, desired, live).all.first { $0.code == .tokenClientAccess }?.severity == .error)
        #expect(PlanPolicy.check(manifests, desired, try PlannerTests.inSync()).all.isEmpty, "Reader alone is fine")
    }

    @Test func aksComputeInAnotherRegion() throws {
        var live = try PlannerTests.inSync()
        live.workspaces = [LiveWorkspace(id: PlannerTests.workspace, location: "westeurope")]
        live.computes = [LiveCompute(id: PlannerTests.workspace.child("computes", "AKS-cluster-1"), location: "eastus")]
        let manifests = try Self.manifests()
        let desired = DesiredState.resolve(manifests, target: "quickstart", subscriptionID: PlannerTests.subscription)
        let finding = try #require(PlanPolicy.check(manifests, desired, live).all.first { $0.code == .aksRegionMismatch })
        #expect(finding.message == "AKS compute 'aks-cluster-1' is in eastus but workspace 'ml-example' is in westeurope; token calls go to the workspace's region")
        live.computes[0].location = "WestEurope"
        #expect(PlanPolicy.check(manifests, desired, live).all.isEmpty)
    }
}
