import AMLAuthCore
import AuthCrypto
import LocalCloud
import Testing
import WireFormat

struct TokenEndpointTests {
    @Test func clientSecretGetsASignedARMToken() async throws {
        let harness = try Harness.make()
        let response = await harness.send(
            "POST", "/\(harness.tenant)/oauth2/v2.0/token",
            form: [
                ("grant_type", "client_credentials"), ("client_id", harness.state.bootstrapClientID),
                ("client_secret", harness.state.bootstrapClientSecret),
                ("scope", "https://management.azure.com/.default"), ("x-client-SKU", "ignored"),
            ])
        #expect(response.status == 200)
        #expect(response.json?["token_type"]?.stringValue == "Bearer")
        #expect(response.json?["expires_in"]?.numberValue == 3600)
        #expect(response.header("Cache-Control") == "no-store, no-cache")
        let token = try #require(response.json?["access_token"]?.stringValue)
        let jwt = try #require(JWT(parsing: token))
        #expect(jwt.string("aud") == "https://management.azure.com/")
        #expect(jwt.string("iss") == "https://sts.windows.net/\(harness.tenant)/")
        #expect(jwt.string("appid") == harness.state.bootstrapClientID)
        #expect(jwt.string("tid") == harness.tenant)
        #expect(jwt.string("idtyp") == "app")
        #expect(jwt.string("appidacr") == "1")
        #expect(jwt.number("exp") == (harness.clock.now + 3600).rounded(.down))
        #expect(jwt.string("oid") == harness.state.servicePrincipals.first?.id)
        #expect(jwt.header["alg"]?.stringValue == "RS256")

        // The JWKS publishes the key that verifies it.
        let keys = await harness.send("GET", "/\(harness.tenant)/discovery/v2.0/keys")
        let jwk = try #require(keys.json?["keys"]?.arrayValue?.first)
        #expect(jwk["kid"]?.stringValue == jwt.header["kid"]?.stringValue)
        let certificate = try Certificate(
            der: try #require(jwk["x5c"]?.arrayValue?.first?.stringValue.flatMap(Base64URL.decode)))
        #expect(jwt.verify(with: try certificate.publicKey))
    }

    @Test func basicAuthAndV1Endpoint() async throws {
        let harness = try Harness.make()
        let basic = Base64.encode(
            Array(
                "\(harness.state.bootstrapClientID):\(FormEncoding.percentEncode(harness.state.bootstrapClientSecret))"
                    .utf8))
        let response = await harness.send(
            "POST", "/\(harness.tenant)/oauth2/token",
            form: [
                ("grant_type", "client_credentials"), ("resource", "https://management.core.windows.net/"),
            ], headers: ["Authorization": "Basic \(basic)"])
        #expect(response.status == 200, "\(response.text)")
        #expect(response.json?["expires_in"]?.stringValue == "3600")
        #expect(response.json?["expires_on"]?.stringValue == String(Int(harness.clock.now) + 3600))
        #expect(response.json?["resource"]?.stringValue == "https://management.core.windows.net/")
        #expect(
            JWT(parsing: response.json?["access_token"]?.stringValue ?? "")?.string("aud")
                == "https://management.core.windows.net/")
    }

    struct ErrorCase: Sendable, CustomTestStringConvertible {
        var name: String
        var fields: [(String, String)]
        var status: Int
        var error: String
        var code: Int
        var testDescription: String { name }
    }

    static let errorCases: [ErrorCase] = [
        ErrorCase(
            name: "wrong secret", fields: [("client_secret", "nope")], status: 401, error: "invalid_client",
            code: 7_000_215),
        ErrorCase(
            name: "unknown app", fields: [("client_id", "00000000-0000-0000-0000-000000000001")], status: 400,
            error: "unauthorized_client", code: 700016),
        ErrorCase(
            name: "scope without /.default", fields: [("scope", "https://management.azure.com/user_impersonation")],
            status: 400, error: "invalid_scope", code: 1_002_012),
        ErrorCase(
            name: "unknown resource", fields: [("scope", "https://vault.example.test/.default")], status: 400,
            error: "invalid_resource", code: 500011),
        ErrorCase(
            name: "wrong grant", fields: [("grant_type", "password")], status: 400, error: "unsupported_grant_type",
            code: 70003),
    ]

    @Test(arguments: errorCases)
    func errorsCarryTheRealCodes(_ errorCase: ErrorCase) async throws {
        let harness = try Harness.make()
        var fields: [String: String] = [
            "grant_type": "client_credentials", "client_id": harness.state.bootstrapClientID,
            "client_secret": harness.state.bootstrapClientSecret, "scope": "https://management.azure.com/.default",
        ]
        for (key, value) in errorCase.fields { fields[key] = value }
        let response = await harness.send(
            "POST", "/\(harness.tenant)/oauth2/v2.0/token", form: fields.sorted { $0.key < $1.key })
        #expect(response.status == errorCase.status)
        #expect(response.json?["error"]?.stringValue == errorCase.error)
        #expect(response.json?["error_codes"]?.arrayValue?.first?.numberValue == Double(errorCase.code))
        let description = try #require(response.json?["error_description"]?.stringValue)
        #expect(description.hasPrefix("AADSTS\(errorCase.code): "))
        #expect(!description.contains(harness.state.bootstrapClientSecret))
        #expect(response.json?["trace_id"]?.stringValue != nil)
    }

