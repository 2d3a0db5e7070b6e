import AMLAuthCore
import AuthCrypto
import LocalCloud
import Testing
import WireFormat

struct ModelManagementTests {
    /// Uploads `score.py` the way azureml-core's `upload_dependency` does (batch metadata, then a
    /// BlockBlob PUT to the SAS content URI) and returns the image request that names it.
    static func uploadedImageRequest(
        _ harness: Harness, token: String, content: String = "def init():\n    pass\n", container: String = "a1b2c3d4"
    ) async throws -> JSONValue {
        let artifacts = "/artifact/v2.0" + harness.workspace + "/artifacts/batch/metadata/LocalUpload/\(container)"
        let created = await harness.send(
            "POST", artifacts, token: token,
            json: .object([("paths", .array([.object([("path", .string("score.py"))])]))]))
        #expect(created.status == 200, "\(created.text)")
        let artifactID = try #require(created.json?["artifacts"]?["score.py"]?["artifactId"]?.stringValue)
        #expect(artifactID == "LocalUpload/\(container)/score.py")
        let contentURI = try #require(
            created.json?["artifactContentInformation"]?["score.py"]?["contentUri"]?.stringValue)
        // The workspace's storage account, virtual-hosted on the local cloud's port, as azureml-core
        // rebuilds it (`{account}.blob.{suffix}`).
        let account = "https://amlst" + harness.state.workspaces[0].workspaceID.filter { $0.isHexDigit }.prefix(16)
        let origin = account + ".blob.localhost:8443"
        #expect(contentURI.hasPrefix(origin + "/azureml/LocalUpload/\(container)/score.py?"), "\(contentURI)")
        var put = CloudRequest(
            method: "PUT", target: String(contentURI.dropFirst(origin.count)),
            headers: ["Host": String(origin.dropFirst("https://".count)), "x-ms-blob-type": "BlockBlob"],
            body: Array(content.utf8))
        #expect(await harness.cloud.handle(put).status == 201)
        put.query = put.query.map { ($0.0, $0.0 == "sig" ? "forged" : $0.1) }
        #expect(await harness.cloud.handle(put).status == 403, "a PUT without the SAS signature is refused")
        return .object([
            ("driverProgram", .string("score.py")),
            (
                "assets",
                .array([
                    .object([
                        ("id", .string("score.py")), ("url", .string("aml://artifact/\(artifactID)")),
                        ("mimeType", .string("application/x-python")),
                    ])
                ])
            ),
            ("modelIds", .array([.string("sklearn-mnist:3")])),
            ("environmentReference", .object([("name", .string("sklearn-env")), ("version", .string("2"))])),
        ])
    }

    /// Creates a service after uploading its entry script (the image request MMS requires).
    func create(_ harness: Harness, _ body: JSONValue, token: String) async throws -> String {
        let body = body.setting(
            "environmentImageRequest", to: try await Self.uploadedImageRequest(harness, token: token))
        let created = await harness.send("POST", "\(harness.mms)/services", token: token, json: body)
        #expect(created.status == 202, "\(created.text)")
        let location = try #require(created.header("Operation-Location"))
        #expect(location.hasPrefix("\(Harness.base)\(harness.mms)/operations/"))
        return String(location.dropFirst(Harness.base.count))
    }

    func wait(_ harness: Harness, _ operation: String, token: String) async -> [String] {
        var states: [String] = []
        for _ in 0..<5 {
            let state = await harness.send("GET", operation, token: token).json?["state"]?.stringValue ?? "?"
            states.append(state)
            if state == "Succeeded" { break }
        }
        return states
    }

    static let aks = JSONValue.object([
        ("name", .string("aks-service-1")), ("computeType", .string("AKS")), ("computeName", .string("aks-cluster-1")),
        ("authEnabled", .bool(false)), ("aadAuthEnabled", .bool(true)),
        ("containerResourceRequirements", .object([("cpu", .number(1)), ("memoryInGB", .number(1))])),
        ("kvTags", .object([("amlauth.target", .string("quickstart"))])),
    ])

    static let aci = JSONValue.object([
        ("name", .string("aci-service-1")), ("computeType", .string("ACI")), ("authEnabled", .bool(true)),
        ("containerResourceRequirements", .object([("cpu", .number(0.5)), ("memoryInGB", .number(1))])),
    ])

    @Test func tokenAuthServiceEndToEnd() async throws {
        let harness = try Harness.make()
        let token = try await harness.armToken()
        let operation = try await create(harness, Self.aks, token: token)
        #expect(
            await harness.send("GET", "\(harness.mms)/services/aks-service-1", token: token).json?["state"]?.stringValue
                == "Transitioning")
        #expect(await wait(harness, operation, token: token) == ["Running", "Succeeded"])
        let service = await harness.send("GET", "\(harness.mms)/services/aks-service-1?expand=true", token: token)
        #expect(service.json?["state"]?.stringValue == "Healthy")
        #expect(service.json?["aadAuthEnabled"]?.boolValue == true)
        #expect(service.json?["authEnabled"]?.boolValue == false)
        #expect(service.json?["computeName"]?.stringValue == "aks-cluster-1")
        #expect(service.json?["kvTags"]?["amlauth.target"]?.stringValue == "quickstart")
        let scoringURI = try #require(service.json?["scoringUri"]?.stringValue)
        let scoring = String(scoringURI.dropFirst(Harness.base.count))

        let tokenResponse = await harness.send("POST", "\(harness.mms)/services/aks-service-1/token", token: token)
        #expect(tokenResponse.status == 200)
        let serviceToken = try #require(tokenResponse.json?["accessToken"]?.stringValue)
        #expect(tokenResponse.json?["tokenType"]?.stringValue == "Bearer")
        #expect(tokenResponse.json?["expiryOn"]?.numberValue == (harness.clock.now + 3600).rounded(.down))
        #expect(tokenResponse.json?["refreshAfter"]?.numberValue == (harness.clock.now + 1800).rounded(.down))

        let scored = await harness.send(
            "POST", scoring, token: serviceToken, json: .object([("data", .array([.number(1)]))]))
        #expect(scored.status == 200)
        #expect(scored.json?["auth"]?.stringValue == "token")
        #expect(scored.json?["input"]?["data"]?.arrayValue?.count == 1)
        #expect(await harness.send("POST", scoring, json: .object([])).status == 401)
        #expect(
            await harness.send("POST", scoring, token: token, json: .object([])).status == 401,
            "an ARM token is not a service token")
        harness.clock.advance(3601)
        #expect(await harness.send("POST", scoring, token: serviceToken, json: .object([])).status == 401, "expired")
    }

    @Test func keyAuthServiceKeysAndRegeneration() async throws {
        let harness = try Harness.make()
        let token = try await harness.armToken()
        _ = await wait(harness, try await create(harness, Self.aci, token: token), token: token)
        let keys = await harness.send("POST", "\(harness.mms)/services/aci-service-1/listkeys", token: token)
        let primary = try #require(keys.json?["primaryKey"]?.stringValue)
        let secondary = try #require(keys.json?["secondaryKey"]?.stringValue)
        #expect(primary.count == 32)
        let scoring = String(
            try #require(
                await harness.send("GET", "\(harness.mms)/services/aci-service-1", token: token).json?["scoringUri"]?
                    .stringValue
            ).dropFirst(Harness.base.count))
        #expect(
            await harness.send("POST", scoring, token: primary, json: .object([])).json?["auth"]?.stringValue == "key")
        #expect(await harness.send("POST", scoring, token: secondary, json: .object([])).status == 200)
        #expect(await harness.send("POST", scoring, token: "wrong", json: .object([])).status == 401)

        let regenerate = await harness.send(
            "POST", "\(harness.mms)/services/aci-service-1/regenerateKeys", token: token,
            json: .object([("keyType", .string("Primary"))]))
        #expect(regenerate.status == 202)
        #expect(regenerate.header("Operation-Location") != nil)
        let newKeys = await harness.send("POST", "\(harness.mms)/services/aci-service-1/listkeys", token: token)
        let newPrimary = try #require(newKeys.json?["primaryKey"]?.stringValue)
        #expect(newPrimary != primary)
        #expect(newKeys.json?["secondaryKey"]?.stringValue == secondary, "only the named key changes")
        #expect(await harness.send("POST", scoring, token: primary, json: .object([])).status == 401)
        #expect(await harness.send("POST", scoring, token: newPrimary, json: .object([])).status == 200)
        #expect(
            await harness.send(
                "POST", "\(harness.mms)/services/aci-service-1/regenerateKeys", token: token,
                json: .object([("keyType", .string("Tertiary"))])
            ).status == 400)

        // ACI has no token auth.
        let noToken = await harness.send("POST", "\(harness.mms)/services/aci-service-1/token", token: token)
        #expect(noToken.status == 400)
        #expect(noToken.json?["code"]?.stringValue == "BadArgument")
        #expect(noToken.json?["statusCode"]?.numberValue == 400)
    }

    @Test func patchUpdatesAuthAndTags() async throws {
        let harness = try Harness.make()
        let token = try await harness.armToken()
        _ = await wait(harness, try await create(harness, Self.aci, token: token), token: token)
        let patch = JSONValue.array([
            .object([("op", .string("replace")), ("path", .string("/authEnabled")), ("value", .bool(false))]),
            .object([
                ("op", .string("replace")), ("path", .string("/kvTags")),
                ("value", .object([("amlauth.key-generation.primary", .string("1"))])),
            ]),
            .object([
                ("op", .string("replace")), ("path", .string("/containerResourceRequirements/cpu")),
                ("value", .number(2)),
            ]),
        ])
        let patched = await harness.send("PATCH", "\(harness.mms)/services/aci-service-1", token: token, json: patch)
        #expect(patched.status == 202)
        let service = await harness.send("GET", "\(harness.mms)/services/aci-service-1", token: token)
        #expect(service.json?["authEnabled"]?.boolValue == false)
        #expect(service.json?["kvTags"]?["amlauth.key-generation.primary"]?.stringValue == "1")
        #expect(service.json?["containerResourceRequirements"]?["cpu"]?.numberValue == 2)
        let scoring = String(try #require(service.json?["scoringUri"]?.stringValue).dropFirst(Harness.base.count))
        #expect(await harness.send("POST", scoring, json: .object([])).json?["auth"]?.stringValue == "none")

        let tokenOnACI = JSONValue.array([
            .object([("op", .string("replace")), ("path", .string("/aadAuthEnabled")), ("value", .bool(true))])
        ])
        #expect(
            await harness.send("PATCH", "\(harness.mms)/services/aci-service-1", token: token, json: tokenOnACI).status
                == 400)
        let unknownPath = JSONValue.array([
            .object([("op", .string("replace")), ("path", .string("/bogus")), ("value", .bool(true))])
        ])
        #expect(
            await harness.send("PATCH", "\(harness.mms)/services/aci-service-1", token: token, json: unknownPath).status
                == 400)
    }

    /// The shape amlauth sent before fidelity audit D1 (a bare script name as `driverProgram`,
    /// nothing uploaded, `environment: {name, version}`) is refused, as is a driver asset never
    /// uploaded and an environment never registered; the SDK's shape is accepted.
    @Test func anImageRequestMustNameAnUploadedScriptAndARegisteredEnvironment() async throws {
        let harness = try Harness.make()
        let token = try await harness.armToken()
        let bare = JSONValue.object([
            ("driverProgram", .string("score.py")), ("modelIds", .array([.string("sklearn-mnist:3")])),
            ("environment", .object([("name", .string("sklearn-env")), ("version", .string("2"))])),
        ])
        let refused = await harness.send(
            "POST", "\(harness.mms)/services", token: token,
            json: Self.aci.setting("environmentImageRequest", to: bare))
        #expect(refused.status == 400)
        #expect(refused.json?["code"]?.stringValue == "BadArgument")
        #expect(refused.json?["message"]?.stringValue?.contains("names no asset") == true, "\(refused.text)")
        #expect(
            await harness.send("POST", "\(harness.mms)/services", token: token, json: Self.aci).status == 400,
            "no image request at all")
        let uploaded = try await Self.uploadedImageRequest(harness, token: token)
        let notUploaded = uploaded.setting(
            "assets",
            to: .array([
                .object([
                    ("id", .string("score.py")), ("url", .string("aml://artifact/LocalUpload/ffffffff/score.py")),
                ])
            ]))
        let missingArtifact = await harness.send(
            "POST", "\(harness.mms)/services", token: token,
            json: Self.aci.setting("environmentImageRequest", to: notUploaded))
        #expect(missingArtifact.status == 400)
        #expect(missingArtifact.json?["message"]?.stringValue?.contains("no uploaded artifact") == true)
        let unknownEnvironment = uploaded.setting(
            "environmentReference", to: .object([("name", .string("no-such-env")), ("version", .string("1"))]))
        let missingEnvironment = await harness.send(
            "POST", "\(harness.mms)/services", token: token,
            json: Self.aci.setting("environmentImageRequest", to: unknownEnvironment))
        #expect(missingEnvironment.status == 400)
        #expect(missingEnvironment.json?["message"]?.stringValue?.contains("no-such-env version 1") == true)
        // Registered through the environment API (as `Environment.register` does), it is accepted.
        let environment = "/environment/v1.0" + harness.workspace + "/environments/no-such-env/versions/1"
        #expect(await harness.send("GET", environment, token: token).status == 404)
        #expect(
            await harness.send("PUT", environment, token: token, json: .object([("python", .object([]))])).status
                == 200)
        #expect(await harness.send("GET", environment, token: token).json?["name"]?.stringValue == "no-such-env")
        let accepted = await harness.send(
            "POST", "\(harness.mms)/services", token: token,
            json: Self.aci.setting("environmentImageRequest", to: unknownEnvironment))
        #expect(accepted.status == 202, "\(accepted.text)")
        // The same checks guard a definition patch.
        let patch = JSONValue.array([
            .object([("op", .string("replace")), ("path", .string("/environmentImageRequest")), ("value", bare)])
        ])
        #expect(
            await harness.send("PATCH", "\(harness.mms)/services/aci-service-1", token: token, json: patch).status
                == 400)
    }

    @Test func createValidationAndListing() async throws {
        let harness = try Harness.make()
        let token = try await harness.armToken()
        let both = Self.aks.setting("authEnabled", to: .bool(true))
        #expect(await harness.send("POST", "\(harness.mms)/services", token: token, json: both).status == 400)
        let noCompute = Self.aks.setting("computeName", to: .string("missing"))
        #expect(await harness.send("POST", "\(harness.mms)/services", token: token, json: noCompute).status == 400)
        let badName = Self.aci.setting("name", to: .string("Bad_Name"))
        #expect(await harness.send("POST", "\(harness.mms)/services", token: token, json: badName).status == 400)
        _ = try await create(harness, Self.aks, token: token)
        _ = try await create(harness, Self.aci, token: token)
        #expect(await harness.send("POST", "\(harness.mms)/services", token: token, json: Self.aci).status == 409)
        #expect(
            await harness.send("GET", "\(harness.mms)/services?expand=true", token: token).json?["value"]?.arrayValue?
                .count == 2)
        #expect(
            await harness.send("GET", "\(harness.mms)/services?computeType=ACI", token: token).json?["value"]?
                .arrayValue?.count == 1)
        #expect(
            await harness.send("GET", "\(harness.mms)/services?tags=amlauth.target%3Dquickstart", token: token).json?[
                "value"]?.arrayValue?.first?["name"]?.stringValue == "aks-service-1")
        let missing = await harness.send("GET", "\(harness.mms)/services/nope", token: token)
        #expect(missing.status == 404)
        #expect(missing.json?["code"]?.stringValue == "NotFound")
        // Deletes are asynchronous: 202 and an operation; the name stays taken until it finishes.
        let deleting = await harness.send("DELETE", "\(harness.mms)/services/aci-service-1", token: token)
        #expect(deleting.status == 202)
        let operation = String((deleting.header("Operation-Location") ?? "").dropFirst(Harness.base.count))
        #expect(
            await harness.send("GET", "\(harness.mms)/services/aci-service-1", token: token).json?["state"]?
                .stringValue == "Deleting")
        #expect(await harness.send("POST", "\(harness.mms)/services", token: token, json: Self.aci).status == 409)
        #expect(await wait(harness, operation, token: token).last == "Succeeded")
        #expect(await harness.send("GET", "\(harness.mms)/services/aci-service-1", token: token).status == 404)
        #expect(await harness.send("DELETE", "\(harness.mms)/services/aci-service-1", token: token).status == 204)
    }

    @Test func readerMayFetchTokensButNotKeys() async throws {
        let harness = try Harness.make()
        let owner = try await harness.armToken()
        _ = await wait(harness, try await create(harness, Self.aks, token: owner), token: owner)
        let principal = try await harness.makePrincipal("scoring-client")
        try await harness.assign("Reader", to: principal.objectID, at: harness.workspace)
        let reader = try await harness.token(clientID: principal.appID, secret: principal.secret)
        #expect(await harness.send("POST", "\(harness.mms)/services/aks-service-1/token", token: reader).status == 200)
        let keys = await harness.send("POST", "\(harness.mms)/services/aks-service-1/listkeys", token: reader)
        #expect(keys.status == 403)
        #expect(
            keys.json?["error"]?["message"]?.stringValue?.contains(
                "Microsoft.MachineLearningServices/workspaces/services/aks/listkeys/action") == true)
        #expect(await harness.send("DELETE", "\(harness.mms)/services/aks-service-1", token: reader).status == 403)
        // A principal with no role at all cannot even read.
        let stranger = try await harness.makePrincipal("stranger")
        let strangerToken = try await harness.token(clientID: stranger.appID, secret: stranger.secret)
        #expect(await harness.send("GET", "\(harness.mms)/services/aks-service-1", token: strangerToken).status == 403)
    }
}
