import AMLAuthCore
import Foundation
import LocalCloud
import Testing
import WireFormat

/// Graph's upsert by alternate key, as amlauth uses it to make creation idempotent.
struct GraphUpsertTests {
    static let createIfMissing = ["Prefer": "create-if-missing"]

    @Test func upsertCreatesOnceThenUpdates() async throws {
        let harness = try Harness.make()
        let graph = try await harness.graphToken()
        let path = "/graph/v1.0/applications(uniqueName='amlauth-abc')"
        let body = JSONValue.object([("displayName", .string("ml-auth")), ("tags", .array([.string("amlauth:t")]))])
        let created = await harness.send("PATCH", path, token: graph, json: body, headers: Self.createIfMissing)
        #expect(created.status == 201)
        #expect(created.json?["uniqueName"]?.stringValue == "amlauth-abc")
        let id = try #require(created.json?["id"]?.stringValue)

        let again = await harness.send(
            "PATCH", path, token: graph, json: .object([("displayName", .string("renamed"))]),
            headers: Self.createIfMissing)
        #expect(again.status == 204, "the second upsert updates the same application")
        let read = await harness.send("GET", path, token: graph)
        #expect(read.json?["id"]?.stringValue == id)
        #expect(read.json?["displayName"]?.stringValue == "renamed")
        #expect(read.json?["tags"]?.arrayValue == [.string("amlauth:t")], "tags not sent are kept")
        let filtered = await harness.send(
            "GET", "/graph/v1.0/applications?$filter=\(FormEncoding.percentEncode("uniqueName in ('amlauth-abc')"))",
            token: graph)
        #expect(filtered.json?["value"]?.arrayValue?.count == 1)
        let all = await harness.cloud.store.state.applications.filter { $0.uniqueName == "amlauth-abc" }
        #expect(all.count == 1)
    }

    @Test func withoutPreferAMissingKeyIsNotFoundAndTheKeyIsImmutable() async throws {
        let harness = try Harness.make()
        let graph = try await harness.graphToken()
        let path = "/graph/v1.0/applications(uniqueName='amlauth-missing')"
        let update = await harness.send("PATCH", path, token: graph, json: .object([("displayName", .string("x"))]))
        #expect(update.status == 404, "without Prefer: create-if-missing the PATCH is an update")
        let noName = await harness.send("PATCH", path, token: graph, json: .object([]), headers: Self.createIfMissing)
        #expect(noName.status == 400, "displayName is required to create")
        let created = await harness.send(
            "PATCH", path, token: graph, json: .object([("displayName", .string("x"))]), headers: Self.createIfMissing)
        let id = try #require(created.json?["id"]?.stringValue)
        let renamed = await harness.send(
            "PATCH", "/graph/v1.0/applications/\(id)", token: graph,
            json: .object([("uniqueName", .string("amlauth-other"))]))
        #expect(renamed.status == 400)
        #expect(renamed.errorCode == "Request_BadRequest")
        let other = await harness.send(
            "PATCH", path, token: graph, json: .object([("displayName", .string("x")), ("uniqueName", .string("y"))]),
            headers: Self.createIfMissing)
        #expect(other.status == 400)
    }

    @Test func servicePrincipalUpsertByAppID() async throws {
        let harness = try Harness.make()
        let graph = try await harness.graphToken()
        let orphan = await harness.send(
            "PATCH", "/graph/v1.0/servicePrincipals(appId='00000000-0000-0000-0000-000000000001')", token: graph,
            json: .object([]), headers: Self.createIfMissing)
        #expect(orphan.status == 400)
        #expect(orphan.errorCode == "Request_BadRequest")
        let application = await harness.send(
            "PATCH", "/graph/v1.0/applications(uniqueName='amlauth-sp')", token: graph,
            json: .object([("displayName", .string("sp"))]), headers: Self.createIfMissing)
        let appID = try #require(application.json?["appId"]?.stringValue)
        let path = "/graph/v1.0/servicePrincipals(appId='\(appID)')"
        let first = await harness.send("PATCH", path, token: graph, json: .object([]), headers: Self.createIfMissing)
        #expect(first.status == 201)
        let second = await harness.send(
            "PATCH", path, token: graph, json: .object([("tags", .array([.string("x")]))]),
            headers: Self.createIfMissing
        )
        #expect(second.status == 204)
        #expect(await harness.cloud.store.state.servicePrincipals.filter { $0.appID == appID }.count == 1)
    }
}