    @Test func unknownTenant() async throws {
        let harness = try Harness.make()
        let response = await harness.send(
            "POST", "/11111111-2222-3333-4444-555555555555/oauth2/v2.0/token",
            form: [("grant_type", "client_credentials")])
        #expect(response.status == 400)
        #expect(response.json?["error_codes"]?.arrayValue?.first?.numberValue == 90002)
    }

    @Test func discoveryDocuments() async throws {
        let harness = try Harness.make()
        let v2 = await harness.send("GET", "/\(harness.tenant)/v2.0/.well-known/openid-configuration")
        #expect(v2.json?["token_endpoint"]?.stringValue == "\(Harness.base)/\(harness.tenant)/oauth2/v2.0/token")
        #expect(v2.json?["issuer"]?.stringValue == "\(Harness.base)/\(harness.tenant)/v2.0")
        let v1 = await harness.send("GET", "/\(harness.tenant)/.well-known/openid-configuration")
        #expect(v1.json?["issuer"]?.stringValue == "https://sts.windows.net/\(harness.tenant)/")
    }

    // MARK: Certificate assertions

    static func certificatePrincipal(_ harness: Harness) async throws -> (
        appID: String, key: RSAPrivateKey, certificate: Certificate
    ) {
        let key = try RSAPrivateKey.generate()
        let certificate = try Certificate.issue(
            .init(commonName: "client", days: 30, isCA: false), key: key, issuer: nil, issuerKey: key)
        let principal = try await harness.makePrincipal("cert-app")
        let graph = try await harness.graphToken()
        let list = await harness.send(
            "GET", "/graph/v1.0/applications?$filter=appId%20eq%20'\(principal.appID)'", token: graph)
        let objectID = try #require(list.json?["value"]?.arrayValue?.first?["id"]?.stringValue)
        let patch = await harness.send(
            "PATCH", "/graph/v1.0/applications/\(objectID)", token: graph,
            json: .object([
                (
                    "keyCredentials",
                    .array([
                        .object([
                            ("type", .string("AsymmetricX509Cert")), ("usage", .string("Verify")),
                            ("key", .string(Base64.encode(certificate.der))),
                        ])
                    ])
                )
            ]))
        #expect(patch.status == 204)
        return (principal.appID, key, certificate)
    }

    static func assertion(
        _ harness: Harness, appID: String, key: RSAPrivateKey, certificate: Certificate, algorithm: SignatureAlgorithm,
        audience: String? = nil, expiresIn: Double = 600, padded: Bool = false
    ) throws -> String {
        var header: [(String, JSONValue)] = [("typ", .string("JWT")), ("alg", .string(algorithm.rawValue))]
        header.append(
            algorithm == .ps256
                ? ("x5t#S256", .string(Base64URL.encode(certificate.sha256Thumbprint)))
                : ("x5t", .string(Base64URL.encode(certificate.sha1Thumbprint))))
        let now = harness.clock.now
        let claims = JSONValue.object([
            ("aud", .string(audience ?? "\(Harness.base)/\(harness.tenant)/oauth2/v2.0/token")),
            ("iss", .string(appID)), ("sub", .string(appID)),
            ("jti", .string(SecureRandom.uuid())), ("nbf", .number(now)), ("exp", .number(now + expiresIn)),
        ])
        guard padded else {
            return try JWT.sign(header: .object(header), claims: claims, key: key, algorithm: algorithm)
        }
        // azure-identity pads each segment with '=' and signs the padded text.
        func pad(_ text: String) -> String { text + String(repeating: "=", count: (4 - text.count % 4) % 4) }
        let input =
            pad(Base64URL.encode(JSONValue.object(header).compact())) + "." + pad(Base64URL.encode(claims.compact()))
        return input + "." + pad(Base64URL.encode(try key.sign(Array(input.utf8), algorithm: algorithm)))
    }

    func exchange(_ harness: Harness, appID: String, assertion: String) async -> CloudResponse {
        await harness.send(
            "POST", "/\(harness.tenant)/oauth2/v2.0/token",
            form: [
                ("grant_type", "client_credentials"), ("client_id", appID),
                ("scope", "https://management.azure.com/.default"),
                ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"),
                ("client_assertion", assertion),
            ])
    }

