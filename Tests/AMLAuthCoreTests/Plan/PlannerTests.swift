import AMLAuthCore
import Foundation
import Rendering
import TestSupport
import Testing
import WireFormat

/// The planner on the quickstart manifests against hand-written live states.
struct PlannerTests {
    static let subscription = GUID("a925f2f7-5c63-4b7b-8799-25a5f97bc3b2")!
    static let now = 1_790_000_000.0
    static let spID = "5d1e6f3a-2b4c-4d5e-8f90-a1b2c3d4e5f6"

    static func desired() throws -> DesiredState {
        let files = try ["amlauth.yaml", "webservices.yaml"].map { name in
            SourceFile(path: name, bytes: Array(try Paths.read("examples/quickstart/\(name)").utf8))
        }
        let result = ManifestValidation(environment: [:]).run(files)
        #expect(!result.diagnostics.hasErrors)
        return DesiredState.resolve(result.manifests, target: "quickstart", subscriptionID: subscription)
    }

    static var workspaceID: String {
        "/subscriptions/\(subscription)/resourceGroups/ml-rg/providers/Microsoft.MachineLearningServices/workspaces/ml-example"
    }
    static var workspace: AzureResourceID { AzureResourceID(workspaceID)! }

    /// A live state that matches the quickstart exactly.
    static func inSync() throws -> LiveState {
        var live = LiveState()
        live.applications = [
            LiveApplication(
                objectID: "app-object", appID: "app-id", displayName: "ml-auth",
                tags: ["amlauth:quickstart", "amlauth:quickstart/ml-auth"],
                passwords: [
                    LivePassword(
                        keyID: "key-1", displayName: "amlauth:ci:1", hint: "abc", endDateTime: now + 80 * 86_400)
                ],
                federatedCredentials: [], servicePrincipalID: spID)
        ]
        let scope = try AzureResourceID.parse(workspaceID).get()
        let name = DeterministicName.roleAssignment(
            scope: scope, principalID: GUID(spID)!, role: RoleReference.reader.guid)
        live.roleAssignments = [
            LiveRoleAssignment(
                name: name.value,
                key: RoleAssignmentKey(scope: scope, principal: GUID(spID)!, role: RoleReference.reader.guid),
                principalType: "ServicePrincipal",
                description: "managed by amlauth: quickstart/ml-auth-reads-workspace")
        ]
        live.deliveredPasswords = ["ServicePrincipal/ml-auth/ci": "key-1"]
        live.webservices = [
            LiveWebservice(
                workspaceID: workspace, name: "aci-service-1", computeType: "ACI", computeName: nil, authEnabled: true,
                aadAuthEnabled: false, cpuCores: 0.5, memoryGB: 1,
                kvTags: ["amlauth.target": "quickstart", "amlauth.name": "aci-service-1"]),
            LiveWebservice(
                workspaceID: workspace, name: "aks-service-1", computeType: "AKS", computeName: "aks-cluster-1",
                authEnabled: false, aadAuthEnabled: true, cpuCores: 1, memoryGB: 1,
                kvTags: ["amlauth.target": "quickstart", "amlauth.name": "aks-service-1"]),
        ]
        return live
    }

    func plan(_ live: LiveState, prune: Bool = false, adopt: Bool = false, desired: DesiredState? = nil) throws -> Plan
    {
        Planner(options: .init(prune: prune, adopt: adopt, now: Self.now)).plan(try desired ?? Self.desired(), live)
    }

