import AMLAuthCore
import Foundation
import TestSupport
import Testing

/// `plan -o`, `show` and `apply plan.json` with its staleness check.
@Suite(.serialized)
struct SavedPlanTests {
    @Test func savedPlanRoundTripsAndAppliesExactly() throws {
        let directory = try WhoamiCommandTests.quickstart()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let planFile = directory + "/plan.json"
        let planned = try CommandRunner.amlauth(["plan", directory, "-o", planFile])
        #expect(planned.status == 0)
        let shown = try CommandRunner.amlauth(["show", planFile])
        #expect(shown.status == 0)
        #expect(planned.stdout.hasSuffix(shown.stdout), "show renders the saved plan as plan printed it")
        let json = try CommandRunner.amlauth(["show", planFile, "--json"])
        let reparsed = try PlanDocument.parse(Array(json.stdout.utf8))
        let saved = try PlanDocument.parse(Array(try String(contentsOfFile: planFile, encoding: .utf8).utf8))
        #expect(reparsed == saved, "the plan file round-trips through show --json")
        #expect(
            try CommandRunner.amlauth(["show", planFile, "--markdown"]).stdout.contains(
                "| `+` | `Webservice/aks-service-1` | create |"))

        let applied = try CommandRunner.amlauth(["apply", planFile])
        #expect(applied.status == 0, "\(applied.stderr)")
        #expect(applied.stdout.contains("Apply complete: 4 added"))
        #expect(try CommandRunner.amlauth(["plan", directory, "--detailed-exitcode"]).status == 0)
        let again = try CommandRunner.amlauth(["apply", planFile])
        #expect(again.status == 1, "a plan is used once: after it, the world it saw has changed")
        #expect(again.stderr.contains("plan is stale"))
    }

    @Test func aPlanFileEditedAfterReviewIsRefused() throws {
        let directory = try WhoamiCommandTests.quickstart()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let planFile = directory + "/plan.json"
        #expect(try CommandRunner.amlauth(["plan", directory, "-o", planFile]).status == 0)
        // The reviewed plan creates the quickstart; someone slips a step into the file afterwards.
        let text = try String(contentsOfFile: planFile, encoding: .utf8)
        let tampered = text.replacingOccurrences(
            of: "\"op\": \"ensure_service_principal\"", with: "\"op\": \"set_application_tags\"")
        #expect(tampered != text)
        try tampered.write(toFile: planFile, atomically: true, encoding: .utf8)
        let refused = try CommandRunner.amlauth(["apply", planFile])
        #expect(refused.status == 1)
        #expect(
            refused.stderr.contains("ServicePrincipal/ml-auth: the saved steps are not what amlauth decides now"),
            "\(refused.stderr)")
        let state = try String(contentsOfFile: directory + "/.amlauth/local-cloud/state.json", encoding: .utf8)
        #expect(!state.contains("\"ml-auth\""), "nothing was created")
    }

    @Test func outOfBandChangesMakeAPlanStale() throws {
        let directory = try WhoamiCommandTests.quickstart()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(try CommandRunner.amlauth(["apply", directory, "--auto-approve"]).status == 0)
        let services = directory + "/webservices.yaml"
        try String(contentsOfFile: services, encoding: .utf8).replacingOccurrences(
            of: "cpu_cores: 0.5", with: "cpu_cores: 2"
        ).write(toFile: services, atomically: true, encoding: .utf8)
        let planFile = directory + "/plan.json"
        #expect(try CommandRunner.amlauth(["plan", directory, "-o", planFile]).status == 0)

        // Someone turns key auth off behind amlauth's back.
        let statePath = directory + "/.amlauth/local-cloud/state.json"
        let state = try String(contentsOfFile: statePath, encoding: .utf8)
        let edited = state.replacingOccurrences(of: "\"authEnabled\" : true", with: "\"authEnabled\" : false")
        #expect(edited != state)
        try edited.write(toFile: statePath, atomically: true, encoding: .utf8)
        let refused = try CommandRunner.amlauth(["apply", planFile])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("plan is stale"))
        // Issue 13 item 18: named as the plan names it, and the manifest by its file.
        #expect(refused.stderr.contains("  - Webservice/aci-service-1\n"), "\(refused.stderr)")

        // A fresh plan of the same change applies; so does a manifest edit make a plan stale.
        #expect(try CommandRunner.amlauth(["plan", directory, "-o", planFile]).status == 0)
        try String(contentsOfFile: services, encoding: .utf8).replacingOccurrences(
            of: "memory_gb: 1\n  auth_enabled", with: "memory_gb: 2\n  auth_enabled"
        ).write(toFile: services, atomically: true, encoding: .utf8)
        let manifestsChanged = try CommandRunner.amlauth(["apply", planFile])
        #expect(manifestsChanged.status == 1)
        #expect(
            manifestsChanged.stderr.contains("  - manifest file '\(services)' (edited)\n"), "\(manifestsChanged.stderr)"
        )
        #expect(!manifestsChanged.stderr.contains("amlauth.yaml"), "only the file that changed is named")
    }

    @Test func badPlanFilesAreClearErrors() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "amlauth-bad-\(UUID().uuidString).json"
        ).path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try #"{"format_version": 9, "target": "x"}"#.write(toFile: path, atomically: true, encoding: .utf8)
        let result = try CommandRunner.amlauth(["show", path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("unsupported plan format_version 9"))
        #expect(try CommandRunner.amlauth(["show", "/nonexistent/plan.json"]).stderr.contains("cannot read"))
    }
}
