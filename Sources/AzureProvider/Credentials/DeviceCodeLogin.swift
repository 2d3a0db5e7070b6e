import AMLAuthCore
import AuthCrypto
import HTTPClient
import WireFormat

/// Who signed in with `amlauth login`: what the login cache keeps besides the refresh token.
public struct LoginAccount: Sendable, Equatable {
    public var tenantID: String
    /// The user principal name (`preferred_username` of the id token).
    public var username: String
    /// `{oid}.{tid}`, as MSAL names accounts (from `client_info`).
    public var homeAccountID: String
    /// The public client the refresh token was issued to.
    public var clientID: String

    public init(tenantID: String, username: String, homeAccountID: String, clientID: String) {
        self.tenantID = tenantID
        self.username = username
        self.homeAccountID = homeAccountID
        self.clientID = clientID
    }
}

/// Entra's device authorization grant (RFC 8628) for a person at a terminal: ask for a code, show
/// the message, poll the token endpoint until the person approves, declines or the code expires.
///
/// Polling follows MSAL for Python (`msal/oauth2cli/oauth2.py`, `Client.obtain_token_by_device_flow`
/// and `_obtain_token_by_device_flow`): wait `interval` seconds (default 5) between polls; keep
/// polling on `authorization_pending` and `slow_down`, and on `slow_down` add 5 seconds to the
/// interval for good (RFC 8628 §3.5); any other answer ends the flow; stop once `expires_in` has
/// passed. azure-identity's `DeviceCodeCredential` (`azure/identity/_credentials/device_code.py`)
/// delegates to that MSAL loop and turns a result without `access_token` into
/// `ClientAuthenticationError` with Entra's `error_description`, as `run` does here.
public struct DeviceCodeLogin: Sendable {
    /// What to show the person: Entra's `message` names the page and the code.
    public struct Prompt: Sendable {
        public var userCode: String
        public var verificationURI: String
        public var message: String
        public var expiresIn: Double
        public var interval: Double
    }

    /// A completed sign-in. `refreshToken` is a secret: it goes only to the login cache.
    public struct Outcome: Sendable {
        public var account: LoginAccount
        public var refreshToken: String
        public var accessToken: AccessToken
        /// The seconds slept between polls, in order (for tests of the polling rules).
        public var waits: [Double]
    }

    /// The Azure CLI's public client id, which every tenant knows; `--client-id` changes it.
    public static let azureCLIClientID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"

    public var client: TokenClient
    public var tenant: String
    public var clientID: String

    public init(client: TokenClient, tenant: String, clientID: String = DeviceCodeLogin.azureCLIClientID) {
        self.client = client
        self.tenant = tenant
        self.clientID = clientID
    }

    /// The scope asked for: ARM's, with `offline_access` so a refresh token comes back and
    /// `openid profile` for the account's name.
    var scope: String { TokenCache.scope(for: client.cloud.resourceManagerAudience) + " offline_access openid profile" }

    /// Signs in: asks for a device code, hands the prompt to `show`, and polls.
    public func run(show: @Sendable (Prompt) -> Void) async throws(AzureError) -> Outcome {
        let deviceURL = String(client.cloud.tokenURL(tenant: tenant).dropLast("token".count)) + "devicecode"
        let (status, start) = try await client.postForm(
            deviceURL, fields: [("client_id", clientID), ("scope", scope)])
        guard status == 200, let deviceCode = start["device_code"]?.stringValue,
            let userCode = start["user_code"]?.stringValue
        else { throw Self.failure(start, status: status, target: "POST \(deviceURL)", what: "could not start") }
        var interval = Self.number(start["interval"]) ?? 5
        let expiresIn = Self.number(start["expires_in"]) ?? 900
        let uri = start["verification_uri"]?.stringValue ?? ""
        show(
            Prompt(
                userCode: userCode, verificationURI: uri,
                message: start["message"]?.stringValue ?? "Open \(uri) and enter the code \(userCode) to sign in.",
                expiresIn: expiresIn, interval: interval))
        let deadline = client.runtime.now() + expiresIn
        var waits: [Double] = []
        let tokenURL = client.cloud.tokenURL(tenant: tenant)
        while true {
            do {
                try await client.runtime.sleep(interval)
            } catch {
                throw AzureError(
                    service: .credential, status: nil, code: "Cancelled", message: "sign-in cancelled",
                    target: "device code")
            }
            waits.append(interval)
            let (status, answer) = try await client.postForm(
                tokenURL,
                fields: [
                    ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"), ("client_id", clientID),
                    ("device_code", deviceCode), ("client_info", "1"),
                ])
            if status == 200 {
                return try outcome(answer, waits: waits, target: "POST \(tokenURL)")
            }
            switch answer["error"]?.stringValue {
            case "authorization_pending": break
            case "slow_down": interval += 5
            case "authorization_declined":
                throw AzureError(
                    service: .entra, status: status, code: "authorization_declined",
                    message: "the sign-in with code \(userCode) was declined", target: "POST \(tokenURL)")
            case "expired_token":
                throw AzureError(
                    service: .entra, status: status, code: "expired_token",
                    message: "the code \(userCode) expired before the sign-in was approved: run 'amlauth login' again",
                    target: "POST \(tokenURL)")
            default:
                throw Self.failure(answer, status: status, target: "POST \(tokenURL)", what: "sign-in failed")
            }
            if client.runtime.now() >= deadline {
                throw AzureError(
                    service: .entra, status: status, code: "expired_token",
                    message: "the code \(userCode) expired before the sign-in was approved: run 'amlauth login' again",
                    target: "POST \(tokenURL)")
            }
        }
    }

