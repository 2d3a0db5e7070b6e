import Foundation
import TestSupport
import Testing

/// Issue 13 item 19: every Azure built-in role name is accepted (the generated table), and the
/// local cloud knows the same roles, so a plan resolves them and apply assigns them.
@Suite(.serialized)
struct BuiltInRolesTests {
    @Test func everyBuiltInRoleNameIsAcceptedPlannedAndApplied() throws {
        let directory = try WhoamiCommandTests.quickstart()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let roles = [
            ("acr-pull", "AcrPull", "7f951dda-4ed3-4680-a7ca-43fe172d538d"),
            ("blob-reader", "storage blob data reader", "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"),
            ("kv-secrets", "Key Vault Secrets User", "4633458b-17de-408a-b874-0445c86b69e6"),
        ]
        try roles.map { name, role, _ in
            """
            apiVersion: amlauth/v1
            kind: RoleAssignment
            metadata: {name: \(name)}
            spec:
              principal: {service_principal: ml-auth}
              role: \(role)
              scope: {resource_group: ml-rg}

            """
        }.joined(separator: "---\n").write(toFile: directory + "/roles.yaml", atomically: true, encoding: .utf8)

        let validate = try CommandRunner.amlauth(["validate", directory])
        #expect(validate.status == 0, "\(validate.stdout)")
        let plan = try CommandRunner.amlauth(["plan", directory])
        #expect(plan.status == 0, "\(plan.stderr)")
        for (name, _, guid) in roles {
            #expect(plan.stdout.contains("  + RoleAssignment/\(name)\n"))
            #expect(plan.stdout.contains(" (\(guid))\"\n"), "\(guid)")
        }
        #expect(
            plan.stdout.contains("      role: \"Storage Blob Data Reader (2a2b9908-6ea1-4ae2-8e65-a410df84e7d1)\"\n"))
        let apply = try CommandRunner.amlauth(["apply", directory, "--auto-approve"])
        #expect(apply.status == 0, "\(apply.stdout)\(apply.stderr)")
        #expect(try CommandRunner.amlauth(["plan", directory, "--detailed-exitcode"]).status == 0)

        // A name Azure does not have is still an error, with a suggestion from the whole table.
        try String(contentsOfFile: directory + "/roles.yaml", encoding: .utf8).replacingOccurrences(
            of: "role: AcrPull", with: "role: AcrPul"
        ).write(toFile: directory + "/roles.yaml", atomically: true, encoding: .utf8)
        let typo = try CommandRunner.amlauth(["validate", directory])
        #expect(typo.status == 1)
        #expect(typo.stdout.contains("error[AMLA216]"))
        #expect(typo.stdout.contains("did you mean 'AcrPull'?"), "\(typo.stdout)")
    }
}