    /// A scope whose read failed where no manifest names anything (here: another workspace's online
    /// endpoints) still gets a note: an owned endpoint there would be neither compared nor pruned,
    /// and the plan must not say "No changes" as if it had looked. Before, the failure was silent.
    @Test func anUnreadScopeNoManifestNamesIsStillReported() throws {
        var live = try Self.inSync()
        let other = try AzureResourceID.parse(
            "/subscriptions/\(Self.subscription)/resourceGroups/ml-rg/providers/Microsoft.MachineLearningServices/workspaces/other"
        ).get()
        live.unreadScopes = [UnreadScope(kind: .onlineEndpoints, scope: other, reason: "ServiceUnavailable: try later")]
        let plan = try plan(live, prune: true)
        #expect(!plan.hasChanges)
        let note = try #require(plan.notes.first { $0.message.contains("could not be read") })
        #expect(
            note.message.contains("the online endpoints of \(other)")
                && note.message.contains("neither compared nor pruned"))
    }

    @Test func emptyCloudCreatesEverything() throws {
        let plan = try plan(LiveState())
        #expect(plan.summary.line == "Plan: 4 to add, 0 to change, 0 to replace, 0 to destroy, 0 to rotate.")
        let assignment = try #require(plan.changes.first { $0.address.kind == .roleAssignment })
        #expect(assignment.dependsOn == [ResourceAddress(.servicePrincipal, "ml-auth")])
        #expect(assignment.fields.first { $0.path == "name" }?.after == "(known after apply)")
        let password = try #require(
            plan.changes.first { $0.address.kind == .servicePrincipal }?.fields.first { $0.path == "password.ci" })
        #expect(password.sensitive)
        #expect(password.after == "new, expires in 90d, delivered to file:.secrets/ml-auth.json")
    }

    @Test func inSyncMeansNoChanges() throws {
        let plan = try plan(try Self.inSync())
        #expect(!plan.hasChanges, "\(plan.effective)")
        #expect(plan.notes.isEmpty)
        #expect(PlanRenderer().text(plan).contains("No changes."))
    }

    @Test func idCasingDoesNotMatter() throws {
        var live = try Self.inSync()
        // IDs parse once, at the edge; casing is gone by the time the planner compares.
        live.roleAssignments[0].key.scope = try #require(
            AzureResourceID(Self.workspaceID.uppercased().replacing("/SUBSCRIPTIONS/", with: "/subscriptions/")))
        live.roleAssignments[0].key.role = try #require(GUID(RoleReference.reader.guid.value.uppercased()))
        live.webservices[0].workspaceID = try #require(AzureResourceID(Self.workspaceID.lowercased()))
        #expect(!(try plan(live)).hasChanges)
    }

    @Test func driftIsAnUpdateWithBeforeAndAfter() throws {
        var live = try Self.inSync()
        live.webservices[1].aadAuthEnabled = false
        live.webservices[1].authEnabled = true
        live.webservices[0].cpuCores = 2
        let plan = try plan(live)
        let aks = try #require(plan.changes.first { $0.address.name == "aks-service-1" })
        #expect(aks.action == .update)
        #expect(aks.fields.map(\.path) == ["auth_enabled", "token_auth_enabled"])
        #expect(aks.fields[0].before == .bool(true) && aks.fields[0].after == .bool(false))
        #expect(
            aks.steps == [
                .patchService(
                    workspace: Self.workspace, name: "aks-service-1",
                    patches: [.authEnabled(false), .tokenAuthEnabled(true)])
            ])
        // ACI cannot resize in place (azureml-core's ACI update has no resource path): a replace.
        let aci = try #require(plan.changes.first { $0.address.name == "aci-service-1" })
        #expect(aci.action == .replace)
        #expect(aci.reason == "cpu_cores cannot change in place")
        #expect(aci.fields.first?.path == "cpu_cores")
        #expect(plan.summary.change == 1 && plan.summary.replace == 1)
    }

    @Test func aDefinitionChangeIsPatchedNotIgnored() throws {
        var live = try Self.inSync()
        // The service reports what it runs; the manifests ask for model version 3.
        live.webservices[1].models = ["sklearn-mnist:2"]
        live.webservices[1].entryScript = "score.py"
        live.webservices[1].environment = "sklearn-env:2"
        let change = try #require(try plan(live).effective.first)
        #expect(change.action == .update)
        #expect(change.fields == [FieldChange("models", before: "sklearn-mnist:2", after: "sklearn-mnist:3")])
        #expect(
            change.steps == [
                .patchService(
                    workspace: Self.workspace, name: "aks-service-1",
                    patches: [
                        .definition(
                            models: [VersionedName(parsing: "sklearn-mnist:3")!], entryScript: "score.py",
                            environment: VersionedName(parsing: "sklearn-env:2")!, script: nil)
                    ])
            ])
        live.webservices[1].models = ["sklearn-mnist:3"]
        #expect(!(try plan(live)).hasChanges, "a service that reports the same definition is in sync")
    }

    /// The entry script compares by content, not only by name: the digest of the manifest's file
    /// against the one in the service's driver asset (fidelity audit D1). The plan shows both.
    @Test func anEntryScriptWhoseContentChangedIsPatched() throws {
        var live = try Self.inSync()
        live.webservices[1].models = ["sklearn-mnist:3"]
        live.webservices[1].entryScript = "score.py"
        live.webservices[1].environment = "sklearn-env:2"
        live.webservices[1].entryScriptDigest = "0011223344556677"
        var desired = try Self.desired()
        let script = EntryScriptFile(
            content: Array("def run(x): return x\n".utf8),
            sha256: "8899aabbccddeeff" + String(repeating: "0", count: 48))
        desired.webservices[1].entryScriptFile = script
        let change = try #require(try plan(live, desired: desired).effective.first)
        #expect(change.action == .update)
        #expect(
            change.fields == [
                FieldChange(
                    "entry_script", before: "score.py (sha256:0011223344556677)",
                    after: "score.py (sha256:8899aabbccddeeff)")
            ])
        #expect(
            change.steps == [
                .patchService(
                    workspace: Self.workspace, name: "aks-service-1",
                    patches: [
                        .definition(
                            models: [VersionedName(parsing: "sklearn-mnist:3")!], entryScript: "score.py",
                            environment: VersionedName(parsing: "sklearn-env:2")!, script: script)
                    ])
            ])
        live.webservices[1].entryScriptDigest = script.shortDigest
        #expect(!(try plan(live, desired: desired)).hasChanges, "the same content is in sync")
        // Another tool's upload whose content could not be read: not called equal, and the plan says why.
        live.webservices[1].entryScriptDigest = nil
        live.webservices[1].entryScriptUnread = "AuthorizationFailed"
        #expect(
            try plan(live, desired: desired).effective.first?.fields == [
                FieldChange(
                    "entry_script", before: "score.py (content not read: AuthorizationFailed)",
                    after: "score.py (sha256:8899aabbccddeeff)")
            ])
    }

    @Test func immutableChangesReplace() throws {
        var live = try Self.inSync()
        live.webservices[1].computeName = "aks-old"
        live.roleAssignments[0].key.role = RoleReference.contributor.guid
        let plan = try plan(live)
        let service = try #require(plan.changes.first { $0.address.name == "aks-service-1" })
        #expect(service.action == .replace)
        #expect(service.reason == "compute_target cannot change in place")
        let assignment = try #require(plan.changes.first { $0.address.kind == .roleAssignment })
        #expect(assignment.action == .replace)
        #expect(
            assignment.fields.first { $0.path == "role" }?.before == "Contributor (\(RoleReference.contributor.guid))")
    }

    @Test func ownedOrphansNeedPrune() throws {
        var live = try Self.inSync()
        live.webservices.append(
            LiveWebservice(
                workspaceID: Self.workspace, name: "old-svc", computeType: "ACI", computeName: nil, authEnabled: true,
                aadAuthEnabled: false, cpuCores: 1, memoryGB: 1,
                kvTags: ["amlauth.target": "quickstart", "amlauth.name": "old-svc"]))
        live.webservices.append(
            LiveWebservice(
                workspaceID: Self.workspace, name: "not-ours", computeType: "ACI", computeName: nil, authEnabled: true,
                aadAuthEnabled: false, cpuCores: 1, memoryGB: 1, kvTags: [:]))
        let kept = try plan(live)
        #expect(!kept.hasChanges)
        #expect(kept.notes.map(\.address) == [ResourceAddress(.webservice, "old-svc")])
        let pruned = try plan(live, prune: true)
        #expect(pruned.effective.map(\.address) == [ResourceAddress(.webservice, "old-svc")])
        #expect(pruned.effective.first?.action == .delete)
        #expect(pruned.summary.destroy == 1, "never the unowned service")
    }

    @Test func unmarkedIdenticalAssignmentNeedsAdopt() throws {
        var live = try Self.inSync()
        live.roleAssignments[0].description = nil
        let plan = try plan(live)
        #expect(!plan.hasChanges)
        #expect(plan.notes.first?.message.contains("--adopt") == true)
        let adopted = try self.plan(live, adopt: true)
        #expect(adopted.effective.first?.action == .adopt)
    }

    @Test func passwordNearExpiryRotates() throws {
        var live = try Self.inSync()
        live.applications[0].passwords[0].endDateTime = Self.now + 10 * 86_400
        let plan = try plan(live)
        let change = try #require(plan.effective.first)
        #expect(change.action == .rotate)
        #expect(change.fields.first?.before == "keyId key-1, hint abc…, expires in 10d")
        #expect(change.fields.first?.sensitive == true)
        #expect(plan.summary.rotate == 1)
    }

    @Test func anUndeliveredPasswordIsReplaced() throws {
        var live = try Self.inSync()
        live.deliveredPasswords = [:]
        let change = try #require(try plan(live).effective.first)
        #expect(change.action == .rotate)
        #expect(change.reason?.contains("never received it") == true)
    }

    @Test func raisedKeyRotationRotatesThatKeyOnly() throws {
        var desired = try Self.desired()
        desired.webservices[0].keyGenerations = (primary: 1, secondary: 0)
        let plan = try plan(try Self.inSync(), desired: desired)
        let change = try #require(plan.effective.first)
        #expect(change.action == .rotate)
        #expect(change.fields.map(\.path) == ["key_rotation.primary"])
    }

    @Test func everyChangeOfTheKeyGenerationRotatesOnce() throws {
        var live = try Self.inSync()
        live.webservices[0].kvTags[Markers.keyGenerationPrimary] = "2"
        var desired = try Self.desired()
        // The manifest says 1 after the cloud recorded 2 (a revert): still one regeneration, and a note.
        desired.webservices[0].keyGenerations = (primary: 1, secondary: 0)
        let lowered = try plan(live, desired: desired)
        let change = try #require(lowered.effective.first)
        #expect(change.action == .rotate)
        #expect(change.fields == [FieldChange("key_rotation.primary", before: .number(2), after: .number(1))])
        #expect(change.steps.first == .regenerateKey(workspace: Self.workspace, name: "aci-service-1", key: .primary))
        #expect(lowered.notes.first?.message.contains("regenerates the primary key once") == true)
        // Once recorded, the same number plans nothing; bumping it back to 2 rotates again.
        live.webservices[0].kvTags[Markers.keyGenerationPrimary] = "1"
        #expect(!(try plan(live, desired: desired)).hasChanges)
        desired.webservices[0].keyGenerations = (primary: 2, secondary: 0)
        #expect(try plan(live, desired: desired).effective.first?.action == .rotate)
    }

    @Test func aNameCollisionBlocksInsteadOfPlanningNothing() throws {
        var live = LiveState()
        live.applications = [
            LiveApplication(
                objectID: "hand-made", appID: "hand-app", displayName: "ml-auth", tags: ["team:ml"], passwords: [],
                federatedCredentials: [], servicePrincipalID: nil)
        ]
        live.webservices = [
            LiveWebservice(
                workspaceID: Self.workspace, name: "aci-service-1", computeType: "ACI", computeName: nil,
                authEnabled: true, aadAuthEnabled: false, cpuCores: 0.5,
                memoryGB: 1, kvTags: [:])
        ]
        let plan = try plan(live)
        #expect(
            Set(plan.blockers.compactMap(\.address)) == [
                ResourceAddress(.servicePrincipal, "ml-auth"), ResourceAddress(.webservice, "aci-service-1"),
            ])
        #expect(
            !plan.effective.contains { $0.address.kind == .roleAssignment },
            "no assignment for a principal that will not exist")
        #expect(plan.notes.contains { $0.address?.kind == .roleAssignment && $0.message.contains("does not own yet") })
        #expect(try self.plan(live, adopt: true).blockers.isEmpty)
    }

    @Test func renderingIsDeterministicInEveryFormat() throws {
        var live = try Self.inSync()
        live.webservices[1].authEnabled = true
        let first = try plan(live)
        let second = try plan(live)
        #expect(PlanRenderer().text(first) == PlanRenderer().text(second))
        #expect(PlanRenderer.json(first) == PlanRenderer.json(second))
        #expect(PlanRenderer().markdown(first) == PlanRenderer().markdown(second))
        let text = PlanRenderer().text(first)
        #expect(text.contains("  ~ Webservice/aks-service-1\n      auth_enabled: true -> false\n"))
        #expect(text.hasSuffix("Plan: 0 to add, 1 to change, 0 to replace, 0 to destroy, 0 to rotate.\n"))
        let json = try JSONParser.parse(PlanRenderer.json(first))
        #expect(json["format_version"]?.numberValue == 2)
        let aks = json["changes"]?.arrayValue?.first { $0["address"]?.stringValue == "Webservice/aks-service-1" }
        #expect(aks?["fields"]?.arrayValue?.first?["after"] == .bool(false), "booleans stay booleans")
        #expect(json["summary"]?["change"]?.numberValue == 1)
        #expect(PlanRenderer().markdown(first).contains("| `~` | `Webservice/aks-service-1` | update |"))
    }
}
