import AMLAuthCore
import AuthCrypto
import Synchronization
import WireFormat

/// Public clients people sign in with: first-party applications that exist in every tenant (they
/// are not app registrations of this one), by client id.
enum PublicClients {
    static let known: [String: String] = [
        "04b07795-8ddb-461a-bbee-02f9e1bf7b46": "Microsoft Azure CLI",
        "1950a258-227b-4e31-a9cf-717495945fc2": "Microsoft Azure PowerShell",
    ]
}

/// Device codes issued and not yet redeemed, in memory: a sign-in lasts one process's lifetime,
/// as the polling client and the person approving talk to the same running cloud.
final class DeviceCodes: Sendable {
    enum Decision: Sendable, Equatable {
        case pending
        case approved(userID: String)
        case declined
    }

    struct Entry: Sendable {
        var deviceCode: String
        var userCode: String
        var clientID: String
        var scope: String
        var expiresAt: Double
        var decision: Decision = .pending
        /// Answer the next poll with `slow_down` (set by the admin route, to test clients).
        var slowDown = false
    }

    private let entries = Mutex<[String: Entry]>([:])

    func add(_ entry: Entry) { entries.withLock { $0[entry.deviceCode] = entry } }

    func entry(deviceCode: String) -> Entry? { entries.withLock { $0[deviceCode] } }

    func remove(deviceCode: String) { _ = entries.withLock { $0.removeValue(forKey: deviceCode) } }

    /// Changes the entry with `userCode` (case-insensitive); false when there is none.
    func update(userCode: String, _ change: (inout Entry) -> Void) -> Bool {
        entries.withLock { table in
            guard let key = table.first(where: { $0.value.userCode == userCode.uppercased() })?.key else {
                return false
            }
            change(&table[key]!)
            return true
        }
    }

    /// Takes back `slowDown` once it has been answered.
    func clearSlowDown(deviceCode: String) { entries.withLock { $0[deviceCode]?.slowDown = false } }
}

/// Entra's device authorization grant (RFC 8628) and refresh-token grant for people:
/// `POST /{tenant}/oauth2/v2.0/devicecode`, then the token endpoint with
/// `grant_type=urn:ietf:params:oauth:grant-type:device_code` (answering `authorization_pending`,
/// `slow_down`, `authorization_declined`, `expired_token` until the person decides) and
/// `grant_type=refresh_token`. Tokens carry the user's `oid`, `upn` and the requested audience.
struct DeviceCodeRoutes {
    let cloud: LocalCloud
    let context: RequestContext
    var request: CloudRequest { context.request }

    static let deviceCodeGrant = "urn:ietf:params:oauth:grant-type:device_code"
    /// Seconds a device code is good for (Entra: 900).
    static let codeLifetime = 900.0
    /// Seconds between polls the cloud asks for. Entra asks 5; the local cloud asks 1 so sign-ins in
    /// tests and try-outs are quick.
    static let pollInterval = 1
    /// Refresh tokens are good for 90 days (Entra's default for public clients), and rotate on use.
    static let refreshLifetime = 90.0 * 86_400
    static let refreshTokenType = "amlauth-local-refresh"

    private func entraError(_ status: Int, _ error: String, _ code: Int, _ message: String) -> CloudResponse {
        ErrorBody.entra(
            status, error, code: code, message, traceID: context.requestID,
            timestamp: context.timestamp.replacing("T", with: " "))
    }

    /// The one resource among `scope`'s values (`https://management.azure.com/.default`), ignoring
    /// the OpenID scopes; nil when there is none.
    static func resource(in scope: String) -> String? {
        let openID: Set<String> = ["openid", "profile", "offline_access", "email"]
        let resources = scope.split(separator: " ").map(String.init).filter { !openID.contains($0) }
        guard resources.count == 1, let only = resources.first, only.hasSuffix("/.default") else { return nil }
        return String(only.dropLast("/.default".count))
    }

