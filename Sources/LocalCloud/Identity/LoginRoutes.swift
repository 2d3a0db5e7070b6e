import AMLAuthCore
import AuthCrypto
import WireFormat

/// Entra ID: `/{tenant}/oauth2/v2.0/token`, `/{tenant}/oauth2/token`, OpenID discovery, JWKS.
struct LoginRoutes {
    let cloud: LocalCloud
    let context: RequestContext
    var request: CloudRequest { context.request }

    static let assertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

    func handle(_ segments: [String]) async -> CloudResponse {
        let state = await cloud.store.state
        let tenant = segments[0]
        let rest = Array(segments.dropFirst())
        if tenant.lowercased() == "common", rest == ["discovery", "instance"] { return instanceDiscovery(state) }
        if tenant.lowercased() == "common", rest == ["discovery", "keys"] { return jwks(state) }
        guard tenant.lowercased() == state.tenantID || tenant.lowercased() == state.tenantDomain else {
            return entraError(
                400, "invalid_request", 90002,
                "Tenant '\(tenant)' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud."
            )
        }
        switch (request.method, rest) {
        case ("POST", ["oauth2", "v2.0", "token"]): return await token(state: state, version: 2)
        case ("POST", ["oauth2", "v2.0", "devicecode"]):
            return DeviceCodeRoutes(cloud: cloud, context: context).deviceCode(state: state)
        case ("POST", ["oauth2", "token"]): return await token(state: state, version: 1)
        case ("GET", ["v2.0", ".well-known", "openid-configuration"]): return openIDConfiguration(state, version: 2)
        case ("GET", [".well-known", "openid-configuration"]): return openIDConfiguration(state, version: 1)
        case ("GET", ["discovery", "v2.0", "keys"]), ("GET", ["discovery", "keys"]): return jwks(state)
        default: return ErrorBody.arm(404, "NotFound", "No login route '\(request.path)'.")
        }
    }

    private func entraError(_ status: Int, _ error: String, _ code: Int, _ message: String) -> CloudResponse {
        ErrorBody.entra(
            status, error, code: code, message, traceID: context.requestID,
            timestamp: context.timestamp.replacing("T", with: " ").replacing("Z", with: "Z"))
    }

    // MARK: Token endpoint

