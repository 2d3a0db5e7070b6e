import AMLAuthCore
import Foundation
import TestSupport
import Testing
import YAMLSource

/// Policy checks that need the live state.
struct PlanPolicyTests {
    static func manifests(policy: String = "") throws -> ManifestSet {
        let files = try ["amlauth.yaml", "webservices.yaml"].map { name in
            var text = try Paths.read("examples/quickstart/\(name)")
            if name == "amlauth.yaml", !policy.isEmpty {
                text = text.replacingOccurrences(of: "  cloud: local ", with: "  policy: {\(policy)}\n  cloud: local ")
            }
            return SourceFile(path: name, bytes: Array(text.utf8))
        }
        let result = ManifestValidation(environment: [:]).run(files)
        #expect(!result.diagnostics.hasErrors, "\(result.diagnostics.all)")
        return result.manifests
    }

    @Test func tokenClientRolesAreCheckedInTheCloud() throws {
        var live = try PlannerTests.inSync()
        // Someone granted Contributor on the resource group outside amlauth.
        live.roleAssignments.append(
            LiveRoleAssignment(
                name: "x",
                key: RoleAssignmentKey(
                    scope: AzureResourceID(subscription: PlannerTests.subscription, resourceGroup: "ML-RG"),
                    principal: GUID(PlannerTests.spID)!,
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

    @Test func workspaceLocationIsAnAssertion() throws {
        var live = try PlannerTests.inSync()
        live.workspaces = [LiveWorkspace(id: PlannerTests.workspace, location: "West Europe")]
        let files = try ["amlauth.yaml", "webservices.yaml"].map { name in
            SourceFile(
                path: name,
                bytes: Array(
                    try Paths.read("examples/quickstart/\(name)").replacingOccurrences(
                        of: "  resource_group: ml-rg\n", with: "  resource_group: ml-rg\n  location: eastus\n"
                    ).utf8))
        }
        let manifests = ManifestValidation(environment: [:]).run(files).manifests
        #expect(manifests.workspaces.first?.location == "eastus", "the fixture asserts a location")
        let desired = DesiredState.resolve(manifests, target: "quickstart", subscriptionID: PlannerTests.subscription)
        let finding = try #require(
            PlanPolicy.check(manifests, desired, live).all.first { $0.code == .workspaceLocation })
        #expect(finding.severity == .error)
        #expect(finding.message == "workspace 'ml-example' is in West Europe, not in eastus as its manifest says")
        live.workspaces[0].location = "eastus"
        #expect(!PlanPolicy.check(manifests, desired, live).all.contains { $0.code == .workspaceLocation })
    }

    @Test func privilegedRolesGrantedOutsideTheManifestsAreReported() throws {
        var live = try PlannerTests.inSync()
        live.roleAssignments.append(
            LiveRoleAssignment(
                name: "by-hand",
                key: RoleAssignmentKey(
                    scope: AzureResourceID(subscription: PlannerTests.subscription),
                    principal: GUID(PlannerTests.spID)!, role: RoleReference.owner.guid),
                principalType: "ServicePrincipal", description: nil))
        let manifests = try Self.manifests(policy: "AMLA001: error")
        let desired = DesiredState.resolve(manifests, target: "quickstart", subscriptionID: PlannerTests.subscription)
        let finding = try #require(PlanPolicy.check(manifests, desired, live).all.first { $0.code == .privilegedRole })
        #expect(finding.severity == .error, "the Target's policy applies")
        #expect(
            finding.message.contains(
                "service principal 'ml-auth' holds 'Owner' at /subscriptions/\(PlannerTests.subscription) (assignment by-hand)"
            ))
        #expect(
            !PlanPolicy.check(manifests, desired, try PlannerTests.inSync()).all.contains {
                $0.code == .privilegedRole
            }, "the declared Reader is fine")
    }

    @Test func aksComputeInAnotherRegion() throws {
        var live = try PlannerTests.inSync()
        live.workspaces = [LiveWorkspace(id: PlannerTests.workspace, location: "westeurope")]
        live.computes = [LiveCompute(id: PlannerTests.workspace.child("computes", "AKS-cluster-1"), location: "eastus")]
        let manifests = try Self.manifests()
        let desired = DesiredState.resolve(manifests, target: "quickstart", subscriptionID: PlannerTests.subscription)
        let finding = try #require(
            PlanPolicy.check(manifests, desired, live).all.first { $0.code == .aksRegionMismatch })
        #expect(
            finding.message
                == "AKS compute 'aks-cluster-1' is in eastus but workspace 'ml-example' is in westeurope; token calls go to the workspace's region"
        )
        live.computes[0].location = "WestEurope"
        #expect(PlanPolicy.check(manifests, desired, live).all.isEmpty)
    }
}