    private func clientKnown(_ clientID: String, state: CloudState) -> Bool {
        PublicClients.known[clientID.lowercased()] != nil
            || state.applications.contains { $0.appID == clientID.lowercased() }
    }

    // MARK: Device authorization

    func deviceCode(state: CloudState) -> CloudResponse {
        let form = request.form
        guard let clientID = form["client_id"], !clientID.isEmpty else {
            return entraError(
                400, "invalid_request", 900144, "The request body must contain the following parameter: 'client_id'.")
        }
        guard clientKnown(clientID, state: state) else {
            return entraError(
                400, "unauthorized_client", 700016,
                "Application with identifier '\(clientID)' was not found in the directory '\(state.tenantDomain)'.")
        }
        guard let scope = form["scope"],
            Self.resource(in: scope).flatMap({ Audience.forResource($0, base: context.base) }) != nil
        else {
            return entraError(
                400, "invalid_scope", 70011,
                "The provided value for the input parameter 'scope' is not valid: name one resource's /.default scope."
            )
        }
        let userCode = Self.makeUserCode()
        let deviceCode = Base64URL.encode(SecureRandom.bytes(48))
        cloud.deviceCodes.add(
            DeviceCodes.Entry(
                deviceCode: deviceCode, userCode: userCode, clientID: clientID.lowercased(), scope: scope,
                expiresAt: context.now + Self.codeLifetime))
        let uri = context.base + "/_local/devicelogin"
        return .json(
            200,
            .object([
                ("user_code", .string(userCode)), ("device_code", .string(deviceCode)),
                ("verification_uri", .string(uri)), ("expires_in", .number(Self.codeLifetime)),
                ("interval", .number(Double(Self.pollInterval))),
                (
                    "message",
                    .string(
                        "To sign in, use a web browser to open the page \(uri) and enter the code \(userCode) to authenticate."
                    )
                ),
            ]), headers: [("Cache-Control", "no-store, no-cache")])
    }