    private func token(state: CloudState, version: Int) async -> CloudResponse {
        let form = request.form
        var clientID = form["client_id"]
        var secret = form["client_secret"]
        if let basic = request.header("authorization"), basic.lowercased().hasPrefix("basic "),
            let decoded = Base64URL.decode(String(basic.dropFirst(6))).map({ String(decoding: $0, as: UTF8.self) }),
            let colon = decoded.firstIndex(of: ":")
        {
            clientID = clientID ?? FormEncoding.percentDecode(String(decoded[..<colon]), plusIsSpace: true)
            secret =
                secret ?? FormEncoding.percentDecode(String(decoded[decoded.index(after: colon)...]), plusIsSpace: true)
        }
        guard let grant = form["grant_type"] else {
            return entraError(
                400, "invalid_request", 900144, "The request body must contain the following parameter: 'grant_type'.")
        }
        // People (device code, then refresh tokens) sign in through the v2 endpoint only.
        if version == 2, grant == DeviceCodeRoutes.deviceCodeGrant || grant == "refresh_token" {
            return DeviceCodeRoutes(cloud: cloud, context: context).token(grant: grant, state: state)
        }
        guard grant == "client_credentials" else {
            return entraError(
                400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type '\(grant)'.")
        }
        guard let clientID, !clientID.isEmpty else {
            return entraError(
                400, "invalid_request", 900144, "The request body must contain the following parameter: 'client_id'.")
        }
        // The resource: v2 `scope={resource}/.default`, v1 `resource={resource}`.
        let resource: String
        if version == 2 {
            guard let scope = form["scope"] else {
                return entraError(
                    400, "invalid_request", 900144, "The request body must contain the following parameter: 'scope'.")
            }
            guard scope.hasSuffix("/.default"), !scope.contains(" ") else {
                return entraError(
                    400, "invalid_scope", 1_002_012,
                    "The provided value for scope \(scope) is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI)."
                )
            }
            resource = String(scope.dropLast("/.default".count))
        } else {
            guard let value = form["resource"] else {
                return entraError(
                    400, "invalid_request", 900144, "The request body must contain the following parameter: 'resource'."
                )
            }
            resource = value
        }
        guard let audience = Audience.forResource(resource, base: context.base) else {
            return entraError(
                400, "invalid_resource", 500011,
                "The resource principal named \(resource) was not found in the tenant named \(state.tenantDomain). This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant."
            )
        }
        guard let application = state.applications.first(where: { $0.appID == clientID.lowercased() }) else {
            return entraError(
                400, "unauthorized_client", 700016,
                "Application with identifier '\(clientID)' was not found in the directory '\(state.tenantDomain)'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant."
            )
        }
        guard let servicePrincipal = state.servicePrincipals.first(where: { $0.appID == application.appID }) else {
            return entraError(
                400, "invalid_client", 7_000_229,
                "The client application \(application.appID) is missing service principal in the tenant \(state.tenantID)."
            )
        }
        let method: String
        if let assertion = form["client_assertion"] {
            guard form["client_assertion_type"] == Self.assertionType else {
                return entraError(
                    400, "invalid_request", 900144,
                    "The request body must contain the following parameter: 'client_assertion_type'.")
            }
            if let failure = checkAssertion(assertion, application: application, state: state, version: version) {
                return failure
            }
            method = "2"
        } else if let secret {
            // A password Entra has not propagated yet is rejected as if unknown (fault plan's lag).
            let lag = cloud.options.faults?.passwordActivationLag ?? 0
            let valid = application.passwordCredentials.filter {
                Directory.matches(secret, $0) && ($0.createdDateTime ?? 0) + lag <= context.now
            }
            guard !valid.isEmpty else {
                return entraError(
                    401, "invalid_client", 7_000_215,
                    "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '\(application.appID)'."
                )
            }
            guard valid.contains(where: { $0.endDateTime > context.now && $0.startDateTime <= context.now + 300 })
            else {
                return entraError(
                    401, "invalid_client", 7_000_222,
                    "The provided client secret keys for app '\(application.appID)' are expired. Visit the Azure portal to create new keys for your app."
                )
            }
            method = "1"
        } else {
            return entraError(
                401, "invalid_client", 7_000_218,
                "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")
        }
        do {
            let token = try TokenMinter(cloud: cloud, state: state, now: context.now).accessToken(
                audience: audience, appID: application.appID, objectID: servicePrincipal.id, authMethod: method)
            let lifetime = Int(cloud.options.tokenLifetime)
            if version == 2 {
                return .json(
                    200,
                    .object([
                        ("token_type", .string("Bearer")), ("expires_in", .number(Double(lifetime))),
                        ("ext_expires_in", .number(Double(lifetime))), ("access_token", .string(token)),
                    ]), headers: [("Cache-Control", "no-store, no-cache"), ("Pragma", "no-cache")])
            }
            return .json(
                200,
                .object([
                    ("token_type", .string("Bearer")), ("expires_in", .string(String(lifetime))),
                    ("ext_expires_in", .string(String(lifetime))),
                    ("expires_on", .string(String(Int(context.now) + lifetime))),
                    ("not_before", .string(String(Int(context.now)))),
                    ("resource", .string(resource)), ("access_token", .string(token)),
                ]), headers: [("Cache-Control", "no-store, no-cache"), ("Pragma", "no-cache")])
        } catch {
            return entraError(500, "temporarily_unavailable", 50000, "There was an error issuing a token.")
        }
    }

    /// Checks a client assertion: a certificate assertion signed with a registered key
    /// (`iss` = `sub` = client id), or a federated token from a trusted issuer. Nil when valid.
    private func checkAssertion(_ text: String, application: ApplicationRecord, state: CloudState, version: Int)
        -> CloudResponse?
    {
        guard let jwt = JWT(parsing: text) else {
            return entraError(400, "invalid_request", 50027, "JWT token is invalid or malformed.")
        }
        let skew = 300.0
        if let notBefore = jwt.number("nbf"), notBefore > context.now + skew {
            return entraError(400, "invalid_client", 700024, "Client assertion is not within its valid time range.")
        }
        guard let expiry = jwt.number("exp"), expiry + skew > context.now else {
            return entraError(400, "invalid_client", 700024, "Client assertion is not within its valid time range.")
        }
        if jwt.string("iss") == application.appID {
            return checkCertificateAssertion(jwt, application: application, state: state, version: version)
        }
        return checkFederatedAssertion(jwt, application: application)
    }

    private func checkCertificateAssertion(_ jwt: JWT, application: ApplicationRecord, state: CloudState, version: Int)
        -> CloudResponse?
    {
        guard jwt.string("sub") == application.appID else {
            return entraError(
                401, "invalid_client", 700023, "Client assertion audience claim does not match Realm issuer.")
        }
        let path = version == 2 ? "/oauth2/v2.0/token" : "/oauth2/token"
        let acceptedAudiences = [state.tenantID, state.tenantDomain].map { context.base + "/" + $0 + path }
        guard
            jwt.audiences.contains(where: { audience in
                acceptedAudiences.contains { $0.lowercased() == audience.lowercased() }
            })
        else {
            return entraError(
                401, "invalid_client", 700021,
                "Client assertion audience claim does not match Realm issuer. Expected one of \(acceptedAudiences).")
        }
        let sha256 = jwt.header["x5t#S256"]?.stringValue.flatMap(Base64URL.decode)
        let sha1 = jwt.header["x5t"]?.stringValue.flatMap(Base64URL.decode)
        let credential = application.keyCredentials.first { record in
            guard let der = Base64URL.decode(record.key), let certificate = try? Certificate(der: der) else {
                return false
            }
            return (sha256 != nil && certificate.sha256Thumbprint == sha256)
                || (sha1 != nil && certificate.sha1Thumbprint == sha1)
        }
        guard let credential, let der = Base64URL.decode(credential.key), let certificate = try? Certificate(der: der),
            let publicKey = try? certificate.publicKey
        else {
            return entraError(
                401, "invalid_client", 700027,
                "Client assertion failed signature validation. The key used to sign the assertion was not found on application '\(application.appID)'."
            )
        }
        guard credential.endDateTime > context.now else {
            return entraError(401, "invalid_client", 700027, "Client assertion contains an expired certificate.")
        }
        guard jwt.verify(with: publicKey) else {
            return entraError(401, "invalid_client", 700027, "Client assertion failed signature validation.")
        }
        return nil
    }

    private func checkFederatedAssertion(_ jwt: JWT, application: ApplicationRecord) -> CloudResponse? {
        let issuer = jwt.string("iss") ?? ""
        let subject = jwt.string("sub") ?? ""
        let byIssuer = application.federatedCredentials.filter { $0.issuer == issuer }
        guard !byIssuer.isEmpty else {
            return entraError(
                400, "invalid_request", 700211,
                "No matching federated identity record found for presented assertion issuer '\(issuer)'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion."
            )
        }
        guard let credential = byIssuer.first(where: { $0.subject == subject }) else {
            return entraError(
                400, "invalid_request", 700213,
                "No matching federated identity record found for presented assertion subject '\(subject)'. Please note that the matching is done using a case-sensitive comparison. Check your federated identity credential Subject, Audience and Issuer against the presented assertion."
            )
        }
        guard jwt.audiences.contains(where: credential.audiences.contains) else {
            return entraError(
                400, "invalid_request", 700212,
                "No matching federated identity record found for presented assertion audience '\(jwt.audiences.joined(separator: ","))'."
            )
        }
        // Only the local stand-in issuer's keys are known: there is no network to fetch others.
        guard issuer == IssuerRoutes.issuer, let key = try? cloud.keys.issuerKey.publicKey, jwt.verify(with: key) else {
            return entraError(400, "invalid_client", 700027, "Client assertion failed signature validation.")
        }
        return nil
    }

    // MARK: Discovery

    private func openIDConfiguration(_ state: CloudState, version: Int) -> CloudResponse {
        let tenantBase = context.base + "/" + state.tenantID
        let v2 = version == 2
        return .json(
            200,
            .object([
                ("token_endpoint", .string(tenantBase + (v2 ? "/oauth2/v2.0/token" : "/oauth2/token"))),
                (
                    "token_endpoint_auth_methods_supported",
                    .array(["client_secret_post", "private_key_jwt", "client_secret_basic"].map(JSONValue.string))
                ),
                ("jwks_uri", .string(tenantBase + (v2 ? "/discovery/v2.0/keys" : "/discovery/keys"))),
                ("response_modes_supported", .array(["query", "fragment", "form_post"].map(JSONValue.string))),
                ("subject_types_supported", .array([.string("pairwise")])),
                ("id_token_signing_alg_values_supported", .array([.string("RS256")])),
                (
                    "response_types_supported",
                    .array(["code", "id_token", "code id_token", "id_token token"].map(JSONValue.string))
                ),
                ("scopes_supported", .array(["openid", "profile", "email", "offline_access"].map(JSONValue.string))),
                ("issuer", .string(v2 ? tenantBase + "/v2.0" : "https://sts.windows.net/\(state.tenantID)/")),
                ("request_uri_parameter_supported", .bool(false)),
                ("authorization_endpoint", .string(tenantBase + (v2 ? "/oauth2/v2.0/authorize" : "/oauth2/authorize"))),
                ("device_authorization_endpoint", .string(tenantBase + "/oauth2/v2.0/devicecode")),
                ("tenant_region_scope", .string("WW")), ("cloud_instance_name", .string("microsoftonline.com")),
                ("cloud_graph_host_name", .string("graph.windows.net")),
                ("msgraph_host", .string("graph.microsoft.com")),
            ]), headers: [("Cache-Control", "max-age=86400, private")])
    }

    private func instanceDiscovery(_ state: CloudState) -> CloudResponse {
        let host = request.header("host") ?? "127.0.0.1"
        return .json(
            200,
            .object([
                (
                    "tenant_discovery_endpoint",
                    .string(context.base + "/\(state.tenantID)/v2.0/.well-known/openid-configuration")
                ),
                ("api-version", .string("1.1")),
                (
                    "metadata",
                    .array([
                        .object([
                            ("preferred_network", .string(host)), ("preferred_cache", .string(host)),
                            ("aliases", .array([.string(host)])),
                        ])
                    ])
                ),
            ]))
    }

    private func jwks(_ state: CloudState) -> CloudResponse {
        guard let publicKey = try? cloud.keys.tokenKey.publicKey else {
            return ErrorBody.arm(500, "InternalServerError", "no signing key")
        }
        let (modulus, exponent) = publicKey.components
        let kid = cloud.keys.keyID
        return .json(
            200,
            .object([
                (
                    "keys",
                    .array([
                        .object([
                            ("kty", .string("RSA")), ("use", .string("sig")), ("kid", .string(kid)),
                            ("x5t", .string(kid)),
                            ("n", .string(Base64URL.encode(modulus))), ("e", .string(Base64URL.encode(exponent))),
                            ("x5c", .array([.string(Base64.encode(cloud.keys.tokenCertificate.der))])),
                            ("issuer", .string(context.base + "/\(state.tenantID)/v2.0")),
                        ])
                    ])
                )
            ]))
    }
}

/// Mints the cloud's tokens: access tokens (ARM, Graph) and web-service tokens.
struct TokenMinter {
    let cloud: LocalCloud
    let state: CloudState
    let now: Double

