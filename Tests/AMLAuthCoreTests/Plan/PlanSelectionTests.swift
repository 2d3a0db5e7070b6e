import AMLAuthCore
import Rendering
import Testing
import WireFormat

/// `--only` in the planner: the listed resources and what they depend on, deletions only when
/// listed, unknown addresses named with a suggestion; and `destroy`'s empty desired set.
struct PlanSelectionTests {
    static let workspace = PlannerTests.workspace

    func plan(_ live: AMLAuthCore.LiveState, only: [ResourceAddress], prune: Bool = false) throws -> Plan {
        Planner(options: .init(prune: prune, only: only, now: PlannerTests.now)).plan(
            try PlannerTests.desired(), live)
    }

    @Test func anAssignmentBringsItsPrincipalAndNothingElse() throws {
        let plan = try plan(LiveState(), only: [ResourceAddress(.roleAssignment, "ml-auth-reads-workspace")])
        #expect(
            plan.changes.map(\.address.description) == [
                "ServicePrincipal/ml-auth", "RoleAssignment/ml-auth-reads-workspace",
            ])
        #expect(plan.changes.map(\.action) == [.create, .create])
        let selection = try #require(plan.selection)
        #expect(selection.unknown.isEmpty)
        #expect(selection.refusal(target: "quickstart") == nil)
        #expect(selection.warning.contains("the plan may be incomplete"))
        #expect(selection.warning.contains("RoleAssignment/ml-auth-reads-workspace"))
    }

    @Test func aServiceBringsNoOtherService() throws {
        let plan = try plan(LiveState(), only: [ResourceAddress(.webservice, "aks-service-1")])
        #expect(plan.changes.map(\.address.description) == ["Webservice/aks-service-1"])
        #expect(plan.selection?.kept.contains(ResourceAddress(.workspace, "ml-example")) == true)
    }

    @Test func withoutOnlyThePlanIsWhole() throws {
        let plan = try plan(LiveState(), only: [])
        #expect(plan.selection == nil)
        #expect(plan.changes.count == 4)
    }

    @Test func pruneWithOnlyDeletesOnlyWhatIsListed() throws {
        var live = try PlannerTests.inSync()
        for name in ["old-a", "old-b"] {
            live.webservices.append(
                LiveWebservice(
                    workspaceID: Self.workspace, name: name, computeType: "ACI", computeName: nil, authEnabled: true,
                    aadAuthEnabled: false, cpuCores: 1, memoryGB: 1,
                    kvTags: ["amlauth.target": "quickstart", "amlauth.name": name]))
        }
        let whole = try plan(live, only: [], prune: true)
        #expect(whole.effective.map(\.address.description) == ["Webservice/old-a", "Webservice/old-b"])
        let limited = try plan(live, only: [ResourceAddress(.webservice, "old-a")], prune: true)
        #expect(limited.effective.map(\.address.description) == ["Webservice/old-a"])
        #expect(limited.effective.first?.action == .delete)
        #expect(limited.notes.allSatisfy { $0.address == nil || $0.address == ResourceAddress(.webservice, "old-a") })
        // A listed principal does not pull in the deletion of other objects, nor another's.
        let principalOnly = try plan(live, only: [ResourceAddress(.servicePrincipal, "ml-auth")], prune: true)
        #expect(principalOnly.effective.isEmpty)
    }

    @Test func anUnknownAddressIsRefusedWithTheClosestOne() throws {
        let plan = try plan(
            LiveState(),
            only: [ResourceAddress(.webservice, "aks-servce-1"), ResourceAddress(.roleAssignment, "nothing-like-it")])
        let selection = try #require(plan.selection)
        #expect(
            selection.unknown == [
                ResourceAddress(.webservice, "aks-servce-1"), ResourceAddress(.roleAssignment, "nothing-like-it"),
            ])
        #expect(
            selection.refusal(target: "quickstart")
                == """
                --only Webservice/aks-servce-1: no such resource in the manifests, and target 'quickstart' owns none by that address; did you mean Webservice/aks-service-1?
                --only RoleAssignment/nothing-like-it: no such resource in the manifests, and target 'quickstart' owns none by that address
                """)
    }

    @Test func anOwnedOrphanIsAKnownAddress() throws {
        var live = try PlannerTests.inSync()
        live.webservices.append(
            LiveWebservice(
                workspaceID: Self.workspace, name: "old-a", computeType: "ACI", computeName: nil, authEnabled: true,
                aadAuthEnabled: false, cpuCores: 1, memoryGB: 1,
                kvTags: ["amlauth.target": "quickstart", "amlauth.name": "old-a"]))
        let plan = try plan(live, only: [ResourceAddress(.webservice, "old-a")], prune: true)
        #expect(plan.selection?.unknown == [])
    }

    @Test func aSavedPlanRecordsItsSelection() throws {
        let plan = try plan(LiveState(), only: [ResourceAddress(.servicePrincipal, "ml-auth")])
        var document = PlanDocument(plan: plan, manifests: "m", manifestDigest: "d")
        document.only = [ResourceAddress(.servicePrincipal, "ml-auth")]
        let text = document.json().serialized()
        #expect(text.contains("\"only\": [\"ServicePrincipal/ml-auth\"]"), "\(text)")
        let parsed = try PlanDocument.parse(Array(text.utf8))
        #expect(parsed.only == [ResourceAddress(.servicePrincipal, "ml-auth")])
        // Without a selection, the options carry no `only`.
        #expect(!PlanDocument(plan: plan, manifests: "m").json().serialized().contains("\"only\""))
    }

    @Test func destroyingPlansTheDeletionOfEverythingOwnedBehindTheGuard() throws {
        let desired = try PlannerTests.desired().destroying
        #expect(desired.workspaces.count == 1 && desired.addresses == [ResourceAddress(.workspace, "ml-example")])
        let live = try PlannerTests.inSync()
        let guarded = Planner(options: .init(prune: true, now: PlannerTests.now)).plan(desired, live)
        #expect(guarded.effective.allSatisfy { $0.action == .delete })
        #expect(guarded.effective.count == 4)
        #expect(guarded.blockers.count == 1, "4 of 4 owned objects: the mass-delete guard")
        let allowed = Planner(options: .init(prune: true, allowMassDelete: true, now: PlannerTests.now)).plan(
            desired, live)
        #expect(allowed.blockers.isEmpty)
        let principal = try #require(allowed.changes.first { $0.address.kind == .servicePrincipal })
        #expect(principal.dependsOn == [ResourceAddress(.roleAssignment, "ml-auth-reads-workspace")])
    }

    @Test func aLimitedPlanNeverClaimsTheCloudMatchesTheManifests() throws {
        let clean = try plan(try PlannerTests.inSync(), only: [ResourceAddress(.webservice, "aks-service-1")])
        let text = PlanRenderer().text(clean)
        #expect(
            text.contains(
                "Limited with --only to Webservice/aks-service-1 and what they depend on: the plan may be incomplete."))
        #expect(text.contains("No changes to the selected resources. The rest of the manifests was not planned"))
        #expect(!text.contains("The cloud matches the manifests"))
        let markdown = PlanRenderer().markdown(clean)
        #expect(markdown.contains("> Limited with --only to Webservice/aks-service-1"))
        #expect(!markdown.contains("The cloud matches the manifests"))
        let whole = try plan(try PlannerTests.inSync(), only: [])
        #expect(PlanRenderer().text(whole).contains("No changes. The cloud matches the manifests."))
        #expect(!PlanRenderer().text(whole).contains("--only"))
    }
}
