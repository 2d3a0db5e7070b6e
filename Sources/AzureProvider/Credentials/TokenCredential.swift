import AMLAuthCore
import AuthCrypto
import Foundation
public import HTTPClient
import WireFormat

/// A way for amlauth itself to log in. Implementations name their source for error messages
/// ("client secret from AZURE_CLIENT_SECRET"), never their secret.
public protocol TokenCredential: Sendable {
    /// Where the credential came from, for `whoami` and errors.
    var source: String { get }
    var clientID: String? { get }
    var tenantID: String? { get }
    func fetchToken(scope: String, client: TokenClient) async throws(AzureError) -> AccessToken
}

/// Posts client-credentials grants to the cloud's v2 token endpoint, with the retry policy.
public struct TokenClient: Sendable {
    public var cloud: AzureCloudEndpoints
    public var transport: any HTTPTransport
    public var runtime: Runtime
    public var retry: RetryPolicy
    public var log: (@Sendable (String) -> Void)?

    public init(
        cloud: AzureCloudEndpoints, transport: any HTTPTransport, runtime: Runtime = .system,
        retry: RetryPolicy = RetryPolicy(), log: (@Sendable (String) -> Void)? = nil
    ) {
        self.cloud = cloud
        self.transport = transport
        self.runtime = runtime
        self.retry = retry
        self.log = log
    }

    /// Sends the grant; failures name `source`, the client and the tenant, and keep Entra's code.
    func requestToken(
        tenant: String, clientID: String, scope: String, credentialFields: [(String, String)], source: String
    ) async throws(AzureError) -> AccessToken {
        let fields =
            [("grant_type", "client_credentials"), ("client_id", clientID), ("scope", scope)] + credentialFields
        var request = AzurePipeline.Request("POST", cloud.tokenURL(tenant: tenant), service: .entra, audience: nil)
        request.headers = [("Content-Type", "application/x-www-form-urlencoded")]
        request.body = Array(fields.map { "\(Self.encode($0.0))=\(Self.encode($0.1))" }.joined(separator: "&").utf8)
        // Token requests change nothing: safe to repeat, as azure-identity does.
        request.idempotent = true
        request.read = true
        let pipeline = AzurePipeline(transport: transport, tokens: nil, runtime: runtime, retry: retry, log: log)
        let json: JSONValue
        do {
            json = try await pipeline.json(request)
        } catch {
            var failure = error
            if error.status == nil {
                // No answer at all (DNS, connection, TLS, timeout): nothing was refused, the
                // login endpoint was never reached.
                let host =
                    RequestURL(cloud.tokenURL(tenant: tenant)).map { "\($0.host):\($0.port)" } ?? cloud.activeDirectory
                failure.message =
                    "could not reach \(host) to log in with \(source) for client '\(clientID)': \(error.message)"
            } else {
                failure.message =
                    "\(source) for client '\(clientID)' in tenant '\(tenant)' was refused: \(error.message)"
            }
            throw failure
        }
        guard let token = json["access_token"]?.stringValue else {
            throw AzureError(
                service: .entra, status: 200, code: "InvalidResponse",
                message: "the token response has no access_token", target: "POST \(cloud.tokenURL(tenant: tenant))")
        }
        let expiresIn = json["expires_in"]?.numberValue ?? json["expires_in"]?.stringValue.flatMap(Double.init) ?? 3_600
        return AccessToken(token: token, expiresOn: runtime.now() + expiresIn)
    }

    static func encode(_ text: String) -> String {
        var output = ""
        for byte in text.utf8 {
            if (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
                || "-._~".utf8.contains(byte)
            {
                output.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                output += String(format: "%%%02X", byte)
            }
        }
        return output
    }
}

/// A client secret (`AZURE_CLIENT_SECRET`, an sdk-auth file, the local cloud's bootstrap owner).
public struct ClientSecretCredential: TokenCredential {
    public let source: String
    public let clientID: String?
    public let tenantID: String?
    private let secret: String

    public init(tenantID: String, clientID: String, secret: String, source: String) {
        self.tenantID = tenantID
        self.clientID = clientID
        self.secret = secret
        self.source = source
    }

    public func fetchToken(scope: String, client: TokenClient) async throws(AzureError) -> AccessToken {
        try await client.requestToken(
            tenant: tenantID ?? "", clientID: clientID ?? "", scope: scope,
            credentialFields: [("client_secret", secret)], source: source)
    }
}

/// A certificate with its private key (`AZURE_CLIENT_CERTIFICATE_PATH`): a PS256 client assertion
/// with `x5t#S256`, as current Entra documentation and azure-identity send it.
public struct ClientCertificateCredential: TokenCredential {
    public let source: String
    public let clientID: String?
    public let tenantID: String?
    private let key: RSAPrivateKey
    private let certificate: Certificate

    public init(tenantID: String, clientID: String, pemPath: String, source: String) throws(AzureError) {
        guard let data = FileManager.default.contents(atPath: pemPath) else {
            throw AzureError(
                service: .credential, status: nil, code: "CertificateUnreadable",
                message: "\(source): cannot read '\(pemPath)'", target: "certificate")
        }
        let pem = String(decoding: data, as: UTF8.self)
        do {
            key = try RSAPrivateKey(pem: pem)
            certificate = try Certificate(pem: pem)
        } catch {
            throw AzureError(
                service: .credential, status: nil, code: "CertificateInvalid",
                message:
                    "\(source): '\(pemPath)' must hold an RSA private key and its certificate in PEM (\((error as? CryptoError)?.reason ?? "\(error)"))",
                target: "certificate")
        }
        self.tenantID = tenantID
        self.clientID = clientID
        self.source = source
    }