    /// The `iss` of access tokens for `tenantID` (v1 tokens, as ARM and Graph receive them).
    static func issuer(tenantID: String) -> String { "https://sts.windows.net/\(tenantID)/" }

    func accessToken(audience: String, appID: String, objectID: String, authMethod: String) throws -> String {
        let issuer = Self.issuer(tenantID: state.tenantID)
        let claims = JSONValue.object([
            ("aud", .string(audience)), ("iss", .string(issuer)), ("iat", .number(now.rounded(.down))),
            ("nbf", .number(now.rounded(.down))), ("exp", .number((now + cloud.options.tokenLifetime).rounded(.down))),
            ("aio", .string("local")), ("appid", .string(appID)), ("appidacr", .string(authMethod)),
            ("idp", .string(issuer)),
            ("idtyp", .string("app")), ("oid", .string(objectID)), ("rh", .string("local")), ("sub", .string(objectID)),
            ("tid", .string(state.tenantID)), ("uti", .string(SecureRandom.uuid())), ("ver", .string("1.0")),
        ])
        // An app-only token for Graph carries the application permissions granted to the app in
        // `roles` (Entra omits the claim when there are none; learn.microsoft.com, "Access token
        // claims reference"): what preflight reads, and what GraphRoutes enforces.
        let granted = state.applications.first { $0.appID == appID }?.graphPermissions ?? []
        if Audience.graph.contains(audience), !granted.isEmpty, case .object(var pairs) = claims {
            pairs.append(("roles", .array(granted.sorted().map(JSONValue.string))))
            return try signed(.object(pairs))
        }
        return try signed(claims)
    }

    /// A token for one web service (what `POST …/services/{name}/token` returns), bound to that
    /// service instance (`instance` is its record id): a service deleted and created again under
    /// the same name does not take tokens issued for the old one.
    func serviceToken(serviceID: String, instance: String, objectID: String, lifetime: Double) throws -> String {
        try signed(
            .object([
                ("aud", .string(serviceID)), ("iss", .string("azureml-local")), ("iat", .number(now.rounded(.down))),
                ("nbf", .number(now.rounded(.down))), ("exp", .number((now + lifetime).rounded(.down))),
                ("oid", .string(objectID)), ("serviceInstance", .string(instance)),
                ("typ", .string("aml-service-token")),
            ]))
    }

    func signed(_ claims: JSONValue) throws -> String {
        let header = JSONValue.object([
            ("typ", .string("JWT")), ("alg", .string("RS256")), ("x5t", .string(cloud.keys.keyID)),
            ("kid", .string(cloud.keys.keyID)),
        ])
        return try JWT.sign(header: header, claims: claims, key: cloud.keys.tokenKey, algorithm: .rs256)
    }
}
