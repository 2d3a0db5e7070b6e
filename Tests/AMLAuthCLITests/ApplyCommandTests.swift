import AMLAuthCore
import Foundation
import TestSupport
import Testing
import WireFormat

/// `amlauth apply` through the binary on the quickstart's in-process local cloud: converge, then
/// prove a clean plan; then change things and converge again.
@Suite(.serialized)
struct ApplyCommandTests {
    func state(_ directory: String) throws -> JSONValue {
        try JSONParser.parse(
            try String(contentsOfFile: directory + "/.amlauth/local-cloud/state.json", encoding: .utf8))
    }

    func replace(_ old: String, with new: String, in file: String) throws {
        let text = try String(contentsOfFile: file, encoding: .utf8)
        #expect(text.contains(old))
        try text.replacingOccurrences(of: old, with: new).write(toFile: file, atomically: true, encoding: .utf8)
    }

    @Test func quickstartConvergesAndStaysConverged() throws {
        let directory = try WhoamiCommandTests.quickstart()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let applied = try CommandRunner.amlauth(["apply", directory, "--auto-approve"])
        #expect(applied.status == 0, "\(applied.stdout)\(applied.stderr)")
        #expect(applied.stdout.hasSuffix("Apply complete: 4 added, 0 changed, 0 replaced, 0 destroyed, 0 rotated.\n"))
        #expect(applied.stdout.contains("ServicePrincipal/ml-auth: created in "))
        #expect(
            try CommandRunner.amlauth(["plan", directory, "--detailed-exitcode"]).status == 0, "a second plan is clean")

        // The secret went to its sink, 0600, and nowhere else.
        let sink = directory + "/.secrets/ml-auth.json"
        let mode = try FileManager.default.attributesOfItem(atPath: sink)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let sdkAuth = try String(contentsOfFile: sink, encoding: .utf8)
        let secret = try #require(try JSONParser.parse(sdkAuth)["clientSecret"]?.stringValue)
        #expect(!applied.stdout.contains(secret) && !applied.stderr.contains(secret))
        let stateText = try String(contentsOfFile: directory + "/.amlauth/local-cloud/state.json", encoding: .utf8)
        #expect(!stateText.contains(secret), "the cloud stores only a hash")
        // The delivered sdk-auth file logs in.
        let whoami = try CommandRunner.amlauth(
            ["whoami", "--target", directory], environment: ["AZURE_CREDENTIALS": sdkAuth])
        #expect(whoami.status == 0, "\(whoami.stderr)")
        #expect(whoami.stdout.contains("credential:    client secret from AZURE_CREDENTIALS"))

        // Nothing to do needs no approval, terminal or not.
        let unasked = try CommandRunner.amlauth(["apply", directory])
        #expect(unasked.status == 0, "nothing to do needs no approval")

