import AMLAuthCore
import Foundation
import LocalCloud
import Testing
import WireFormat

struct GraphRoutesTests {
    @Test func applicationLifecycle() async throws {
        let harness = try Harness.make()
        let graph = try await harness.graphToken()
        let created = await harness.send(
            "POST", "/graph/v1.0/applications", token: graph,
            json: .object([
                ("displayName", .string("ml-auth")), ("tags", .array([.string("amlauth:prod/ml-auth")])),
            ]))
        #expect(created.status == 201)
        #expect(
            created.json?["@odata.context"]?.stringValue == "\(Harness.base)/graph/v1.0/$metadata#applications/$entity")
        let id = try #require(created.json?["id"]?.stringValue)
        let appID = try #require(created.json?["appId"]?.stringValue)
        #expect(id != appID)

        #expect(
            await harness.send("GET", "/graph/v1.0/applications/\(id)", token: graph).json?["displayName"]?.stringValue
                == "ml-auth")
        #expect(
            await harness.send("GET", "/graph/v1.0/applications(appId='\(appID)')", token: graph).json?["id"]?
                .stringValue == id)
        for filter in [
            "appId eq '\(appID)'", "displayName eq 'ml-auth'", "tags/any(t:t eq 'amlauth:prod/ml-auth')",
            "startswith(displayName,'ml-')",
            // displayName compares case-insensitively, as amlauth's adoption assumes (audit D21).
            "displayName eq 'ML-Auth'", "displayName in ('other', 'ML-AUTH')",
        ] {
            let list = await harness.send(
                "GET", "/graph/v1.0/applications?$filter=\(FormEncoding.percentEncode(filter))", token: graph)
            #expect(list.json?["value"]?.arrayValue?.map { $0["id"]?.stringValue } == [id], "\(filter)")
        }
        #expect(
            await harness.send("GET", "/graph/v1.0/applications?$filter=foo%20gt%201", token: graph).errorCode
                == "Request_UnsupportedQuery")
        let oneOf = await harness.send(
            "GET",
            "/graph/v1.0/applications?$filter=\(FormEncoding.percentEncode("displayName in ('other', 'it''s', 'ml-auth')"))",
            token: graph)
        #expect(oneOf.json?["value"]?.arrayValue?.map { $0["id"]?.stringValue } == [id])
        let sixteen = "displayName in (" + (0..<16).map { "'n\($0)'" }.joined(separator: ",") + ")"
        #expect(
            await harness.send(
                "GET", "/graph/v1.0/applications?$filter=\(FormEncoding.percentEncode(sixteen))", token: graph
            ).errorCode == "Request_UnsupportedQuery",
            "Graph takes at most 15 values in one 'in' clause")

        let patched = await harness.send(
            "PATCH", "/graph/v1.0/applications/\(id)", token: graph, json: .object([("tags", .array([.string("x")]))]))
        #expect(patched.status == 204)
        #expect(
            await harness.send("GET", "/graph/v1.0/applications/\(id)", token: graph).json?["tags"]?.arrayValue?.first?
                .stringValue == "x")

        #expect(await harness.send("DELETE", "/graph/v1.0/applications/\(id)", token: graph).status == 204)
        let gone = await harness.send("GET", "/graph/v1.0/applications/\(id)", token: graph)
        #expect(gone.status == 404)
        #expect(gone.errorCode == "Request_ResourceNotFound")
        #expect(gone.json?["error"]?["innerError"]?["request-id"]?.stringValue != nil)
    }

    @Test func passwordsAreShownOnceAndWork() async throws {
        let harness = try Harness.make()
        let graph = try await harness.graphToken()
        let principal = try await harness.makePrincipal("pw-app")
        let app = await harness.send("GET", "/graph/v1.0/applications(appId='\(principal.appID)')", token: graph)
        let id = try #require(app.json?["id"]?.stringValue)
        let credential = try #require(app.json?["passwordCredentials"]?.arrayValue?.first)
        #expect(credential["secretText"] == .null)
        #expect(credential["hint"]?.stringValue == String(principal.secret.prefix(3)))
        #expect(!app.text.contains(principal.secret))
        // The new secret logs in; removing it stops that.
        _ = try await harness.token(clientID: principal.appID, secret: principal.secret)
        let keyID = try #require(credential["keyId"]?.stringValue)
        #expect(
            await harness.send(
                "POST", "/graph/v1.0/applications/\(id)/removePassword", token: graph,
                json: .object([("keyId", .string(keyID))])
            ).status == 204)
        let denied = await harness.send(
            "POST", "/\(harness.tenant)/oauth2/v2.0/token",
            form: [
                ("grant_type", "client_credentials"), ("client_id", principal.appID),
                ("client_secret", principal.secret), ("scope", "https://graph.microsoft.com/.default"),
            ])
        #expect(denied.status == 401)
    }

    @Test func expiredPasswordIsRefused() async throws {
        let harness = try Harness.make()
        let graph = try await harness.graphToken()
        let app = await harness.send(
            "POST", "/graph/v1.0/applications", token: graph, json: .object([("displayName", .string("short"))]))
        let id = try #require(app.json?["id"]?.stringValue)
        let appID = try #require(app.json?["appId"]?.stringValue)
        _ = await harness.send(
            "POST", "/graph/v1.0/servicePrincipals", token: graph, json: .object([("appId", .string(appID))]))
        let end = ISOTimeForTests.format(harness.clock.now + 60)
        let added = await harness.send(
            "POST", "/graph/v1.0/applications/\(id)/addPassword", token: graph,
            json: .object([("passwordCredential", .object([("endDateTime", .string(end))]))]))
        let secret = try #require(added.json?["secretText"]?.stringValue)
        #expect(added.json?["endDateTime"]?.stringValue == end)
        harness.clock.advance(120)
        let response = await harness.send(
            "POST", "/\(harness.tenant)/oauth2/v2.0/token",
            form: [
                ("grant_type", "client_credentials"), ("client_id", appID), ("client_secret", secret),
                ("scope", "https://graph.microsoft.com/.default"),
            ])
        #expect(response.json?["error_codes"]?.arrayValue?.first?.numberValue == 7_000_222)
    }

    @Test func servicePrincipals() async throws {
        let harness = try Harness.make()
        let graph = try await harness.graphToken()
        let missing = await harness.send(
            "POST", "/graph/v1.0/servicePrincipals", token: graph,
            json: .object([("appId", .string("00000000-0000-0000-0000-0000000000aa"))]))
        #expect(missing.status == 400)
        #expect(
            missing.json?["error"]?["details"]?.arrayValue?.first?["code"]?.stringValue == "NoBackingApplicationObject")
        let principal = try await harness.makePrincipal("sp-app", tags: ["t1"])
        let byFilter = await harness.send(
            "GET", "/graph/v1.0/servicePrincipals?$filter=appId%20eq%20'\(principal.appID)'", token: graph)
        #expect(byFilter.json?["value"]?.arrayValue?.first?["id"]?.stringValue == principal.objectID)
        #expect(byFilter.json?["value"]?.arrayValue?.first?["tags"]?.arrayValue?.first?.stringValue == "t1")
        let byKey = await harness.send("GET", "/graph/v1.0/servicePrincipals(appId='\(principal.appID)')", token: graph)
        #expect(byKey.json?["id"]?.stringValue == principal.objectID)
        let duplicate = await harness.send(
            "POST", "/graph/v1.0/servicePrincipals", token: graph, json: .object([("appId", .string(principal.appID))]))
        #expect(duplicate.status == 409)
        #expect(
            await harness.send("DELETE", "/graph/v1.0/servicePrincipals/\(principal.objectID)", token: graph).status
                == 204)
        #expect(
            await harness.send("GET", "/graph/v1.0/servicePrincipals/\(principal.objectID)", token: graph).status == 404
        )
    }

    @Test func pagingFollowsNextLink() async throws {
        let harness = try Harness.make()
        let graph = try await harness.graphToken()
        for index in 0..<5 {
            _ = await harness.send(
                "POST", "/graph/v1.0/applications", token: graph,
                json: .object([("displayName", .string("page-\(index)")), ("tags", .array([.string("paged")]))]))
        }
        var target: String? =
            "/graph/v1.0/applications?$filter=\(FormEncoding.percentEncode("tags/any(t:t eq 'paged')"))&$top=2"
        var names: [String] = []
        var pages = 0
        while let next = target {
            let page = await harness.send("GET", next, token: graph)
            names += page.json?["value"]?.arrayValue?.compactMap { $0["displayName"]?.stringValue } ?? []
            target = page.json?["@odata.nextLink"]?.stringValue.map { String($0.dropFirst(Harness.base.count)) }
            pages += 1
        }
        #expect(pages == 3)
        #expect(names == (0..<5).map { "page-\($0)" })
    }

    @Test func federatedCredentialCRUD() async throws {
        let harness = try Harness.make()
        let graph = try await harness.graphToken()
        let principal = try await harness.makePrincipal("fic-app")
        let base = "/graph/v1.0/applications(appId='\(principal.appID)')/federatedIdentityCredentials"
        let body = JSONValue.object([
            ("name", .string("gh")), ("issuer", .string("https://token.actions.githubusercontent.com")),
            ("subject", .string("repo:o/r:ref:refs/heads/main")),
            ("audiences", .array([.string("api://AzureADTokenExchange")])),
        ])
        let created = await harness.send("POST", base, token: graph, json: body)
        #expect(created.status == 201)
        #expect(await harness.send("POST", base, token: graph, json: body).status == 409)
        let twoAudiences = body.setting("name", to: .string("gh2")).setting(
            "audiences", to: .array([.string("a"), .string("b")]))
        #expect(await harness.send("POST", base, token: graph, json: twoAudiences).status == 400)
        #expect(await harness.send("GET", base, token: graph).json?["value"]?.arrayValue?.count == 1)
        #expect(
            await harness.send(
                "PATCH", base + "/gh", token: graph, json: .object([("subject", .string("repo:o/r:environment:prod"))])
            ).status == 204)
        #expect(
            await harness.send("GET", base + "/gh", token: graph).json?["subject"]?.stringValue
                == "repo:o/r:environment:prod")
        #expect(await harness.send("DELETE", base + "/gh", token: graph).status == 204)
        #expect(await harness.send("GET", base, token: graph).json?["value"]?.arrayValue?.isEmpty == true)
    }

    @Test func writesNeedApplicationReadWriteAll() async throws {
        let harness = try Harness.make()
        let principal = try await harness.makePrincipal("no-perm")
        let token = try await harness.token(
            scope: "https://graph.microsoft.com/.default", clientID: principal.appID, secret: principal.secret)
        // Reads need a read permission too (StrictOracleTests.graphReadsNeedAReadPermission).
        #expect(await harness.send("GET", "/graph/v1.0/applications", token: token).status == 403)
        let denied = await harness.send(
            "POST", "/graph/v1.0/applications", token: token, json: .object([("displayName", .string("x"))]))
        #expect(denied.status == 403)
        #expect(denied.errorCode == "Authorization_RequestDenied")
    }

    @Test func armTokenIsRejectedByGraph() async throws {
        let harness = try Harness.make()
        let response = await harness.send("GET", "/graph/v1.0/applications", token: try await harness.armToken())
        #expect(response.status == 401)
        #expect(response.errorCode == "InvalidAuthenticationToken")
    }
}

enum ISOTimeForTests {
    static func format(_ seconds: Double) -> String {
        Date(timeIntervalSince1970: seconds).ISO8601Format()
    }
}
