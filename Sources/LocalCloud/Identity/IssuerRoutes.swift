import AMLAuthCore
import AuthCrypto
import WireFormat

/// A stand-in OIDC identity provider (what GitHub Actions is in CI), so federated credentials can
/// be tested end to end: discovery, JWKS, and `POST /oidc-issuer/mint` to get an ID token for a
/// subject and audience. Test use only; it has no notion of a real workflow.
public struct IssuerRoutes {
    let cloud: LocalCloud
    let context: RequestContext

    /// The `iss` of the tokens it mints. Fixed rather than the serving URL, because an in-process
    /// local cloud gets a new port on every run and federated credentials must keep matching.
    /// It is an identifier only (`.invalid` never resolves): the cloud checks signatures in-process.
    public static let issuer = "https://oidc-issuer.local-cloud.invalid"

    func handle(_ rest: [String]) -> CloudResponse {
        let issuer = Self.issuer
        let served = context.base + "/oidc-issuer"
        switch (context.request.method, rest) {
        case ("GET", [".well-known", "openid-configuration"]):
            return .json(
                200,
                .object([
                    ("issuer", .string(issuer)), ("jwks_uri", .string(served + "/keys")),
                    ("subject_types_supported", .array([.string("public")])),
                    ("response_types_supported", .array([.string("id_token")])),
                    ("id_token_signing_alg_values_supported", .array([.string("RS256")])),
                    (
                        "claims_supported",
                        .array(["sub", "aud", "exp", "iat", "iss", "jti", "nbf"].map(JSONValue.string))
                    ),
                ]))
        case ("GET", ["keys"]):
            guard let key = try? cloud.keys.issuerKey.publicKey else {
                return ErrorBody.arm(500, "InternalServerError", "no issuer key")
            }
            let (n, e) = key.components
            return .json(
                200,
                .object([
                    (
                        "keys",
                        .array([
                            .object([
                                ("kty", .string("RSA")), ("use", .string("sig")), ("alg", .string("RS256")),
                                ("kid", .string("local-issuer")),
                                ("n", .string(Base64URL.encode(n))), ("e", .string(Base64URL.encode(e))),
                            ])
                        ])
                    )
                ]))
        case ("POST", ["mint"]), ("GET", ["mint"]):
            // POST with a JSON body, or GET with query parameters as GitHub's token URL is called.
            var json = (try? JSONParser.parse(context.request.body)) ?? .object([])
            for (name, value) in context.request.query where ["subject", "audience"].contains(name) {
                json = json.setting(name, to: .string(value))
            }
            if let lifetime = context.request.query("lifetime").flatMap(Double.init) {
                json = json.setting("lifetime", to: .number(lifetime))
            }
            guard let subject = json["subject"]?.stringValue else {
                return ErrorBody.arm(
                    400, "InvalidRequest",
                    "POST {\"subject\": \"repo:org/repo:ref:refs/heads/main\", \"audience\": \"api://AzureADTokenExchange\", \"lifetime\": 300}"
                )
            }
            let audience = json["audience"]?.stringValue ?? "api://AzureADTokenExchange"
            let lifetime = json["lifetime"]?.numberValue ?? 300
            let now = context.now.rounded(.down)
            let claims = JSONValue.object([
                ("iss", .string(issuer)), ("sub", .string(subject)), ("aud", .string(audience)), ("iat", .number(now)),
                ("nbf", .number(now)),
                ("exp", .number(now + lifetime)), ("jti", .string(SecureRandom.uuid())),
            ])
            let header = JSONValue.object([
                ("typ", .string("JWT")), ("alg", .string("RS256")), ("kid", .string("local-issuer")),
            ])
            guard
                let token = try? JWT.sign(header: header, claims: claims, key: cloud.keys.issuerKey, algorithm: .rs256)
            else {
                return ErrorBody.arm(500, "InternalServerError", "signing failed")
            }
            // The shape of GitHub's ACTIONS_ID_TOKEN_REQUEST_URL answer.
            return .json(200, .object([("count", .number(1)), ("value", .string(token))]))
        default:
            return ErrorBody.arm(404, "NotFound", "No issuer route '\(context.request.path)'.")
        }
    }
}
