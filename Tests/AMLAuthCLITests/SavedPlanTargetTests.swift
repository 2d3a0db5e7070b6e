import AMLAuthCore
import Foundation
import TestSupport
import Testing

/// `apply plan.json` applies a plan only to the Target it was made for.
@Suite(.serialized)
struct SavedPlanTargetTests {
    @Test func anEditedTargetFieldIsRefused() throws {
        let directory = try WhoamiCommandTests.quickstart()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let planFile = directory + "/plan.json"
        #expect(try CommandRunner.amlauth(["plan", directory, "-o", planFile]).status == 0)
        let saved = try PlanDocument.parse(Array(try String(contentsOfFile: planFile, encoding: .utf8).utf8))
        let original = saved.plan.target
        let text = try String(contentsOfFile: planFile, encoding: .utf8)
        let edited = text.replacingOccurrences(of: "\"target\": \"\(original)\"", with: "\"target\": \"someone-else\"")
        #expect(edited != text, "the plan file names its target")
        try edited.write(toFile: planFile, atomically: true, encoding: .utf8)

        let refused = try CommandRunner.amlauth(["apply", planFile])
        #expect(refused.status == 1)
        #expect(
            refused.stderr.contains("'someone-else'") && refused.stderr.contains("'\(original)'"), "\(refused.stderr)")
        #expect(
            try CommandRunner.amlauth(["plan", directory, "--detailed-exitcode"]).status == 2, "nothing was changed")
    }
}
