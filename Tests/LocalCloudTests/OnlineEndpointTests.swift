import AMLAuthCore
import AuthCrypto
import LocalCloud
import Testing
import WireFormat

/// Azure ML v2 online endpoints on the local cloud: ARM long-running operations, validation as
/// ARM gives it, keys, tokens, scoring by auth mode and traffic, RBAC by action.
struct OnlineEndpointTests {
    static let api = "api-version=2022-02-01-preview"

    static func endpointBody(
        auth: String, compute: String? = nil, traffic: [String: Int] = [:], location: String = "westeurope"
    ) -> JSONValue {
        var properties: [(String, JSONValue)] = [
            ("authMode", .string(auth)),
            ("traffic", .object(traffic.keys.sorted().map { ($0, .number(Double(traffic[$0]!))) })),
        ]
        if let compute { properties.append(("compute", .string(compute))) }
        return .object([
            ("location", .string(location)), ("identity", .object([("type", .string("SystemAssigned"))])),
            ("tags", .object([("owner", .string("tests"))])), ("properties", .object(properties)),
        ])
    }

    static func deploymentBody(kubernetes: Bool = false) -> JSONValue {
        .object([
            ("location", .string("westeurope")),
            (
                "properties",
                .object([
                    ("endpointComputeType", .string(kubernetes ? "Kubernetes" : "Managed")),
                    ("model", .string("azureml:sklearn-model:1")), ("instanceType", .string("Standard_DS3_v2")),
                ])
            ),
            ("sku", .object([("name", .string("Default")), ("capacity", .number(1))])),
        ])
    }

    func endpoint(_ harness: Harness, _ name: String) -> String {
        "\(harness.workspace)/onlineEndpoints/\(name)"
    }

    /// Follows an `Azure-AsyncOperation` URL to its end; returns the statuses seen.
    func follow(_ harness: Harness, _ url: String, token: String) async -> [String] {
        var statuses: [String] = []
        let path = String(url.dropFirst(Harness.base.count))
        for _ in 0..<5 {
            let answer = await harness.send("GET", path, token: token)
            let status = answer.json?["status"]?.stringValue ?? "HTTP \(answer.status)"
            statuses.append(status)
            if status != "InProgress" { break }
            #expect(answer.header("Retry-After") == "1")
        }
        return statuses
    }

    /// Creates an endpoint and waits for it.
    func create(_ harness: Harness, _ name: String, _ body: JSONValue, token: String) async throws {
        let created = await harness.send("PUT", "\(endpoint(harness, name))?\(Self.api)", token: token, json: body)
        #expect(created.status == 201, "\(created.text)")
        let status = try #require(created.header("Azure-AsyncOperation"))
        #expect(await follow(harness, status, token: token).last == "Succeeded")
    }