    private func outcome(_ answer: JSONValue, waits: [Double], target: String) throws(AzureError) -> Outcome {
        guard let access = answer["access_token"]?.stringValue, let refresh = answer["refresh_token"]?.stringValue
        else {
            throw AzureError(
                service: .entra, status: 200, code: "InvalidResponse",
                message: "the sign-in answer has no access_token or refresh_token (was offline_access granted?)",
                target: target)
        }
        let expiresIn = Self.number(answer["expires_in"]) ?? 3_600
        let token = AccessToken(token: access, expiresOn: client.runtime.now() + expiresIn)
        return Outcome(
            account: Self.account(answer, accessToken: access, tenant: tenant, clientID: clientID),
            refreshToken: refresh, accessToken: token, waits: waits)
    }

    /// The account from `client_info` (`uid`, `utid`) and the id token's `preferred_username`,
    /// falling back to the access token's `upn` and `oid` (read, not verified: they only name it).
    static func account(_ answer: JSONValue, accessToken: String, tenant: String, clientID: String) -> LoginAccount {
        let info = answer["client_info"]?.stringValue.flatMap(Base64URL.decode).flatMap { try? JSONParser.parse($0) }
        let idToken = answer["id_token"]?.stringValue.flatMap { JWT(parsing: $0) }
        let access = JWT(parsing: accessToken)
        let tenantID = info?["utid"]?.stringValue ?? access?.string("tid") ?? tenant
        let objectID = info?["uid"]?.stringValue ?? access?.string("oid") ?? "unknown"
        let username =
            idToken?.string("preferred_username") ?? access?.string("upn") ?? access?.string("unique_name")
            ?? objectID
        return LoginAccount(
            tenantID: tenantID, username: username, homeAccountID: "\(objectID).\(tenantID)", clientID: clientID)
    }

    static func number(_ value: JSONValue?) -> Double? {
        value?.numberValue ?? value?.stringValue.flatMap(Double.init)
    }

    /// Entra's error, by its code and the first line of its description (never the request body).
    static func failure(_ answer: JSONValue, status: Int, target: String, what: String) -> AzureError {
        let description = answer["error_description"]?.stringValue ?? answer["error"]?.stringValue ?? "HTTP \(status)"
        let first = description.split(separator: "\r\n").first.map(String.init) ?? description
        return AzureError(
            service: .entra, status: status, code: answer["error"]?.stringValue ?? "HTTP\(status)",
            message: "device-code sign-in \(what): \(first)", target: target)
    }
}

extension TokenClient {
    /// Posts a form to Entra and returns the status and JSON body, 400 and 401 included (the
    /// OAuth error answers the device-code and refresh-token flows read). Retries as token
    /// requests do.
    func postForm(_ url: String, fields: [(String, String)]) async throws(AzureError) -> (Int, JSONValue) {
        var request = AzurePipeline.Request("POST", url, service: .entra, audience: nil, accept: [400, 401])
        request.headers = [("Content-Type", "application/x-www-form-urlencoded")]
        request.body = Array(fields.map { "\(Self.encode($0.0))=\(Self.encode($0.1))" }.joined(separator: "&").utf8)
        request.idempotent = true
        let pipeline = AzurePipeline(transport: transport, tokens: nil, runtime: runtime, retry: retry, log: log)
        let response = try await pipeline.send(request)
        guard let json = try? JSONParser.parse(response.body) else {
            throw AzureError(
                service: .entra, status: response.status, code: "InvalidResponse",
                message: "the login endpoint's answer is not JSON", target: "POST \(url)")
        }
        return (response.status, json)
    }
}
