import AMLAuthCLI
import AMLAuthCore
import Foundation
import TestSupport
import Testing
import WireFormat

/// Input errors have no line, but they name a path, and the JSON report says so (issue 15 item 10).
struct InputPathLocationTests {
    @Test func aMissingPathIsLocatedByItsNameWithNoLine() throws {
        let outcome = ValidateRun(
            paths: ["no/such/dir"], format: .json, environment: [:], workingDirectory: Paths.packageRoot
        ).run()
        #expect(outcome.exitCode == 1)
        let missing = try #require(outcome.diagnostics.first { $0.code == .unreadableInput })
        #expect(missing.path == "no/such/dir")
        let document = try JSONParser.parse(outcome.output)
        guard case .array(let items)? = document["diagnostics"], let item = items.first else {
            Issue.record("no diagnostics in \(outcome.output)")
            return
        }
        #expect(item["code"]?.stringValue == "AMLA104")
        #expect(item["location"]?["file"]?.stringValue == "no/such/dir")
        #expect(item["location"]?["line"] == .null)
        #expect(item["location"]?["column"] == .null)
    }

    @Test func aDirectoryWithoutManifestsNamesTheDirectory() throws {
        let outcome = ValidateRun(
            paths: ["Tests/Fixtures/invalid/no-manifest-files"], format: .text, environment: [:],
            workingDirectory: Paths.packageRoot
        ).run()
        #expect(outcome.diagnostics.first?.path == "Tests/Fixtures/invalid/no-manifest-files")
    }
}
