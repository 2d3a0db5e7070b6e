import AMLAuthCore
import AuthCrypto
import Foundation
import LocalCloud
import LocalCloudServer
import Testing
import WireFormat

/// Issue 15 item 14: the local cloud refuses what the real services refuse, so a test that passes
/// against it means something.
struct StrictOracleTests {
    static let api = "api-version=2022-04-01"

    /// `token` with its header and claims changed, signed again with the cloud's own key: only
    /// the changed field can make the cloud refuse it.
    static func resigned(
        _ token: String, header change: (inout [(String, JSONValue)]) -> Void = { _ in },
        claims edit: (inout [(String, JSONValue)]) -> Void = { _ in }
    ) throws -> String {
        let jwt = try #require(JWT(parsing: token))
        var header = try #require(jwt.header.objectValue)
        var claims = try #require(jwt.claims.objectValue)
        change(&header)
        edit(&claims)
        return try JWT.sign(
            header: .object(header), claims: .object(claims), key: Harness.keys.tokenKey, algorithm: .rs256)
    }

    static func replacing(_ name: String, with value: JSONValue) -> (inout [(String, JSONValue)]) -> Void {
        { fields in
            fields.removeAll { $0.0 == name }
            fields.append((name, value))
        }
    }

    @Test func bearerTokensNeedTheCloudsKeyIDIssuerAndAValidNotBefore() async throws {
        let harness = try Harness.make()
        let arm = "\(harness.subscription)?\(Self.api)"
        let graph = "/graph/v1.0/applications"
        let armToken = try await harness.armToken()
        let graphToken = try await harness.graphToken()
        #expect(await harness.send("GET", arm, token: try Self.resigned(armToken)).status == 200, "a faithful copy")
        #expect(await harness.send("GET", graph, token: try Self.resigned(graphToken)).status == 200)

        let otherKey = Self.replacing("kid", with: .string("some-other-key"))
        let wrongKid = await harness.send("GET", arm, token: try Self.resigned(armToken, header: otherKey))
        #expect(wrongKid.status == 401)
        #expect(wrongKid.errorCode == "InvalidAuthenticationToken")
        #expect(await harness.send("GET", graph, token: try Self.resigned(graphToken, header: otherKey)).status == 401)
        let noKid: (inout [(String, JSONValue)]) -> Void = { $0.removeAll { $0.0 == "kid" } }
        #expect(await harness.send("GET", arm, token: try Self.resigned(armToken, header: noKid)).status == 401)

        let otherIssuer = Self.replacing("iss", with: .string("https://sts.windows.net/\(SecureRandom.uuid())/"))
        let wrongIssuer = await harness.send("GET", arm, token: try Self.resigned(armToken, claims: otherIssuer))
        #expect(wrongIssuer.status == 401)
        #expect(wrongIssuer.errorCode == "InvalidAuthenticationTokenTenant")
        #expect(
            await harness.send("GET", graph, token: try Self.resigned(graphToken, claims: otherIssuer)).status == 401)