    @Test(arguments: [(SignatureAlgorithm.ps256, false), (.rs256, true), (.ps256, true), (.rs256, false)])
    func certificateAssertions(_ algorithm: SignatureAlgorithm, padded: Bool) async throws {
        let harness = try Harness.make()
        let (appID, key, certificate) = try await Self.certificatePrincipal(harness)
        let response = await exchange(
            harness, appID: appID,
            assertion: try Self.assertion(
                harness, appID: appID, key: key, certificate: certificate, algorithm: algorithm, padded: padded))
        #expect(response.status == 200, "\(response.text)")
        #expect(JWT(parsing: response.json?["access_token"]?.stringValue ?? "")?.string("appidacr") == "2")
    }

    @Test func certificateAssertionFailures() async throws {
        let harness = try Harness.make()
        let (appID, key, certificate) = try await Self.certificatePrincipal(harness)
        let otherKey = try RSAPrivateKey.generate()
        let forged = try Self.assertion(
            harness, appID: appID, key: otherKey, certificate: certificate, algorithm: .ps256)
        #expect(
            await exchange(harness, appID: appID, assertion: forged).json?["error_codes"]?.arrayValue?.first?
                .numberValue == 700027)
        let wrongAudience = try Self.assertion(
            harness, appID: appID, key: key, certificate: certificate, algorithm: .ps256,
            audience: "https://elsewhere.test/token")
        #expect(
            await exchange(harness, appID: appID, assertion: wrongAudience).json?["error_codes"]?.arrayValue?.first?
                .numberValue == 700021)
        let expired = try Self.assertion(
            harness, appID: appID, key: key, certificate: certificate, algorithm: .ps256, expiresIn: -3600)
        #expect(
            await exchange(harness, appID: appID, assertion: expired).json?["error_codes"]?.arrayValue?.first?
                .numberValue == 700024)
        let response = await exchange(harness, appID: appID, assertion: "not.a.jwt")
        #expect(response.status == 400)
    }

    // MARK: Federated credentials

    @Test func federatedAssertionFromTheLocalIssuer() async throws {
        let harness = try Harness.make()
        let principal = try await harness.makePrincipal("ci-app")
        let graph = try await harness.graphToken()
        let list = await harness.send("GET", "/graph/v1.0/applications(appId='\(principal.appID)')", token: graph)
        let objectID = try #require(list.json?["id"]?.stringValue)
        let created = await harness.send(
            "POST", "/graph/v1.0/applications/\(objectID)/federatedIdentityCredentials", token: graph,
            json: .object([
                ("name", .string("github-main")), ("issuer", .string(IssuerRoutes.issuer)),
                ("subject", .string("repo:contoso/ml:ref:refs/heads/main")),
                ("audiences", .array([.string("api://AzureADTokenExchange")])),
            ]))
        #expect(created.status == 201)
        func mint(_ subject: String, audience: String = "api://AzureADTokenExchange") async throws -> String {
            let minted = await harness.send(
                "GET",
                "/oidc-issuer/mint?subject=\(FormEncoding.percentEncode(subject))&audience=\(FormEncoding.percentEncode(audience))"
            )
            return try #require(minted.json?["value"]?.stringValue)
        }
        let good = await exchange(
            harness, appID: principal.appID, assertion: try await mint("repo:contoso/ml:ref:refs/heads/main"))
        #expect(good.status == 200, "\(good.text)")
        let wrongSubject = await exchange(
            harness, appID: principal.appID, assertion: try await mint("repo:contoso/ml:ref:refs/heads/feature"))
        #expect(wrongSubject.json?["error_codes"]?.arrayValue?.first?.numberValue == 700213)
        let wrongAudience = await exchange(
            harness, appID: principal.appID,
            assertion: try await mint("repo:contoso/ml:ref:refs/heads/main", audience: "api://other"))
        #expect(wrongAudience.json?["error_codes"]?.arrayValue?.first?.numberValue == 700212)
        // A token that claims the trusted issuer but is signed by someone else.
        let forgedKey = try RSAPrivateKey.generate()
        let now = harness.clock.now
        let forged = try JWT.sign(
            header: .object([("alg", .string("RS256")), ("typ", .string("JWT"))]),
            claims: .object([
                ("iss", .string(IssuerRoutes.issuer)), ("sub", .string("repo:contoso/ml:ref:refs/heads/main")),
                ("aud", .string("api://AzureADTokenExchange")), ("exp", .number(now + 300)),
            ]),
            key: forgedKey, algorithm: .rs256)
        #expect(
            await exchange(harness, appID: principal.appID, assertion: forged).json?["error_codes"]?.arrayValue?.first?
                .numberValue == 700027)
        // An issuer the application does not trust at all.
        let stranger = try JWT.sign(
            header: .object([("alg", .string("RS256"))]),
            claims: .object([
                ("iss", .string("https://token.actions.githubusercontent.com")), ("sub", .string("x")),
                ("aud", .string("api://AzureADTokenExchange")), ("exp", .number(now + 300)),
            ]),
            key: forgedKey, algorithm: .rs256)
        #expect(
            await exchange(harness, appID: principal.appID, assertion: stranger).json?["error_codes"]?.arrayValue?
                .first?.numberValue == 700211)
    }
}
