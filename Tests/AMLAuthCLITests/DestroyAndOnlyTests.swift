import AMLAuthCore
import AzureProvider
import Foundation
import TestSupport
import Testing
import WireFormat

/// `amlauth destroy` and `--only` through the binary, on the quickstart's local cloud.
@Suite(.serialized)
struct DestroyAndOnlyTests {
    static func state(_ directory: String) throws -> JSONValue {
        try JSONParser.parse(
            try String(contentsOfFile: directory + "/.amlauth/local-cloud/state.json", encoding: .utf8))
    }

    static func applicationNames(_ directory: String) throws -> [String] {
        (try state(directory)["applications"]?.arrayValue ?? []).compactMap { $0["displayName"]?.stringValue }
    }

    @Test func destroyRemovesWhatTheTargetOwnsBehindTheGuards() async throws {
        let directory = try WhoamiCommandTests.quickstart()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let applied = try CommandRunner.amlauth(["apply", directory, "--auto-approve"])
        #expect(applied.status == 0, "\(applied.stdout)\(applied.stderr)")
        // Someone else's application in the same tenant.
        try await LocalCloudAdmin.with(directory) { admin in
            _ = try await admin.graph.createApplication(displayName: "bystander", tags: [])
        }

        // All 4 owned objects: the mass-delete guard, as for prune.
        let guarded = try CommandRunner.amlauth(["destroy", directory, "--auto-approve"])
        #expect(guarded.status == 1)
        #expect(guarded.stdout.contains("prune would delete 4 of the 4 objects"), "\(guarded.stdout)")
        #expect(try Self.applicationNames(directory).contains("ml-auth"), "nothing deleted")

        // No terminal, no question.
        let unasked = try CommandRunner.amlauth(["destroy", directory, "--allow-mass-delete"])
        #expect(unasked.status == 1)
        #expect(unasked.stderr.contains("not a terminal: rerun with --auto-approve"), "\(unasked.stderr)")
        #expect(unasked.stdout.contains("- ServicePrincipal/ml-auth"), "the plan is shown first")

        // --only: just that service.
        let one = try CommandRunner.amlauth([
            "destroy", directory, "--auto-approve", "--only", "Webservice/aci-service-1",
        ])
        #expect(one.status == 0, "\(one.stdout)\(one.stderr)")
        #expect(one.stderr.contains("the plan may be incomplete"))
        let services = {
            (try Self.state(directory)["services"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
        }
        let remaining = try services()
        #expect(!remaining.contains("aci-service-1") && remaining.contains("aks-service-1"), "\(remaining)")

        // The other 3: no more than 3, so no flag needed.
        let destroyed = try CommandRunner.amlauth(["destroy", directory, "--auto-approve"])
        #expect(destroyed.status == 0, "\(destroyed.stdout)\(destroyed.stderr)")
        #expect(destroyed.stdout.contains("Plan: 0 to add, 0 to change, 0 to replace, 3 to destroy, 0 to rotate."))
        #expect(try Self.applicationNames(directory).contains("bystander"), "never what the Target does not own")
        #expect(try !Self.applicationNames(directory).contains("ml-auth"))
        #expect(try services().isEmpty)
        // Everything is to be created again.
        let plan = try CommandRunner.amlauth(["plan", directory, "--detailed-exitcode"])
        #expect(plan.status == 2)
        #expect(plan.stdout.contains("Plan: 4 to add"), "\(plan.stdout)")
        let again = try CommandRunner.amlauth(["destroy", directory, "--auto-approve"])
        #expect(again.status == 0 && again.stdout.contains("No changes"), "\(again.stdout)")
    }

    @Test func onlyLimitsPlanAndSavedPlanToTheResourceAndItsDependencies() throws {
        let directory = try WhoamiCommandTests.quickstart()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let planFile = directory + "/plan.json"
        let plan = try CommandRunner.amlauth([
            "plan", directory, "--only", "RoleAssignment/ml-auth-reads-workspace", "-o", planFile,
        ])
        #expect(plan.status == 0, "\(plan.stdout)\(plan.stderr)")
        #expect(plan.stderr.contains("warning: --only limits this plan to RoleAssignment/ml-auth-reads-workspace"))
        #expect(plan.stderr.contains("the plan may be incomplete"))
        #expect(plan.stdout.contains("+ ServicePrincipal/ml-auth"), "its principal comes along")
        #expect(plan.stdout.contains("+ RoleAssignment/ml-auth-reads-workspace"))
        #expect(!plan.stdout.contains("Webservice/"), "\(plan.stdout)")
        let saved = try JSONParser.parse(try String(contentsOfFile: planFile, encoding: .utf8))
        #expect(
            saved["options"]?["only"]?.arrayValue?.compactMap(\.stringValue) == [
                "RoleAssignment/ml-auth-reads-workspace"
            ])

        // The saved plan is applied as made: the same selection, not stale, nothing else.
        let applied = try CommandRunner.amlauth(["apply", planFile])
        #expect(applied.status == 0, "\(applied.stdout)\(applied.stderr)")
        #expect(try Self.applicationNames(directory).contains("ml-auth"))
        #expect(try (Self.state(directory)["services"]?.arrayValue ?? []).isEmpty)
        let rest = try CommandRunner.amlauth(["plan", directory, "--detailed-exitcode"])
        #expect(rest.status == 2)
        #expect(rest.stdout.contains("Plan: 2 to add"), "\(rest.stdout)")

        // Unknown addresses: a clear error before anything is shown.
        let typo = try CommandRunner.amlauth(["plan", directory, "--only", "Webservice/aks-servce-1"])
        #expect(typo.status == 1)
        #expect(
            typo.stderr.contains(
                "--only Webservice/aks-servce-1: no such resource in the manifests, and target 'quickstart' owns none by that address; did you mean Webservice/aks-service-1?"
            ), "\(typo.stderr)")
        #expect(typo.stdout.isEmpty)
        let mixed = try CommandRunner.amlauth(["apply", planFile, "--only", "Webservice/aks-service-1"])
        #expect(mixed.status != 0)
        #expect(mixed.stderr.contains("--only cannot be combined with a plan file"), "\(mixed.stderr)")
        let malformed = try CommandRunner.amlauth(["apply", directory, "--only", "Service/x"])
        #expect(malformed.status != 0)
        #expect(malformed.stderr.contains("--only 'Service/x' is not a resource address"), "\(malformed.stderr)")
    }
}
