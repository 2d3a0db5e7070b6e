import AMLAuthCore
import Foundation
import TestSupport
import Testing

/// Prune deletes what the manifests do not name, so it refuses to take one file for the whole
/// set, and a prune that would delete most of a Target needs --allow-mass-delete.
@Suite(.serialized)
struct PruneGuardTests {
    static func principals(_ names: [String]) -> String {
        var text = "apiVersion: amlauth/v1\nkind: Target\nmetadata: {name: guard}\nspec: {cloud: local}\n"
        for name in names {
            text += "---\napiVersion: amlauth/v1\nkind: ServicePrincipal\nmetadata: {name: \(name)}\nspec: {}\n"
        }
        return text
    }

    @Test func pruneOverASingleFileIsRefused() throws {
        let directory = try ConcurrencyTests.temporaryDirectory("prune-file")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "apiVersion: amlauth/v1\nkind: Target\nmetadata: {name: guard}\nspec: {cloud: local}\n".write(
            toFile: directory + "/target.yaml", atomically: true, encoding: .utf8)
        try "apiVersion: amlauth/v1\nkind: ServicePrincipal\nmetadata: {name: a}\nspec: {}\n".write(
            toFile: directory + "/principals.yaml", atomically: true, encoding: .utf8)
        for command in ["plan", "apply"] {
            var arguments = [command, "target.yaml", "--prune"]
            if command == "apply" { arguments.append("--auto-approve") }
            let result = try CommandRunner.amlauth(arguments, in: directory)
            #expect(result.status == 1, "\(command): \(result.stdout)\(result.stderr)")
            #expect(result.stderr.contains("'target.yaml' is a single file"), "\(result.stderr)")
            #expect(result.stderr.contains("('.')") && result.stderr.contains("--file-is-complete"))
            #expect(!result.stdout.contains("destroy"))
        }
        #expect(
            !FileManager.default.fileExists(atPath: directory + "/.amlauth"), "refused before any cloud was touched")
    }

    @Test func pruningMostOfATargetNeedsTheFlag() throws {
        let directory = try ConcurrencyTests.temporaryDirectory("prune-mass")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = directory + "/m.yaml"
        try Self.principals(["a", "b", "c", "d", "e"]).write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try CommandRunner.amlauth(["apply", directory, "--auto-approve"]).status == 0)

        // Two of five: no flag needed.
        try Self.principals(["a", "b", "c"]).write(toFile: file, atomically: true, encoding: .utf8)
        let small = try CommandRunner.amlauth(["plan", directory, "--prune", "--detailed-exitcode"])
        #expect(small.status == 2, "\(small.stdout)\(small.stderr)")

        // Four of five: refused by plan and apply, with the numbers and the way out.
        try Self.principals(["a"]).write(toFile: file, atomically: true, encoding: .utf8)
        let plan = try CommandRunner.amlauth(["plan", directory, "--prune"])
        #expect(plan.status == 1)
        #expect(plan.stdout.contains("prune would delete 4 of the 5 objects target 'guard' owns"), "\(plan.stdout)")
        #expect(plan.stdout.contains("--allow-mass-delete"))
        let apply = try CommandRunner.amlauth(["apply", directory, "--prune", "--auto-approve"])
        #expect(apply.status == 1)
        #expect(apply.stderr.contains("cannot be applied as written"))
        #expect(try CommandRunner.amlauth(["plan", directory, "--detailed-exitcode"]).status == 0, "nothing deleted")

        let allowed = try CommandRunner.amlauth([
            "apply", directory, "--prune", "--allow-mass-delete", "--auto-approve",
        ])
        #expect(allowed.status == 0, "\(allowed.stdout)\(allowed.stderr)")
        #expect(allowed.stdout.contains("4 destroyed"))
    }
}