        // Tokens and keys of the services.
        let token = try CommandRunner.amlauth(["token", "aks-service-1", "--target", directory, "--json"])
        #expect(token.status == 0, "\(token.stderr)")
        let tokenJSON = try JSONParser.parse(token.stdout)
        #expect(tokenJSON["access_token"]?.stringValue?.hasPrefix("eyJ") == true)
        #expect((tokenJSON["expiry_on"]?.numberValue ?? 0) > (tokenJSON["refresh_after"]?.numberValue ?? 0))
        let aciToken = try CommandRunner.amlauth(["token", "aci-service-1", "--target", directory])
        #expect(aciToken.status == 1)
        #expect(aciToken.stderr.contains("ACI supports key auth only"))
        #expect(
            try CommandRunner.amlauth(["keys", "aci-service-1", "--target", directory]).status == 64, "keys need --show"
        )
        let keys = try CommandRunner.amlauth(["keys", "aci-service-1", "--target", directory, "--show"])
        let primary = try state(directory)["services"]?.arrayValue?.first {
            $0["name"]?.stringValue == "aci-service-1"
        }?["primaryKey"]?.stringValue
        #expect(keys.stdout.contains("primary:   \(primary ?? "?")\n"))
    }

    @Test func changesRotationsReplacementsAndPrune() throws {
        let directory = try WhoamiCommandTests.quickstart()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(try CommandRunner.amlauth(["apply", directory, "--auto-approve"]).status == 0)
        let services = directory + "/webservices.yaml"
        let main = directory + "/amlauth.yaml"

        // Raise a key generation and change the model: rotate, and update the definition in place.
        try replace(
            "key_rotation: {primary: 0, secondary: 0}", with: "key_rotation: {primary: 1, secondary: 0}", in: services)
        try replace(
            "  models: [sklearn-mnist:3]\n  entry_script: score.py\n  environment: sklearn-env:2\n  cpu_cores: 0.5",
            with:
                "  models: [sklearn-mnist:4]\n  entry_script: score.py\n  environment: sklearn-env:2\n  cpu_cores: 0.5",
            in: services)
        let keysBefore = try state(directory)["services"]?.arrayValue?.first {
            $0["name"]?.stringValue == "aci-service-1"
        }
        let plan = try CommandRunner.amlauth(["plan", directory, "--detailed-exitcode"])
        #expect(plan.status == 2)
        #expect(plan.stdout.contains("  ⟳ Webservice/aci-service-1  (regenerate the primary key)\n"))
        #expect(
            plan.stdout.contains("      models: \"sklearn-mnist:3\" -> \"sklearn-mnist:4\"\n"),
            "a definition change is never silent")
        let unasked = try CommandRunner.amlauth(["apply", directory])
        #expect(unasked.status == 1)
        #expect(unasked.stderr.contains("--auto-approve"))
        #expect(try CommandRunner.amlauth(["apply", directory, "--auto-approve"]).status == 0)
        let keysAfter = try state(directory)["services"]?.arrayValue?.first {
            $0["name"]?.stringValue == "aci-service-1"
        }
        #expect(keysAfter?["primaryKey"] != keysBefore?["primaryKey"])
        #expect(keysAfter?["secondaryKey"] == keysBefore?["secondaryKey"])
        #expect(
            keysAfter?["payload"]?.stringValue?.contains("sklearn-mnist:4") == true, "the new model reached the service"
        )
        #expect(
            try CommandRunner.amlauth(["plan", directory, "--detailed-exitcode"]).status == 0,
            "the rotation happens once")

        // A different role replaces the assignment: new one created, old one gone.
        try replace("role: Reader", with: "role: AzureML Data Scientist", in: main)
        let replaced = try CommandRunner.amlauth(["apply", directory, "--auto-approve"])
        #expect(replaced.stdout.contains("  -/+ RoleAssignment/ml-auth-reads-workspace"))
        let assignments = try state(directory)["roleAssignments"]?.arrayValue?.filter {
            $0["description"]?.stringValue?.hasPrefix("managed by amlauth") == true
        }
        #expect(assignments?.count == 1)
        #expect(assignments?.first?["roleDefinitionID"]?.stringValue == "f6c7c914-8db3-469d-8ca1-694a8f32e121")

        // A sink file missing on this disk (a fresh CI checkout) is no reason to rotate: the cloud
        // records the delivery. A new sink is delivered to, and the old password revoked.
        try FileManager.default.removeItem(atPath: directory + "/.secrets/ml-auth.json")
        #expect(!(try CommandRunner.amlauth(["plan", directory]).stdout.contains("⟳")))
        try replace("file:.secrets/ml-auth.json", with: "file:.secrets/ml-auth-2.json", in: main)
        #expect(try CommandRunner.amlauth(["plan", directory]).stdout.contains("  ⟳ ServicePrincipal/ml-auth"))
        #expect(try CommandRunner.amlauth(["apply", directory, "--auto-approve"]).status == 0)
        #expect(FileManager.default.fileExists(atPath: directory + "/.secrets/ml-auth-2.json"))
        let passwords = try state(directory)["applications"]?.arrayValue?.first {
            $0["displayName"]?.stringValue == "ml-auth"
        }?["passwordCredentials"]?.arrayValue
        #expect(passwords?.count == 1)
        #expect(passwords?.first?["displayName"]?.stringValue == "amlauth:ci:2")

        // The JSON report of an apply.
        try replace("memory_gb: 1\n  auth_enabled: true", with: "memory_gb: 2\n  auth_enabled: true", in: services)
        let report = try CommandRunner.amlauth(["apply", directory, "--auto-approve", "--json"])
        #expect(report.status == 0)
        let reportJSON = try JSONParser.parse(report.stdout)
        #expect(reportJSON["succeeded"]?.boolValue == true)
        #expect(reportJSON["changes"]?.arrayValue?.first?["outcome"]?.stringValue == "applied")
        #expect(reportJSON["changes"]?.arrayValue?.first?["address"]?.stringValue == "Webservice/aci-service-1")
        #expect(try CommandRunner.amlauth(["apply", directory, "--json"]).status == 64, "--json cannot ask")

        // A service that left the manifests stays until pruned, and then goes.
        let text = try String(contentsOfFile: services, encoding: .utf8)
        let aksStart = try #require(
            text.range(of: "---\napiVersion: amlauth/v1\nkind: Webservice\nmetadata: {name: aks-service-1}"))
        try String(text[..<aksStart.lowerBound]).write(toFile: services, atomically: true, encoding: .utf8)
        let kept = try CommandRunner.amlauth(["plan", directory, "--detailed-exitcode"])
        #expect(kept.status == 0)
        #expect(kept.stdout.contains("web service 'aks-service-1' is owned by amlauth but no longer in the manifests"))
        let pruned = try CommandRunner.amlauth(["apply", directory, "--auto-approve", "--prune"])
        #expect(pruned.stdout.contains("Apply complete: 0 added, 0 changed, 0 replaced, 1 destroyed, 0 rotated."))
        #expect(try state(directory)["services"]?.arrayValue?.map { $0["name"]?.stringValue } == ["aci-service-1"])
    }
}