    public func fetchToken(scope: String, client: TokenClient) async throws(AzureError) -> AccessToken {
        let now = client.runtime.now().rounded(.down)
        let tenant = tenantID ?? ""
        let header = JSONValue.object([
            ("alg", .string("PS256")), ("typ", .string("JWT")),
            ("x5t#S256", .string(Base64URL.encode(certificate.sha256Thumbprint))),
        ])
        let claims = JSONValue.object([
            ("aud", .string(client.cloud.tokenURL(tenant: tenant))), ("iss", .string(clientID ?? "")),
            ("sub", .string(clientID ?? "")),
            ("jti", .string(SecureRandom.uuid())), ("nbf", .number(now)), ("iat", .number(now)),
            ("exp", .number(now + 600)),
        ])
        let assertion: String
        do {
            assertion = try JWT.sign(header: header, claims: claims, key: key, algorithm: .ps256)
        } catch {
            throw AzureError(
                service: .credential, status: nil, code: "SigningFailed", message: "\(source): \(error)",
                target: "certificate")
        }
        return try await client.requestToken(
            tenant: tenant, clientID: clientID ?? "", scope: scope,
            credentialFields: [
                ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"),
                ("client_assertion", assertion),
            ],
            source: source)
    }
}

/// Workload identity federation: an external ID token exchanged for an Entra token. The token
/// comes from a file (`AZURE_FEDERATED_TOKEN_FILE`, re-read each time) or GitHub Actions' OIDC
/// endpoint (`ACTIONS_ID_TOKEN_REQUEST_URL`).
public struct FederatedCredential: TokenCredential {
    public enum Assertion: Sendable {
        case file(String)
        case githubActions(requestURL: String, requestToken: String)
    }

    public let source: String
    public let clientID: String?
    public let tenantID: String?
    let assertion: Assertion

    public init(tenantID: String, clientID: String, assertion: Assertion, source: String) {
        self.tenantID = tenantID
        self.clientID = clientID
        self.assertion = assertion
        self.source = source
    }

    public func fetchToken(scope: String, client: TokenClient) async throws(AzureError) -> AccessToken {
        let token = try await externalToken(client: client)
        return try await client.requestToken(
            tenant: tenantID ?? "", clientID: clientID ?? "", scope: scope,
            credentialFields: [
                ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"),
                ("client_assertion", token),
            ],
            source: source)
    }

    private func externalToken(client: TokenClient) async throws(AzureError) -> String {
        switch assertion {
        case .file(let path):
            guard let data = FileManager.default.contents(atPath: path) else {
                throw AzureError(
                    service: .credential, status: nil, code: "FederatedTokenUnreadable",
                    message: "\(source): cannot read '\(path)'", target: "federated token")
            }
            return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        case .githubActions(let requestURL, let requestToken):
            let separator = requestURL.contains("?") ? "&" : "?"
            // Encoded as actions/toolkit's getIDToken does (encodeURIComponent); the audience is
            // the Target cloud's (audit D15).
            let audience = TokenClient.encode(client.cloud.tokenExchangeAudience)
            var request = AzurePipeline.Request(
                "GET", requestURL + separator + "audience=" + audience, service: .credential, audience: nil)
            request.headers = [("Authorization", "bearer \(requestToken)")]
            let pipeline = AzurePipeline(
                transport: client.transport, tokens: nil, runtime: client.runtime, retry: client.retry, log: client.log)
            guard let value = try await pipeline.json(request)["value"]?.stringValue else {
                throw AzureError(
                    service: .credential, status: 200, code: "InvalidResponse",
                    message: "\(source): the OIDC token response has no 'value'",
                    target: "GET ACTIONS_ID_TOKEN_REQUEST_URL")
            }
            return value
        }
    }
}

/// The Azure CLI's login (`az account get-access-token`), when `az` is installed.
public struct AzureCLICredential: TokenCredential {
    public let source = "Azure CLI (az account get-access-token)"
    public let clientID: String? = nil
    public let tenantID: String?
    let executable: String

    public init(executable: String, tenantID: String?) {
        self.executable = executable
        self.tenantID = tenantID
    }

    /// The `az` on PATH, if any.
    public static func find(path: String?) -> String? {
        for directory in (path ?? "").split(separator: ":") {
            let candidate = "\(directory)/az"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    public func fetchToken(scope: String, client: TokenClient) async throws(AzureError) -> AccessToken {
        let resource = String(scope.dropLast(".default".count))
        var arguments = ["account", "get-access-token", "--resource", resource, "--output", "json"]
        if let tenantID { arguments += ["--tenant", tenantID] }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        do { try process.run() } catch {
            throw AzureError(
                service: .credential, status: nil, code: "AzureCLIFailed",
                message: "cannot run \(executable): \(error)", target: "az")
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let problem = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0, let json = try? JSONParser.parse([UInt8](data)),
            let token = json["accessToken"]?.stringValue
        else {
            let reason =
                problem.split(separator: "\n").first.map(String.init) ?? "exit status \(process.terminationStatus)"
            throw AzureError(
                service: .credential, status: nil, code: "AzureCLIFailed",
                message: "az account get-access-token failed: \(reason) (run 'az login')", target: "az")
        }
        let expiresOn = json["expires_on"]?.numberValue ?? client.runtime.now() + 1_800
        return AccessToken(token: token, expiresOn: expiresOn)
    }
}
