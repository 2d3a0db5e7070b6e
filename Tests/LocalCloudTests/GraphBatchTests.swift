import AMLAuthCore
import Foundation
import LocalCloud
import Testing
import WireFormat

/// `POST /graph/v1.0/$batch` with Graph's semantics (learn.microsoft.com/graph/json-batching).
struct GraphBatchTests {
    static func request(_ id: String, _ method: String, _ url: String, body: JSONValue? = nil, dependsOn: [String] = [])
        -> JSONValue
    {
        var pairs: [(String, JSONValue)] = [("id", .string(id)), ("method", .string(method)), ("url", .string(url))]
        if let body {
            pairs.append(("body", body))
            pairs.append(("headers", .object([("Content-Type", .string("application/json"))])))
        }
        if !dependsOn.isEmpty { pairs.append(("dependsOn", .array(dependsOn.map(JSONValue.string)))) }
        return .object(pairs)
    }

    static func responses(_ response: CloudResponse) -> [String: JSONValue] {
        var byID: [String: JSONValue] = [:]
        for item in response.json?["responses"]?.arrayValue ?? [] {
            if let id = item["id"]?.stringValue { byID[id] = item }
        }
        return byID
    }

    @Test func itemsAnswerOnTheirOwnAndAreMatchedByID() async throws {
        let harness = try Harness.make()
        let graph = try await harness.graphToken()
        let created = await harness.send(
            "POST", "/graph/v1.0/applications", token: graph,
            json: .object([("displayName", .string("batched")), ("tags", .array([]))]))
        let id = try #require(created.json?["id"]?.stringValue)
        _ = await harness.send(
            "POST", "/graph/v1.0/applications/\(id)/federatedIdentityCredentials", token: graph,
            json: .object([
                ("name", .string("ci")), ("issuer", .string("https://issuer.example")), ("subject", .string("repo:x")),
                ("audiences", .array([.string("api://AzureADTokenExchange")])),
            ]))
        harness.cloud.counters.reset()

        let batch = await harness.send(
            "POST", "/graph/v1.0/$batch", token: graph,
            json: .object([
                (
                    "requests",
                    .array([
                        Self.request("1", "GET", "/applications/\(id)/federatedIdentityCredentials"),
                        Self.request("2", "GET", "/applications/\(UUID().uuidString.lowercased())"),
                        Self.request("3", "GET", "applications/\(id)"),
                    ])
                )
            ]))
        #expect(batch.status == 200)
        let answers = Self.responses(batch)
        #expect(answers.count == 3)
        #expect(answers["1"]?["status"]?.numberValue == 200)
        #expect(answers["1"]?["body"]?["value"]?.arrayValue?.map { $0["name"]?.stringValue } == ["ci"])
        #expect(answers["2"]?["status"]?.numberValue == 404)
        #expect(answers["2"]?["body"]?["error"]?["code"]?.stringValue == "Request_ResourceNotFound")
        #expect(answers["3"]?["body"]?["displayName"]?.stringValue == "batched")
        // Answers are not in request order: clients must match them by id.
        #expect(batch.json?["responses"]?.arrayValue?.first?["id"]?.stringValue == "3")
        // One round trip; the three requests inside are counted apart.
        #expect(harness.cloud.counters.total() == 1)
        #expect(harness.cloud.counters.total(matching: "POST /graph/v1.0/$batch") == 1)
        #expect(harness.cloud.batchItemCounters.total() == 3)
    }

    @Test func dependsOnRunsInOrderAndAFailedDependencyAnswers424() async throws {
        let harness = try Harness.make()
        let graph = try await harness.graphToken()
        let batch = await harness.send(
            "POST", "/graph/v1.0/$batch", token: graph,
            json: .object([
                (
                    "requests",
                    .array([
                        Self.request(
                            "create", "POST", "/applications",
                            body: .object([("displayName", .string("first")), ("tags", .array([]))])),
                        Self.request("missing", "GET", "/applications/00000000-0000-0000-0000-000000000000"),
                        Self.request(
                            "list", "GET", "/applications?$filter=displayName%20eq%20'first'", dependsOn: ["create"]),
                        Self.request("after", "GET", "/applications", dependsOn: ["missing"]),
                    ])
                )
            ]))
        let answers = Self.responses(batch)
        #expect(answers["create"]?["status"]?.numberValue == 201)
        #expect(answers["list"]?["body"]?["value"]?.arrayValue?.count == 1, "the dependent request sees the creation")
        #expect(answers["missing"]?["status"]?.numberValue == 404)
        #expect(answers["after"]?["status"]?.numberValue == 424)
    }

    @Test func aMalformedBatchIsRefusedWhole() async throws {
        let harness = try Harness.make()
        let graph = try await harness.graphToken()
        let tooMany = (0...20).map { Self.request(String($0), "GET", "/applications") }
        let duplicate = [Self.request("a", "GET", "/applications"), Self.request("A", "GET", "/applications")]
        let forward = [
            Self.request("1", "GET", "/applications", dependsOn: ["2"]), Self.request("2", "GET", "/applications"),
        ]
        for requests in [tooMany, duplicate, forward, [.object([("id", .string("1"))])]] {
            let batch = await harness.send(
                "POST", "/graph/v1.0/$batch", token: graph, json: .object([("requests", .array(requests))]))
            #expect(batch.status == 400)
            #expect(batch.errorCode == "BadRequest")
        }
        #expect(await harness.send("POST", "/graph/v1.0/$batch", token: graph).status == 400)
        // The envelope is authenticated like any Graph request.
        #expect(
            await harness.send(
                "POST", "/graph/v1.0/$batch", json: .object([("requests", .array(Array(tooMany.prefix(2))))])
            ).status == 401)
    }

    @Test func throttlingIsPerItemWithRetryAfter() async throws {
        let harness = try Harness.make { options in
            options.faults = try? FaultPlan(parsing: "429=0.5,route=federatedIdentityCredentials,seed=3")
        }
        let graph = try await harness.graphToken()
        let ids = (0..<19).map { _ in UUID().uuidString.lowercased() }
        let batch = await harness.send(
            "POST", "/graph/v1.0/$batch", token: graph,
            json: .object([
                (
                    "requests",
                    .array(
                        ids.enumerated().map {
                            Self.request(
                                String($0.offset), "GET", "/applications/\($0.element)/federatedIdentityCredentials")
                        } + [Self.request("other", "GET", "/applications")])
                )
            ]))
        #expect(batch.status == 200, "the envelope itself is not throttled")
        let answers = Self.responses(batch)
        let throttled = answers.values.filter { $0["status"]?.numberValue == 429 }
        #expect(!throttled.isEmpty && throttled.count < 19)
        for item in throttled {
            let headers = item["headers"]?.objectValue ?? []
            #expect(headers.contains { $0.0.lowercased() == "retry-after" && $0.1.stringValue == "1" })
            #expect(item["body"]?["error"]?["code"]?.stringValue == "TooManyRequests")
        }
        // Unthrottled items run: these applications do not exist.
        #expect(answers.values.contains { $0["status"]?.numberValue == 404 })
        #expect(answers["other"]?["status"]?.numberValue == 200, "`route=` limits faults to matching items")
    }
}