    @Test func createShowsCreatingThenSucceededThroughAzureAsyncOperation() async throws {
        let harness = try Harness.make()
        let token = try await harness.armToken()
        let url = "\(endpoint(harness, "ep-key"))?\(Self.api)"
        let created = await harness.send("PUT", url, token: token, json: Self.endpointBody(auth: "Key"))
        #expect(created.status == 201, "\(created.text)")
        #expect(created.json?["properties"]?["provisioningState"]?.stringValue == "Creating")
        let status = try #require(created.header("Azure-AsyncOperation"))
        #expect(
            status.contains("/providers/Microsoft.MachineLearningServices/locations/westeurope/mfeOperationsStatus/"))
        #expect(created.header("x-ms-async-operation-timeout") != nil)
        #expect(await follow(harness, status, token: token) == ["InProgress", "Succeeded"])
        let read = await harness.send("GET", url, token: token)
        #expect(read.json?["properties"]?["provisioningState"]?.stringValue == "Succeeded")
        #expect(read.json?["properties"]?["authMode"]?.stringValue == "Key")
        #expect(read.json?["tags"]?["owner"]?.stringValue == "tests")
        #expect(read.json?["identity"]?["type"]?.stringValue == "SystemAssigned")
        #expect(read.json?["properties"]?["compute"] == nil)
        #expect(
            read.json?["properties"]?["scoringUri"]?.stringValue
                == "\(Harness.base)/inference/westeurope/ep-key/score")
        // A GET of the resource is a look too: an update shows Updating, then Succeeded.
        let updated = await harness.send("PUT", url, token: token, json: Self.endpointBody(auth: "Key"))
        #expect(updated.status == 200)
        #expect(updated.json?["properties"]?["provisioningState"]?.stringValue == "Updating")
        #expect(
            await harness.send("GET", url, token: token).json?["properties"]?["provisioningState"]?.stringValue
                == "Updating")
        #expect(
            await harness.send("GET", url, token: token).json?["properties"]?["provisioningState"]?.stringValue
                == "Succeeded")
        // Nobody looking: the operation finishes on its own after a while.
        let again = await harness.send("PUT", url, token: token, json: Self.endpointBody(auth: "Key"))
        #expect(again.status == 200)
        harness.clock.advance(3)
        let list = await harness.send("GET", "\(harness.workspace)/onlineEndpoints?\(Self.api)", token: token)
        #expect(list.json?["value"]?.arrayValue?.first?["properties"]?["provisioningState"]?.stringValue == "Succeeded")
    }

    @Test func deleteIsLongRunningThroughLocation() async throws {
        let harness = try Harness.make()
        let token = try await harness.armToken()
        try await create(harness, "ep-gone", Self.endpointBody(auth: "AMLToken"), token: token)
        let url = "\(endpoint(harness, "ep-gone"))?\(Self.api)"
        let deleted = await harness.send("DELETE", url, token: token)
        #expect(deleted.status == 202)
        #expect(deleted.header("Retry-After") == "1")
        let location = String(try #require(deleted.header("Location")).dropFirst(Harness.base.count))
        #expect(location.contains("/mfeOperationResults/"))
        #expect(
            await harness.send("GET", url, token: token).json?["properties"]?["provisioningState"]?.stringValue
                == "Deleting")
        // The name is still taken while the delete runs.
        let early = await harness.send("PUT", url, token: token, json: Self.endpointBody(auth: "Key"))
        #expect(early.status == 409)
        #expect(await harness.send("GET", location, token: token).status == 204)
        #expect(await harness.send("GET", url, token: token).status == 404)
        #expect(await harness.send("DELETE", url, token: token).status == 204)
    }

    @Test func validationAsARMGivesIt() async throws {
        let harness = try Harness.make()
        let token = try await harness.armToken()
        let compute = "\(harness.workspace)/computes/aks-cluster-1"
        func put(_ name: String, _ body: JSONValue) async -> CloudResponse {
            await harness.send("PUT", "\(endpoint(harness, name))?\(Self.api)", token: token, json: body)
        }
        let aad = await put("k8s-aad", Self.endpointBody(auth: "AADToken", compute: compute))
        #expect(aad.status == 400)
        #expect(aad.json?["error"]?["message"]?.stringValue?.contains("AADToken") == true)
        let unknown = await put("k8s-x", Self.endpointBody(auth: "Key", compute: "\(harness.workspace)/computes/nope"))
        #expect(unknown.status == 400)
        #expect(unknown.json?["error"]?["message"]?.stringValue?.contains("nope") == true)
        #expect(await put("1starts-with-digit", Self.endpointBody(auth: "Key")).status == 400)
        #expect(await put("ab", Self.endpointBody(auth: "Key")).status == 400)
        #expect(await put("ends-", Self.endpointBody(auth: "Key")).status == 400)
        #expect(await put("no-auth", Self.endpointBody(auth: "None")).status == 400)
        let ghost = await put("ep-traffic", Self.endpointBody(auth: "Key", traffic: ["blue": 100]))
        #expect(ghost.status == 400)
        #expect(ghost.json?["error"]?["message"]?.stringValue?.contains("'blue'") == true)
        // A Kubernetes endpoint with key auth is fine; its compute is echoed as an ARM id.
        try await create(harness, "k8s-key", Self.endpointBody(auth: "Key", compute: compute), token: token)
        let read = await harness.send("GET", "\(endpoint(harness, "k8s-key"))?\(Self.api)", token: token)
        #expect(read.json?["properties"]?["compute"]?.stringValue?.lowercased() == compute.lowercased())
        // Deployments, then traffic must name them and add up to 100 (or 0).
        for name in ["blue", "green"] {
            let deployment = await harness.send(
                "PUT", "\(endpoint(harness, "k8s-key"))/deployments/\(name)?api-version=2023-04-01-preview",
                token: token, json: Self.deploymentBody(kubernetes: true))
            #expect(deployment.status == 201, "\(deployment.text)")
        }
        let managedDeployment = await harness.send(
            "PUT", "\(endpoint(harness, "k8s-key"))/deployments/red?api-version=2023-04-01-preview", token: token,
            json: Self.deploymentBody(kubernetes: false))
        #expect(managedDeployment.status == 400)
        let compute90 = Self.endpointBody(auth: "Key", compute: compute, traffic: ["blue": 60, "green": 30])
        let ninety = await put("k8s-key", compute90)
        #expect(ninety.status == 400)
        #expect(ninety.json?["error"]?["message"]?.stringValue?.contains("90") == true)
        harness.clock.advance(3)
        let split = await put(
            "k8s-key", Self.endpointBody(auth: "Key", compute: compute, traffic: ["blue": 70, "green": 30]))
        #expect(split.status == 200, "\(split.text)")
        // Names are unique per region: another workspace in the same region cannot take it.
        let list = await harness.send(
            "GET", "\(endpoint(harness, "k8s-key"))/deployments?api-version=2023-04-01-preview", token: token)
        #expect(list.json?["value"]?.arrayValue?.map { $0["name"]?.stringValue ?? "" } == ["blue", "green"])
    }

    @Test func namesAreUniquePerRegion() async throws {
        var seed = Seed()
        seed.workspaces.append(.init(name: "ml-second", resourceGroup: "ml-rg", location: "westeurope"))
        seed.workspaces.append(.init(name: "ml-east", resourceGroup: "ml-rg", location: "eastus"))
        let harness = try Harness.make(seed: seed)
        let token = try await harness.armToken()
        try await create(harness, "shared-name", Self.endpointBody(auth: "Key"), token: token)
        let second = "\(harness.resourceGroup)/providers/Microsoft.MachineLearningServices/workspaces/ml-second"
        let clash = await harness.send(
            "PUT", "\(second)/onlineEndpoints/shared-name?\(Self.api)", token: token,
            json: Self.endpointBody(auth: "Key"))
        #expect(clash.status == 409)
        #expect(clash.json?["error"]?["message"]?.stringValue?.contains("unique per region") == true)
        let east = "\(harness.resourceGroup)/providers/Microsoft.MachineLearningServices/workspaces/ml-east"
        let elsewhere = await harness.send(
            "PUT", "\(east)/onlineEndpoints/shared-name?\(Self.api)", token: token,
            json: Self.endpointBody(auth: "Key", location: "eastus"))
        #expect(elsewhere.status == 201, "\(elsewhere.text)")
    }

    @Test func keysRegenerationAndKeyScoring() async throws {
        let harness = try Harness.make()
        let token = try await harness.armToken()
        try await create(harness, "ep-key", Self.endpointBody(auth: "Key"), token: token)
        let base = endpoint(harness, "ep-key")
        let keys = await harness.send("POST", "\(base)/listKeys?\(Self.api)", token: token)
        let primary = try #require(keys.json?["primaryKey"]?.stringValue)
        let secondary = try #require(keys.json?["secondaryKey"]?.stringValue)
        #expect(primary != secondary)
        let score = "/inference/westeurope/ep-key/score"
        // No deployment with traffic: Azure's 404.
        let empty = await harness.send("POST", score, token: primary, json: .object([("x", .number(1))]))
        #expect(empty.status == 404)
        #expect(empty.text.contains("doesn't have any valid deployment with positive weight"))
        let blue = await harness.send(
            "PUT", "\(base)/deployments/blue?api-version=2023-04-01-preview", token: token, json: Self.deploymentBody())
        #expect(blue.status == 201)
        harness.clock.advance(3)
        let routed = await harness.send(
            "PUT", "\(base)?\(Self.api)", token: token, json: Self.endpointBody(auth: "Key", traffic: ["blue": 100]))
        #expect(routed.status == 200, "\(routed.text)")
        let scored = await harness.send("POST", score, token: secondary, json: .object([("x", .number(1))]))
        #expect(scored.status == 200)
        #expect(scored.json?["deployment"]?.stringValue == "blue")
        #expect(scored.json?["input"]?["x"]?.numberValue == 1)
        #expect(await harness.send("POST", score, token: "wrong", json: .object([])).status == 401)
        #expect(await harness.send("POST", score, json: .object([])).status == 401)
        // A header pins a deployment; an unknown one is 404.
        #expect(
            await harness.send(
                "POST", score, token: primary, json: .object([]), headers: ["azureml-model-deployment": "gray"]
            )
            .status == 404)
        // Regenerate: with a value (kept v1 keys), then without; the old key stops working.
        let kept = await harness.send(
            "POST", "\(base)/regenerateKeys?\(Self.api)", token: token,
            json: .object([("keyType", .string("Secondary")), ("keyValue", .string("kept-v1-key"))]))
        #expect(kept.status == 202)
        #expect(kept.header("Location") != nil)
        #expect(await harness.send("POST", score, token: "kept-v1-key", json: .object([])).status == 200)
        let fresh = await harness.send(
            "POST", "\(base)/regenerateKeys?\(Self.api)", token: token, json: .object([("keyType", .string("Primary"))])
        )
        #expect(fresh.status == 202)
        #expect(await harness.send("POST", score, token: primary, json: .object([])).status == 401)
        let after = await harness.send("POST", "\(base)/listKeys?\(Self.api)", token: token)
        #expect(after.json?["primaryKey"]?.stringValue != primary)
        #expect(after.json?["secondaryKey"]?.stringValue == "kept-v1-key")
        let bad = await harness.send(
            "POST", "\(base)/regenerateKeys?\(Self.api)", token: token, json: .object([("keyType", .string("Third"))]))
        #expect(bad.status == 400)
        // A value that cannot travel in an Authorization header is refused, and not echoed back.
        for hostile in ["two words", "line\nbreak", String(repeating: "k", count: 257), "kéy"] {
            let refused = await harness.send(
                "POST", "\(base)/regenerateKeys?\(Self.api)", token: token,
                json: .object([("keyType", .string("Primary")), ("keyValue", .string(hostile))]))
            #expect(refused.status == 400)
            #expect(refused.text.contains("keyValue must be 1 to 256 printable ASCII characters"))
            #expect(!refused.text.contains(hostile))
        }
        #expect(await harness.send("POST", score, token: "kept-v1-key", json: .object([])).status == 200)
        // A key endpoint issues no AML tokens.
        #expect(await harness.send("POST", "\(base)/token?\(Self.api)", token: token).status == 400)
    }

    @Test func amlTokensAreBoundToTheEndpointInstance() async throws {
        let harness = try Harness.make()
        let token = try await harness.armToken()
        try await create(harness, "ep-token", Self.endpointBody(auth: "AMLToken"), token: token)
        let base = endpoint(harness, "ep-token")
        let blue = await harness.send(
            "PUT", "\(base)/deployments/blue?api-version=2023-04-01-preview", token: token, json: Self.deploymentBody())
        #expect(blue.status == 201)
        harness.clock.advance(3)
        _ = await harness.send(
            "PUT", "\(base)?\(Self.api)", token: token,
            json: Self.endpointBody(auth: "AMLToken", traffic: ["blue": 100]))
        let minted = await harness.send("POST", "\(base)/token?\(Self.api)", token: token)
        #expect(minted.status == 200)
        let access = try #require(minted.json?["accessToken"]?.stringValue)
        #expect(minted.json?["tokenType"]?.stringValue == "Bearer")
        #expect(minted.json?["expiryTimeUtc"]?.numberValue == (harness.clock.now + 3600).rounded(.down))
        #expect(minted.json?["refreshAfterTimeUtc"]?.numberValue == (harness.clock.now + 1800).rounded(.down))
        #expect(await harness.send("POST", "\(base)/listKeys?\(Self.api)", token: token).status == 400)
        let score = "/inference/westeurope/ep-token/score"
        #expect(await harness.send("POST", score, token: access, json: .object([])).status == 200)
        // An ARM token is not an AML token.
        #expect(await harness.send("POST", score, token: token, json: .object([])).status == 401)
        // Deleted and created again under the same name: the old token no longer scores.
        harness.clock.advance(3)
        #expect(await harness.send("DELETE", "\(base)?\(Self.api)", token: token).status == 202)
        harness.clock.advance(3)
        try await create(harness, "ep-token", Self.endpointBody(auth: "AMLToken"), token: token)
        let again = await harness.send(
            "PUT", "\(base)/deployments/blue?api-version=2023-04-01-preview", token: token, json: Self.deploymentBody())
        #expect(again.status == 201)
        harness.clock.advance(3)
        _ = await harness.send(
            "PUT", "\(base)?\(Self.api)", token: token,
            json: Self.endpointBody(auth: "AMLToken", traffic: ["blue": 100]))
        #expect(await harness.send("POST", score, token: access, json: .object([])).status == 401)
        // Expired tokens are refused.
        let fresh = try #require(
            await harness.send("POST", "\(base)/token?\(Self.api)", token: token).json?["accessToken"]?.stringValue)
        #expect(await harness.send("POST", score, token: fresh, json: .object([])).status == 200)
        harness.clock.advance(3601)
        #expect(await harness.send("POST", score, token: fresh, json: .object([])).status == 401)
    }

    @Test func entraScoringNeedsScoreActionAndTheMLAudience() async throws {
        let harness = try Harness.make()
        let token = try await harness.armToken()
        try await create(harness, "ep-aad", Self.endpointBody(auth: "AADToken"), token: token)
        let base = endpoint(harness, "ep-aad")
        _ = await harness.send(
            "PUT", "\(base)/deployments/blue?api-version=2023-04-01-preview", token: token, json: Self.deploymentBody())
        harness.clock.advance(3)
        _ = await harness.send(
            "PUT", "\(base)?\(Self.api)", token: token,
            json: Self.endpointBody(auth: "AADToken", traffic: ["blue": 100]))
        let score = "/inference/westeurope/ep-aad/score"
        let reader = try await harness.makePrincipal("aad-reader")
        try await harness.assign("Reader", to: reader.objectID, at: harness.workspace)
        let scientist = try await harness.makePrincipal("aad-scientist")
        try await harness.assign("AzureML Data Scientist", to: scientist.objectID, at: harness.workspace)
        func mlToken(_ principal: (appID: String, objectID: String, secret: String), _ scope: String) async throws
            -> String
        {
            try await harness.token(scope: scope, clientID: principal.appID, secret: principal.secret)
        }
        let readerToken = try await mlToken(reader, "https://ml.azure.com/.default")
        #expect(await harness.send("POST", score, token: readerToken, json: .object([])).status == 401)
        let scientistToken = try await mlToken(scientist, "https://ml.azure.com/.default")
        #expect(await harness.send("POST", score, token: scientistToken, json: .object([])).status == 200)
        // The sovereign clouds' audiences are the same data plane.
        let china = try await mlToken(scientist, "https://ml.azure.cn/.default")
        #expect(await harness.send("POST", score, token: china, json: .object([])).status == 200)
        // An ARM token is the wrong audience.
        let arm = try await mlToken(scientist, "https://management.azure.com/.default")
        #expect(await harness.send("POST", score, token: arm, json: .object([])).status == 401)
        // The owner holds `*`, so score/action too.
        let owner = try await harness.token(scope: "https://ml.azure.com/.default")
        #expect(await harness.send("POST", score, token: owner, json: .object([])).status == 200)
    }

    @Test func rbacByActionReaderCannotFetchKeysOrTokens() async throws {
        let harness = try Harness.make()
        let token = try await harness.armToken()
        try await create(harness, "ep-key", Self.endpointBody(auth: "Key"), token: token)
        try await create(harness, "ep-token", Self.endpointBody(auth: "AMLToken"), token: token)
        let reader = try await harness.makePrincipal("reader")
        try await harness.assign("Reader", to: reader.objectID, at: harness.workspace)
        let readerToken = try await harness.token(clientID: reader.appID, secret: reader.secret)
        #expect(
            await harness.send("GET", "\(endpoint(harness, "ep-key"))?\(Self.api)", token: readerToken).status == 200)
        let keys = await harness.send("POST", "\(endpoint(harness, "ep-key"))/listKeys?\(Self.api)", token: readerToken)
        #expect(keys.status == 403)
        #expect(
            keys.json?["error"]?["message"]?.stringValue?.contains(
                "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/listKeys/action") == true)
        #expect(
            await harness.send("POST", "\(endpoint(harness, "ep-token"))/token?\(Self.api)", token: readerToken).status
                == 403)
        #expect(
            await harness.send(
                "PUT", "\(endpoint(harness, "ep-new"))?\(Self.api)", token: readerToken,
                json: Self.endpointBody(auth: "Key")
            ).status == 403)
        #expect(
            await harness.send("DELETE", "\(endpoint(harness, "ep-key"))?\(Self.api)", token: readerToken).status == 403
        )
        // AzureML Data Scientist holds workspaces/*/action: keys and tokens.
        let scientist = try await harness.makePrincipal("scientist")
        try await harness.assign("AzureML Data Scientist", to: scientist.objectID, at: harness.workspace)
        let scientistToken = try await harness.token(clientID: scientist.appID, secret: scientist.secret)
        #expect(
            await harness.send("POST", "\(endpoint(harness, "ep-key"))/listKeys?\(Self.api)", token: scientistToken)
                .status == 200)
        #expect(
            await harness.send("POST", "\(endpoint(harness, "ep-token"))/token?\(Self.api)", token: scientistToken)
                .status == 200)
    }

    @Test func listsArePaged() async throws {
        let harness = try Harness.make { $0.armPageSize = 2 }
        let token = try await harness.armToken()
        for index in 1...5 {
            let created = await harness.send(
                "PUT", "\(endpoint(harness, "ep-page-\(index)"))?\(Self.api)", token: token,
                json: Self.endpointBody(auth: "Key"))
            #expect(created.status == 201)
        }
        var names: [String] = []
        var next: String? = "\(harness.workspace)/onlineEndpoints?\(Self.api)"
        var pages = 0
        while let page = next {
            let answer = await harness.send("GET", page, token: token)
            names += answer.json?["value"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
            next = answer.json?["nextLink"]?.stringValue.map { String($0.dropFirst(Harness.base.count)) }
            pages += 1
        }
        #expect(pages == 3)
        #expect(names == (1...5).map { "ep-page-\($0)" })
    }
}
