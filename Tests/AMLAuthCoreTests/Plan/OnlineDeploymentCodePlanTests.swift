import AMLAuthCore
import Foundation
import TestSupport
import Testing
import WireFormat
import YAMLSource

/// A deployment's `code`: the plan shows the directory's digest, uploads before the PUT, leaves a
/// deployment alone whose live codeId names that digest, plans an update old → new when a file
/// changed, and the steps survive the plan file.
struct OnlineDeploymentCodePlanTests {
    typealias Base = OnlineEndpointPlanTests

    static let deployment = """
        apiVersion: amlauth/v1
        kind: OnlineEndpoint
        metadata: {name: mnist}
        spec: {workspace: ml-example, auth_mode: key, traffic: {blue: 100}}
        ---
        apiVersion: amlauth/v1
        kind: OnlineDeployment
        metadata: {name: mnist-blue}
        spec: {endpoint: mnist, name: blue, model: sklearn-mnist:3, code: src, scoring_script: score.py}

        """

    static let digest = CodeDigest(sha256: String(repeating: "ab", count: 32), fileCount: 2, totalBytes: 120)
    static let edited = CodeDigest(sha256: String(repeating: "cd", count: 32), fileCount: 2, totalBytes: 121)
    static let endpointID = Base.workspace.child("onlineEndpoints", "mnist")

    static func plan(_ live: LiveState, digest: CodeDigest = digest) -> Plan {
        let result = Base.load(deployment)
        #expect(!result.diagnostics.hasErrors, "\(result.diagnostics.all)")
        let desired = DesiredState.resolve(
            result.manifests, target: "t", subscriptionID: Base.subscription, codes: ["mnist-blue": digest])
        return Planner(options: .init(now: 0)).plan(desired, live)
    }

    static func live(code: String?, script: String? = "score.py") -> LiveState {
        var live = LiveState()
        live.workspaces = [LiveWorkspace(id: Base.workspace, location: "westeurope")]
        live.onlineEndpoints = [
            LiveOnlineEndpoint(
                workspaceID: Base.workspace, name: "mnist", location: "westeurope", authMode: "Key", computeID: nil,
                traffic: ["blue": 100],
                tags: [
                    Markers.serviceTarget: "t", Markers.serviceName: "mnist", Markers.keyGenerationPrimary: "0",
                    Markers.keyGenerationSecondary: "0",
                ])
        ]
        live.onlineDeployments = [
            LiveOnlineDeployment(
                endpointID: endpointID, name: "blue", model: "azureml:sklearn-mnist:3",
                codeID: code.map { Base.workspace.description + "/codes/\($0)/versions/1" }, scoringScript: script,
                tags: [Markers.serviceTarget: "t", Markers.serviceName: "mnist-blue"])
        ]
        return live
    }

    @Test func aNewDeploymentUploadsItsCodeThenPutsItWithTheCodeVersion() throws {
        var live = LiveState()
        live.workspaces = [LiveWorkspace(id: Base.workspace, location: "westeurope")]
        let change = try #require(Self.plan(live).changes.first { $0.address.kind == .onlineDeployment })
        #expect(change.action == .create)
        let upload = OnlineCodeUpload(workspaceID: Base.workspace, sha256: Self.digest.sha256, directory: "src")
        #expect(change.steps.first == .uploadOnlineCode(upload))
        guard case .putOnlineDeployment(let put)? = change.steps.last else {
            Issue.record("the deployment is put after the upload")
            return
        }
        #expect(put.code == OnlineDeploymentCode(codeID: upload.codeVersionID, scoringScript: "score.py"))
        #expect(upload.codeVersionID.description.hasSuffix("/codes/\(Self.digest.sha256)/versions/1"))
        let code = try #require(change.fields.first { $0.path == "code" })
        #expect(code.after == "src (sha256:abababababab, 2 files, 120 bytes)")
        #expect(change.fields.contains { $0.path == "scoring_script" && $0.after == "score.py" })
    }

    @Test func theSameDigestLiveIsNoChange() {
        let plan = Self.plan(Self.live(code: Self.digest.sha256))
        #expect(plan.changes.first { $0.address.kind == .onlineDeployment }?.action == .noOp)
    }

    @Test func anEditedFilePlansAnUpdateFromTheOldDigestToTheNew() throws {
        let plan = Self.plan(Self.live(code: Self.digest.sha256), digest: Self.edited)
        let change = try #require(plan.changes.first { $0.address.kind == .onlineDeployment })
        #expect(change.action == .update)
        let code = try #require(change.fields.first { $0.path == "code" })
        #expect(code.before == "sha256:abababababab")
        #expect(code.after == "src (sha256:cdcdcdcdcdcd, 2 files, 121 bytes)")
        #expect(!change.fields.contains { $0.path == "scoring_script" })
        #expect(change.steps.count == 2)
        #expect(
            change.steps.first
                == .uploadOnlineCode(
                    OnlineCodeUpload(workspaceID: Base.workspace, sha256: Self.edited.sha256, directory: "src")))
    }

    @Test func codeTheSDKUploadedShowsByNameAndIsReplaced() throws {
        let plan = Self.plan(Self.live(code: "7a3e1b2c-sdk-random", script: "main.py"))
        let change = try #require(plan.changes.first { $0.address.kind == .onlineDeployment })
        #expect(change.action == .update)
        #expect(change.fields.first { $0.path == "code" }?.before == "7a3e1b2c-sdk-random:1")
        #expect(change.fields.first { $0.path == "scoring_script" }?.before == "main.py")
    }

    @Test func theStepsRoundTripThroughThePlanFile() throws {
        var live = LiveState()
        live.workspaces = [LiveWorkspace(id: Base.workspace, location: "westeurope")]
        let steps = try #require(Self.plan(live).changes.first { $0.address.kind == .onlineDeployment }?.steps)
        for step in steps {
            #expect(try Step(json: step.json()) == step)
        }
        // A hash that could hide a path is not read back.
        let forged = JSONValue.object([
            ("op", .string("upload_online_code")), ("workspace", .string(Base.workspace.description)),
            ("sha256", .string("../../secrets")), ("directory", .string("src")),
        ])
        #expect(throws: PlanDocument.ParseError.self) { try Step(json: forged) }
    }
}