    /// Nine letters and digits without look-alikes, as Entra's user codes are.
    static func makeUserCode() -> String {
        let alphabet = Array("ABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        return String(SecureRandom.bytes(9).map { alphabet[Int($0) % alphabet.count] })
    }

    // MARK: Token grants

    func token(grant: String, state: CloudState) -> CloudResponse {
        let form = request.form
        guard let clientID = form["client_id"]?.lowercased(), !clientID.isEmpty else {
            return entraError(
                400, "invalid_request", 900144, "The request body must contain the following parameter: 'client_id'.")
        }
        if grant == Self.deviceCodeGrant { return redeemDeviceCode(clientID: clientID, form: form, state: state) }
        return redeemRefreshToken(clientID: clientID, form: form, state: state)
    }

    private func redeemDeviceCode(clientID: String, form: [String: String], state: CloudState) -> CloudResponse {
        guard let code = form["device_code"], let entry = cloud.deviceCodes.entry(deviceCode: code),
            entry.clientID == clientID
        else {
            return entraError(400, "invalid_grant", 70000, "The provided value for 'device_code' is not valid.")
        }
        guard entry.expiresAt > context.now else {
            cloud.deviceCodes.remove(deviceCode: code)
            return entraError(400, "expired_token", 70019, "Verification code expired.")
        }
        if entry.slowDown {
            cloud.deviceCodes.clearSlowDown(deviceCode: code)
            return entraError(400, "slow_down", 70016, "OAuth 2.0 device flow error. Polling too frequently.")
        }
        switch entry.decision {
        case .pending:
            return entraError(
                400, "authorization_pending", 70016, "OAuth 2.0 device flow error. Authorization is pending.")
        case .declined:
            cloud.deviceCodes.remove(deviceCode: code)
            return entraError(400, "authorization_declined", 70000, "The user declined the sign-in request.")
        case .approved(let userID):
            cloud.deviceCodes.remove(deviceCode: code)
            guard let user = state.users?.first(where: { $0.id == userID }) else {
                return entraError(400, "invalid_grant", 50034, "The user account does not exist in the directory.")
            }
            return issue(user: user, clientID: clientID, scope: entry.scope, state: state)
        }
    }

    private func redeemRefreshToken(clientID: String, form: [String: String], state: CloudState) -> CloudResponse {
        func invalid(_ message: String) -> CloudResponse { entraError(400, "invalid_grant", 9_002_313, message) }
        guard let text = form["refresh_token"], let jwt = JWT(parsing: text),
            let key = try? cloud.keys.tokenKey.publicKey, jwt.verify(with: key),
            jwt.string("typ") == Self.refreshTokenType, jwt.string("tid") == state.tenantID
        else { return invalid("Invalid request. The refresh token is malformed or was not issued by this tenant.") }
        guard jwt.string("cid") == clientID else {
            return invalid("The refresh token was issued to a different client.")
        }
        guard let expiry = jwt.number("exp"), expiry > context.now else {
            return entraError(
                400, "invalid_grant", 700082, "The refresh token has expired due to inactivity. Sign in again.")
        }
        guard let user = state.users?.first(where: { $0.id == jwt.string("oid") }) else {
            return entraError(400, "invalid_grant", 50034, "The user account does not exist in the directory.")
        }
        guard let scope = form["scope"] else {
            return entraError(
                400, "invalid_request", 900144, "The request body must contain the following parameter: 'scope'.")
        }
        return issue(user: user, clientID: clientID, scope: scope, state: state)
    }

    /// An access token for the scope's resource, a new refresh token, and the account (id token,
    /// `client_info`), as Entra answers a public client.
    private func issue(user: UserRecord, clientID: String, scope: String, state: CloudState) -> CloudResponse {
        guard let resource = Self.resource(in: scope), let audience = Audience.forResource(resource, base: context.base)
        else {
            return entraError(
                400, "invalid_scope", 70011, "The provided value for the input parameter 'scope' is not valid.")
        }
        let minter = TokenMinter(cloud: cloud, state: state, now: context.now)
        let now = context.now.rounded(.down)
        do {
            let access = try minter.userAccessToken(audience: audience, user: user, clientID: clientID)
            let refresh = try minter.signed(
                .object([
                    ("typ", .string(Self.refreshTokenType)), ("tid", .string(state.tenantID)),
                    ("oid", .string(user.id)), ("cid", .string(clientID)), ("iat", .number(now)),
                    ("exp", .number(now + Self.refreshLifetime)), ("jti", .string(SecureRandom.uuid())),
                ]))
            let idToken = try minter.signed(
                .object([
                    ("aud", .string(clientID)), ("iss", .string(context.base + "/\(state.tenantID)/v2.0")),
                    ("iat", .number(now)), ("nbf", .number(now)), ("exp", .number(now + 3_600)),
                    ("oid", .string(user.id)), ("sub", .string(user.id)), ("tid", .string(state.tenantID)),
                    ("name", .string(user.displayName)), ("preferred_username", .string(user.userPrincipalName)),
                    ("ver", .string("2.0")),
                ]))
            let clientInfo = Base64URL.encode(
                Array(JSONValue.object([("uid", .string(user.id)), ("utid", .string(state.tenantID))]).compact().utf8))
            let lifetime = Double(Int(cloud.options.tokenLifetime))
            return .json(
                200,
                .object([
                    ("token_type", .string("Bearer")), ("scope", .string(resource + "/user_impersonation")),
                    ("expires_in", .number(lifetime)), ("ext_expires_in", .number(lifetime)),
                    ("access_token", .string(access)), ("refresh_token", .string(refresh)),
                    ("id_token", .string(idToken)), ("client_info", .string(clientInfo)),
                ]), headers: [("Cache-Control", "no-store, no-cache"), ("Pragma", "no-cache")])
        } catch {
            return entraError(500, "temporarily_unavailable", 50000, "There was an error issuing a token.")
        }
    }

    // MARK: The sign-in page, for tests

    /// `POST /_local/devicelogin` with `user_code` and `action` (`approve`, `decline`, `expire`,
    /// `slow_down`) and optionally `user` (a user principal name; default the first user): what a
    /// person does on Entra's device-login page. Only the cloud's bootstrap owner may do it
    /// (HTTP Basic with its client id and secret): signing someone in is the owner's business.
    func admin(state: CloudState) -> CloudResponse {
        guard request.method == "POST" else {
            return .json(
                200,
                .object([
                    (
                        "message",
                        .string(
                            "POST user_code, action=approve|decline|expire|slow_down and user=UPN here, with the bootstrap owner's credentials as HTTP Basic."
                        )
                    )
                ]))
        }
        guard let header = request.header("authorization"), header.lowercased().hasPrefix("basic "),
            let decoded = Base64URL.decode(String(header.dropFirst(6))).map({ String(decoding: $0, as: UTF8.self) }),
            decoded == state.bootstrapClientID + ":" + state.bootstrapClientSecret
        else {
            return ErrorBody.arm(
                401, "AuthenticationFailed", "The device-login page needs the bootstrap owner's credentials.")
        }
        let form = request.form
        guard let userCode = form["user_code"], let action = form["action"] else {
            return ErrorBody.arm(400, "BadRequest", "user_code and action are required.")
        }
        let users = state.users ?? []
        let named = form["user"].map { upn in users.first { $0.userPrincipalName.lowercased() == upn.lowercased() } }
        guard let user = named ?? users.first else {
            return ErrorBody.arm(404, "NotFound", "No such user '\(form["user"] ?? "")'.")
        }
        let now = context.now
        let found = cloud.deviceCodes.update(userCode: userCode) { entry in
            switch action {
            case "approve": entry.decision = .approved(userID: user.id)
            case "decline": entry.decision = .declined
            case "expire": entry.expiresAt = now - 1
            default: entry.slowDown = true
            }
        }
        guard ["approve", "decline", "expire", "slow_down"].contains(action) else {
            return ErrorBody.arm(400, "BadRequest", "action is approve, decline, expire or slow_down.")
        }
        guard found else { return ErrorBody.arm(404, "NotFound", "No pending sign-in with code '\(userCode)'.") }
        return .json(200, .object([("user", .string(user.userPrincipalName)), ("action", .string(action))]))
    }
}

extension TokenMinter {
    /// An access token for a person signed in through public client `clientID` (delegated:
    /// `idtyp` user, `scp`, `upn`).
    func userAccessToken(audience: String, user: UserRecord, clientID: String) throws -> String {
        let issuer = Self.issuer(tenantID: state.tenantID)
        // ARM's delegated scope is `user_impersonation`; a Graph token for the Azure CLI's client
        // carries its pre-authorised delegated permissions, `Directory.AccessAsUser.All` among them
        // (what the user may do is then the user's directory roles). The exact list real Entra
        // sends is UNVERIFIED; these are the ones amlauth's preflight reads.
        let scopes =
            Audience.graph.contains(audience)
            ? "Application.ReadWrite.All Directory.AccessAsUser.All User.Read" : "user_impersonation"
        return try signed(
            .object([
                ("aud", .string(audience)), ("iss", .string(issuer)), ("iat", .number(now.rounded(.down))),
                ("nbf", .number(now.rounded(.down))),
                ("exp", .number((now + cloud.options.tokenLifetime).rounded(.down))),
                ("acr", .string("1")), ("amr", .array([.string("pwd")])), ("appid", .string(clientID)),
                ("appidacr", .string("0")), ("idp", .string(issuer)), ("idtyp", .string("user")),
                ("name", .string(user.displayName)), ("oid", .string(user.id)),
                ("scp", .string(scopes)), ("sub", .string(user.id)), ("tid", .string(state.tenantID)),
                ("unique_name", .string(user.userPrincipalName)), ("upn", .string(user.userPrincipalName)),
                ("uti", .string(SecureRandom.uuid())), ("ver", .string("1.0")),
            ]))
    }
}
