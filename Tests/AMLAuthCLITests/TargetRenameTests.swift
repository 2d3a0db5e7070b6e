import AMLAuthCore
import Foundation
import TestSupport
import Testing

/// The Target's name is part of every object's identity: after a rename the plan creates new
/// objects, and says where the old ones are.
struct TargetRenameTests {
    @Test func aRenamedTargetSaysTheObjectsExistUnderTheOldName() throws {
        let directory = try ConcurrencyTests.temporaryDirectory("rename")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = directory + "/m.yaml"
        let manifests = ConcurrencyTests.manifests(target: "team-a", cloud: "cloud: local", count: 1)
        try manifests.write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try CommandRunner.amlauth(["apply", directory, "--auto-approve"]).status == 0)

        try manifests.replacingOccurrences(of: "name: team-a", with: "name: team-b").write(
            toFile: file, atomically: true, encoding: .utf8)
        let plan = try CommandRunner.amlauth(["plan", directory])
        #expect(plan.status == 1, "the web service's name collides: \(plan.stdout)\(plan.stderr)")
        for address in ["ServicePrincipal/sp-0", "RoleAssignment/ra-0", "Webservice/svc-0"] {
            let note = plan.stdout.components(separatedBy: "\n").first {
                $0.contains(address) && $0.contains("exists under target 'team-a' with this manifest address")
            }
            #expect(note != nil, "\(address): \(plan.stdout)")
        }
        #expect(plan.stdout.contains("the Target name is part of every object's identity"))
    }
}