        let later = Self.replacing("nbf", with: .number(harness.clock.now + 3_600))
        let early = await harness.send("GET", arm, token: try Self.resigned(armToken, claims: later))
        #expect(early.status == 401)
        #expect(early.errorCode == "InvalidAuthenticationToken")
        #expect(await harness.send("GET", graph, token: try Self.resigned(graphToken, claims: later)).status == 401)
        let withinSkew = Self.replacing("nbf", with: .number(harness.clock.now + 60))
        #expect(
            await harness.send("GET", arm, token: try Self.resigned(armToken, claims: withinSkew)).status == 200,
            "five minutes of clock skew")
    }

    @Test func graphReadsNeedAReadPermission() async throws {
        let harness = try Harness.make()
        let principal = try await harness.makePrincipal("no-graph-permissions")
        let token = try await harness.token(
            scope: "https://graph.microsoft.com/.default", clientID: principal.appID, secret: principal.secret)
        let denied = await harness.send("GET", "/graph/v1.0/applications", token: token)
        #expect(denied.status == 403)
        #expect(denied.errorCode == "Authorization_RequestDenied")
        #expect(
            await harness.send("GET", "/graph/v1.0/servicePrincipals/\(principal.objectID)", token: token).status == 403
        )
        let lookup = JSONValue.object([("ids", .array([.string(principal.objectID)]))])
        #expect(
            await harness.send("POST", "/graph/v1.0/directoryObjects/getByIds", token: token, json: lookup).status
                == 403)

        try await harness.cloud.store.write { state in
            let index = try #require(state.applications.firstIndex { $0.appID == principal.appID })
            state.applications[index].graphPermissions = ["Application.Read.All"]
        }
        #expect(await harness.send("GET", "/graph/v1.0/applications", token: token).status == 200)
        #expect(
            await harness.send("POST", "/graph/v1.0/directoryObjects/getByIds", token: token, json: lookup).status
                == 403, "getByIds asks Directory.Read.All")
        #expect(
            await harness.send("POST", "/graph/v1.0/applications", token: token, json: .object([])).status == 403,
            "reading is not writing")
        let bootstrap = try await harness.graphToken()
        #expect(await harness.send("GET", "/graph/v1.0/applications", token: bootstrap).status == 200)
        #expect(
            await harness.send("POST", "/graph/v1.0/directoryObjects/getByIds", token: bootstrap, json: lookup).status
                == 200)
    }

    @Test(arguments: [
        "/resourceGroups/ml-rg/..", "/resourceGroups/ml-rg/%2e%2e", "/resourceGroups/ml-rg/.",
        "/resourceGroups//ml-rg", "/resourceGroups/ml-rg/providers/x/..%2f..", "/resourceGroups/ml-rg/",
        "/resourceGroups/ml-rg/providers/Microsoft.MachineLearningServices/workspaces/ml-example/../../../..",
    ])
    func roleAssignmentScopesWithTraversalAreRefused(suffix: String) async throws {
        let harness = try Harness.make()
        let token = try await harness.armToken()
        let reader = try #require(Roles.builtIn(named: "Reader")?.id)
        let scope = harness.subscription + suffix
        let put = await harness.send(
            "PUT", "\(scope)/providers/Microsoft.Authorization/roleAssignments/\(SecureRandom.uuid())?\(Self.api)",
            token: token,
            json: .object([
                (
                    "properties",
                    .object([
                        ("roleDefinitionId", .string("/providers/Microsoft.Authorization/roleDefinitions/\(reader)")),
                        ("principalId", .string(SecureRandom.uuid())), ("principalType", .string("ServicePrincipal")),
                    ])
                )
            ]))
        #expect(put.status == 400, "\(put.text)")
        #expect(put.errorCode == "InvalidScope")
        let list = await harness.send(
            "GET", "\(scope)/providers/Microsoft.Authorization/roleAssignments?\(Self.api)", token: token)
        #expect(list.status == 400)
        let state = await harness.cloud.store.state
        #expect(!state.roleAssignments.contains { $0.scope.contains("..") || $0.scope.hasSuffix("/") })
        // The tenant root is a scope too, written as an empty one.
        let root = await harness.send(
            "GET", "//providers/Microsoft.Authorization/roleDefinitions?\(Self.api)", token: token)
        #expect(root.status == 200, "\(root.text)")
    }

    @Test func aServiceTokenDoesNotOutliveItsServiceInstance() async throws {
        let harness = try Harness.make()
        let token = try await harness.armToken()
        let tests = ModelManagementTests()
        _ = await tests.wait(
            harness, try await tests.create(harness, ModelManagementTests.aks, token: token), token: token)
        let issued = await harness.send("POST", "\(harness.mms)/services/aks-service-1/token", token: token)
        let serviceToken = try #require(issued.json?["accessToken"]?.stringValue)
        let service = await harness.send("GET", "\(harness.mms)/services/aks-service-1", token: token)
        let scoring = String(try #require(service.json?["scoringUri"]?.stringValue).dropFirst(Harness.base.count))
        #expect(await harness.send("POST", scoring, token: serviceToken, json: .object([])).status == 200)

        let deleting = await harness.send("DELETE", "\(harness.mms)/services/aks-service-1", token: token)
        #expect(deleting.status == 202)
        // Deletes are asynchronous: the name is free once the operation has finished.
        _ = await tests.wait(
            harness, String((deleting.header("Operation-Location") ?? "").dropFirst(Harness.base.count)), token: token)
        _ = await tests.wait(
            harness, try await tests.create(harness, ModelManagementTests.aks, token: token), token: token)
        let recreated = await harness.send("GET", "\(harness.mms)/services/aks-service-1", token: token)
        #expect(recreated.json?["scoringUri"]?.stringValue == service.json?["scoringUri"]?.stringValue, "same URI")
        #expect(
            await harness.send("POST", scoring, token: serviceToken, json: .object([])).status == 401,
            "a token of the deleted service")
        let fresh = await harness.send("POST", "\(harness.mms)/services/aks-service-1/token", token: token)
        let freshToken = try #require(fresh.json?["accessToken"]?.stringValue)
        #expect(await harness.send("POST", scoring, token: freshToken, json: .object([])).status == 200)
    }

    @Test func eachLocalCloudsCAHasItsOwnSubject() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("amlauth-ca-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        var names: Set<String> = []
        for index in 0..<2 {
            let directory = root.appendingPathComponent("\(index)").path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let material = try KeyMaterial.loadOrCreate(in: directory)
            let pem = try String(contentsOfFile: material.caCertificatePath, encoding: .utf8)
            let name = try #require(try Certificate(pem: pem).subjectCommonName)
            #expect(name.hasPrefix("amlauth local cloud CA "))
            names.insert(name)
        }
        #expect(names.count == 2, "\(names)")
    }
}
