import AMLAuthCore
import AuthCrypto
import WireFormat

/// The principal behind a valid access token.
struct Caller: Sendable {
    var objectID: String
    var appID: String
    /// A person signed in through a public client (`idtyp` = `user`), not an application.
    var isUser = false
}

/// Validates `Authorization: Bearer …` the way each API does: signature by the cloud's key named
/// by `kid`, issuer (`iss`) of this tenant, tenant, audience of that API, not before (`nbf`) and
/// expiry, each with five minutes of clock skew as Entra allows; errors in that API's own shape.
enum BearerCheck {
    enum Style { case resourceManager, graph, keyVault }

    /// Clock skew allowed on `nbf`, as Entra and ARM allow (five minutes).
    static let clockSkew = 300.0

    static func authenticate(
        _ context: RequestContext, cloud: LocalCloud, tenantID: String, audiences: [String], style: Style
    ) -> Result<Caller, CloudResponse> {
        func fail(_ code: String, _ armMessage: String, _ graphMessage: String) -> Result<Caller, CloudResponse> {
            switch style {
            case .resourceManager:
                var response = ErrorBody.arm(401, code, armMessage)
                response.headers.append(
                    (
                        "WWW-Authenticate",
                        "Bearer authorization_uri=\"\(context.base)/\(tenantID)\", error=\"invalid_token\", error_description=\"\(armMessage)\""
                    ))
                return .failure(response)
            case .keyVault:
                // Key Vault's challenge names the tenant and the resource to ask a token for
                // (what azure-keyvault-secrets' challenge policy reads).
                var response = KeyVaultRoutes.error(401, "Unauthorized", "AKV10000: \(armMessage)")
                response.headers.append(
                    (
                        "WWW-Authenticate",
                        "Bearer authorization=\"\(context.base)/\(tenantID)\", resource=\"https://vault.azure.net\""
                    ))
                return .failure(response)
            case .graph:
                return .failure(
                    ErrorBody.graph(
                        401, "InvalidAuthenticationToken", graphMessage, requestID: context.requestID,
                        date: context.timestamp))
            }
        }
        guard let header = context.request.header("authorization"), header.lowercased().hasPrefix("bearer ") else {
            return fail(
                "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.",
                "Access token is empty.")
        }
        let token = String(header.dropFirst(7)).trimmingPrefix(" ")
        guard let jwt = JWT(parsing: String(token)), let key = try? cloud.keys.tokenKey.publicKey, jwt.verify(with: key)
        else {
            return fail(
                "InvalidAuthenticationToken", "The access token is invalid.",
                "Access token validation failure. Invalid signature.")
        }
        // The key the header names must be the key that signed: a token naming another key is
        // refused even when the signature checks (as `jwt.verify` by JWKS lookup would be).
        guard jwt.header["kid"]?.stringValue == cloud.keys.keyID else {
            return fail(
                "InvalidAuthenticationToken", "The access token is invalid. The signing key was not found.",
                "Access token validation failure. Invalid signing key.")
        }
        let issuer = TokenMinter.issuer(tenantID: tenantID)
        guard jwt.string("iss") == issuer else {
            return fail(
                "InvalidAuthenticationTokenTenant",
                "The access token is from the wrong issuer '\(jwt.string("iss") ?? "")'. It must match the tenant '\(issuer)' associated with this subscription.",
                "Access token validation failure. Invalid issuer.")
        }
        guard jwt.string("tid") == tenantID, let objectID = jwt.string("oid"), let appID = jwt.string("appid") else {
            return fail(
                "InvalidAuthenticationTokenTenant",
                "The access token is from the wrong issuer. It must match the tenant associated with this subscription.",
                "Access token validation failure. Invalid tenant.")
        }
        guard let audience = jwt.audiences.first, audiences.contains(audience) else {
            let allowed = audiences.map { "'\($0)'" }.joined(separator: ",")
            return fail(
                "InvalidAuthenticationTokenAudience",
                "The access token has been obtained for wrong audience or resource '\(jwt.audiences.first ?? "")'. It should exactly match with one of the allowed audiences \(allowed).",
                "Access token validation failure. Invalid audience.")
        }
        if let notBefore = jwt.number("nbf"), notBefore > context.now + Self.clockSkew {
            return fail(
                "InvalidAuthenticationToken",
                "The access token is not valid before UTC time '\(ISOTime.format(notBefore))'; current UTC time is '\(context.timestamp)'.",
                "Lifetime validation failed, the token is not yet valid.")
        }
        guard let expiry = jwt.number("exp"), expiry > context.now else {
            let expiry = jwt.number("exp") ?? 0
            return fail(
                "ExpiredAuthenticationToken",
                "The access token expiry UTC time '\(ISOTime.format(expiry))' is earlier than current UTC time '\(context.timestamp)'.",
                "Lifetime validation failed, the token is expired.")
        }
        return .success(Caller(objectID: objectID, appID: appID, isUser: jwt.string("idtyp") == "user"))
    }
}
