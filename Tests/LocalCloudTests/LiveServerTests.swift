import AMLAuthCore
import Foundation
import HTTPClient
import LocalCloud
import TestSupport
import Testing
import WireFormat

/// The local cloud over real loopback TLS through the libcurl transport, and across restarts.
@Suite(.serialized)
struct LiveServerTests {
    func token(_ transport: CurlTransport, _ live: LiveCloud, scope: String) async throws -> String {
        let file = await live.cloudFile
        let form = [
            ("grant_type", "client_credentials"), ("client_id", file["bootstrap"]?["clientId"]?.stringValue ?? ""),
            ("client_secret", file["bootstrap"]?["clientSecret"]?.stringValue ?? ""), ("scope", scope),
        ].map { "\($0.0)=\(FormEncoding.percentEncode($0.1))" }.joined(separator: "&")
        let response = try await transport.send(
            HTTPRequest(
                method: "POST", url: "\(live.base)/\(file["tenantId"]?.stringValue ?? "")/oauth2/v2.0/token",
                headers: [("Content-Type", "application/x-www-form-urlencoded")], body: Array(form.utf8)))
        return try #require((try? JSONParser.parse(response.body))?["access_token"]?.stringValue)
    }

    @Test func stateSurvivesARestart() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "amlauth-restart-\(UUID().uuidString)"
        ).path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = try await LiveCloud.start(directory: directory)
        let transport = try CurlTransport(configuration: .init(extraCABundle: first.caCertificate))
        let graph = try await token(transport, first, scope: "https://graph.microsoft.com/.default")
        let created = try await transport.send(
            HTTPRequest(
                method: "POST", url: first.base + "/graph/v1.0/applications",
                headers: [("Authorization", "Bearer \(graph)"), ("Content-Type", "application/json")],
                body: Array(#"{"displayName":"survivor","tags":["amlauth:t/survivor"]}"#.utf8)))
        #expect(created.status == 201)
        let tenant = await first.cloudFile["tenantId"]?.stringValue
        await first.stop()

        let second = try await LiveCloud.start(directory: directory)
        defer { Task { await second.stop() } }
        #expect(await second.cloudFile["tenantId"]?.stringValue == tenant, "same tenant after a restart")
        #expect(second.caCertificate == first.caCertificate)
        // The same CA still verifies the restarted server, and old tokens stay valid (same signing key).
        let list = try await transport.send(
            HTTPRequest(
                method: "GET",
                url: second.base + "/graph/v1.0/applications?$filter="
                    + FormEncoding.percentEncode("displayName eq 'survivor'"),
                headers: [("Authorization", "Bearer \(graph)")]))
        #expect(list.status == 200)
        #expect((try? JSONParser.parse(list.body))?["value"]?.arrayValue?.count == 1)
    }

    @Test func roleAssignmentRoundTripOverTLS() async throws {
        let live = try await LiveCloud.start()
        defer { Task { await live.stopAndRemove() } }
        let transport = try CurlTransport(configuration: .init(extraCABundle: live.caCertificate))
        let arm = try await token(transport, live, scope: "https://management.azure.com/.default")
        let file = await live.cloudFile
        let subscription = try #require(file["subscriptionId"]?.stringValue)
        let bootstrapPrincipal = try #require(await live.cloud.store.state.servicePrincipals.first?.id)
        let scope = "/subscriptions/\(subscription)/resourceGroups/ml-rg"
        let name = "11111111-2222-3333-4444-555555555555"
        let body =
            #"{"properties":{"roleDefinitionId":"/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7","principalId":"\#(bootstrapPrincipal)","principalType":"ServicePrincipal"}}"#
        let put = try await transport.send(
            HTTPRequest(
                method: "PUT",
                url:
                    "\(live.base)\(scope)/providers/Microsoft.Authorization/roleAssignments/\(name)?api-version=2022-04-01",
                headers: [("Authorization", "Bearer \(arm)"), ("Content-Type", "application/json")],
                body: Array(body.utf8)))
        #expect(put.status == 201)
        let list = try await transport.send(
            HTTPRequest(
                method: "GET",
                url:
                    "\(live.base)\(scope)/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01&$filter=atScope()",
                headers: [("Authorization", "Bearer \(arm)")]))
        // The new one, the bootstrap owner's and the seeded user's (at the subscription, above).
        #expect((try? JSONParser.parse(list.body))?["value"]?.arrayValue?.count == 3)
        let delete = try await transport.send(
            HTTPRequest(
                method: "DELETE",
                url:
                    "\(live.base)\(scope)/providers/Microsoft.Authorization/roleAssignments/\(name)?api-version=2022-04-01",
                headers: [("Authorization", "Bearer \(arm)")]))
        #expect(delete.status == 200)
    }
}
