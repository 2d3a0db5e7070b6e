import Foundation
import TestSupport
import Testing
import WireFormat

/// `amlauth whoami --json` through the binary, on the quickstart's in-process local cloud.
struct WhoamiJSONTests {
    @Test func whoamiJSON() throws {
        let directory = try WhoamiCommandTests.quickstart()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result = try CommandRunner.amlauth(["whoami", "--target", directory, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let document = try JSONParser.parse(result.stdout)
        #expect(document["cloud"]?.stringValue == "local")
        #expect(document["credential"]?.stringValue == "local cloud bootstrap owner")
        #expect(document["objectId"]?.stringValue.flatMap { UUID(uuidString: $0) } != nil)
        let roles = try #require(document["roleAssignments"]?.arrayValue)
        let subscription = try #require(document["subscriptionId"]?.stringValue)
        #expect(
            roles.contains {
                $0["role"]?.stringValue == "Owner" && $0["scope"]?.stringValue == "/subscriptions/\(subscription)"
            })
    }
}
