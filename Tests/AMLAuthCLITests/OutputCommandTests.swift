import Foundation
import TestSupport
import Testing
import WireFormat

/// `amlauth output` through the binary, on the quickstart's in-process local cloud.
@Suite(.serialized)
struct OutputCommandTests {
    @Test func outputNamesTheLiveObjectsAndNoSecret() throws {
        let directory = try WhoamiCommandTests.quickstart()
        defer { try? FileManager.default.removeItem(atPath: directory) }

        // Before apply: every declared object, with null identifiers.
        let before = try CommandRunner.amlauth(["output", directory, "--json"])
        #expect(before.status == 0, "\(before.stderr)")
        let empty = try JSONParser.parse(before.stdout)
        let emptyPrincipal = try #require(empty["servicePrincipals"]?.arrayValue?.first)
        #expect(emptyPrincipal["name"]?.stringValue == "ml-auth")
        #expect(emptyPrincipal["clientId"].map { if case .null = $0 { true } else { false } } == true)
        #expect(empty["webservices"]?.arrayValue?.allSatisfy { $0["exists"]?.boolValue == false } == true)

        let applied = try CommandRunner.amlauth(["apply", directory, "--auto-approve"])
        #expect(applied.status == 0, "\(applied.stdout)\(applied.stderr)")
        let sdkAuth = try JSONParser.parse(
            try String(contentsOfFile: directory + "/.secrets/ml-auth.json", encoding: .utf8))
        let clientID = try #require(sdkAuth["clientId"]?.stringValue)
        let secret = try #require(sdkAuth["clientSecret"]?.stringValue)

        let result = try CommandRunner.amlauth(["output", directory, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let outputs = try JSONParser.parse(result.stdout)
        #expect(outputs["target"]?.stringValue == "quickstart")
        #expect(outputs["cloud"]?.stringValue == "local")
        #expect(outputs["tenantId"]?.stringValue == sdkAuth["tenantId"]?.stringValue)
        #expect(outputs["subscriptionId"]?.stringValue == sdkAuth["subscriptionId"]?.stringValue)
        let principal = try #require(outputs["servicePrincipals"]?.arrayValue?.first)
        #expect(principal["clientId"]?.stringValue == clientID)
        let objectID = try #require(principal["objectId"]?.stringValue)
        #expect(UUID(uuidString: objectID) != nil)
        #expect(principal["applicationObjectId"]?.stringValue != objectID, "application and principal differ")
        // The principal's object id is the one its role assignment names.
        let state = try String(contentsOfFile: directory + "/.amlauth/local-cloud/state.json", encoding: .utf8)
        #expect(state.contains(objectID))
        let services = try #require(outputs["webservices"]?.arrayValue)
        #expect(services.map { $0["name"]?.stringValue } == ["aci-service-1", "aks-service-1"])
        #expect(services.map { $0["auth"]?.stringValue } == ["key", "token"])
        for service in services {
            let name = service["name"]?.stringValue ?? "?"
            #expect(service["exists"]?.boolValue == true)
            let uri = try #require(service["scoringUri"]?.stringValue)
            #expect(uri.hasPrefix("https://127.0.0.1:") && uri.hasSuffix("/\(name)/score"), "\(uri)")
        }
        #expect(!result.stdout.contains(secret) && !result.stderr.contains(secret))

        let table = try CommandRunner.amlauth(["output", directory])
        #expect(table.status == 0, "\(table.stderr)")
        #expect(table.stdout.contains("ServicePrincipal/ml-auth  (ml-auth)\n  client id:              \(clientID)\n"))
        #expect(table.stdout.contains("Webservice/aks-service-1  (AKS, token auth)"))
        #expect(!table.stdout.contains(secret))
    }
}
