import AMLAuthCore
import Foundation
import TestSupport
import Testing
import WireFormat

/// Kill -9 an apply of 30 changes at several points; each time the next apply converges with no
/// duplicate object and no orphaned, undelivered password.
@Suite(.serialized)
struct CrashSafetyTests {
    /// 10 principals with passwords, 10 role assignments, 10 ACI services: 30 changes.
    static func manifests(in directory: String) throws {
        var text =
            "apiVersion: amlauth/v1\nkind: Target\nmetadata: {name: crash}\nspec: {cloud: local}\n---\napiVersion: amlauth/v1\nkind: Workspace\nmetadata: {name: ml-example}\nspec: {resource_group: ml-rg}\n"
        for index in 0..<10 {
            text +=
                "---\napiVersion: amlauth/v1\nkind: ServicePrincipal\nmetadata: {name: sp-\(index)}\nspec:\n  credentials:\n    - {name: ci, type: password, lifetime: 30d, deliver_to: \"file:.secrets/sp-\(index).json\"}\n"
            text +=
                "---\napiVersion: amlauth/v1\nkind: RoleAssignment\nmetadata: {name: ra-\(index)}\nspec: {principal: {service_principal: sp-\(index)}, role: Reader, scope: {workspace: ml-example}}\n"
            text +=
                "---\napiVersion: amlauth/v1\nkind: Webservice\nmetadata: {name: svc-\(index)}\nspec: {workspace: ml-example, compute_type: ACI, auth_enabled: true, models: [m:1], entry_script: \(Paths.packageRoot)/examples/quickstart/score.py, environment: sklearn-env:2}\n"
        }
        try text.write(toFile: directory + "/crash.yaml", atomically: true, encoding: .utf8)
    }

    /// Starts `amlauth apply`, kills it with SIGKILL once `lines` progress lines have appeared.
    static func applyAndKill(_ directory: String, afterLines lines: Int) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Paths.amlauthBinary)
        process.arguments = ["apply", directory, "--auto-approve", "--parallelism", "3"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var seen = 0
        var buffer = ""
        while seen < lines {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            buffer += String(decoding: chunk, as: UTF8.self)
            seen =
                buffer.components(separatedBy: "\n").filter {
                    $0.hasSuffix("…") || $0.contains(" in ") && $0.hasSuffix("s")
                }.count
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    @Test(arguments: [1, 6, 17, 40])
    func convergesAfterAKill(afterLines lines: Int) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "amlauth-crash-\(UUID().uuidString)"
        ).path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Self.manifests(in: directory)
        try Self.applyAndKill(directory, afterLines: lines)
        let recovered = try CommandRunner.amlauth(["apply", directory, "--auto-approve"])
        #expect(recovered.status == 0, "\(recovered.stdout.suffix(800))\(recovered.stderr)")
        #expect(try CommandRunner.amlauth(["plan", directory, "--detailed-exitcode"]).status == 0, "converged")

        let state = try JSONParser.parse(
            try String(contentsOfFile: directory + "/.amlauth/local-cloud/state.json", encoding: .utf8))
        for index in 0..<10 {
            let applications =
                state["applications"]?.arrayValue?.filter {
                    $0["tags"]?.arrayValue?.contains(.string("amlauth:crash/sp-\(index)")) == true
                } ?? []
            #expect(applications.count == 1, "sp-\(index): no duplicate application")
            let passwords = applications.first?["passwordCredentials"]?.arrayValue ?? []
            #expect(passwords.count == 1, "sp-\(index): exactly one password, the delivered one")
            let sink = try JSONParser.parse(
                try String(contentsOfFile: directory + "/.secrets/sp-\(index).json", encoding: .utf8))
            #expect(
                sink["amlauthKeyId"]?.stringValue == passwords.first?["keyID"]?.stringValue,
                "sp-\(index): the sink holds the live password")
        }
        #expect(
            state["roleAssignments"]?.arrayValue?.filter {
                $0["description"]?.stringValue?.hasPrefix("managed by amlauth: crash/") == true
            }.count == 10)
        #expect(state["services"]?.arrayValue?.count == 10)
    }
}
