import AMLAuthCore
import WireFormat

/// Picks how amlauth logs in, first match wins (DESIGN.md §6): `AZURE_CREDENTIALS`; `AZURE_CLIENT_ID`
/// + `AZURE_TENANT_ID` with a secret, a certificate or a federated token file; GitHub Actions OIDC;
/// the person signed in with `amlauth login` for the tenant; the local cloud's bootstrap owner
/// (for `cloud: local`); the Azure CLI. For `cloud: local` the environment counts only when it names
/// the local cloud's tenant.
///
/// The `amlauth login` cache comes before the Azure CLI: it is amlauth's own, made for this tool
/// and tenant on purpose, while an `az login` may be for anything; `amlauth logout` steps back to
/// the Azure CLI. It comes after every environment credential, so CI (which sets them) is never
/// changed by a login cached on the same machine.
public enum CredentialChain {
    public struct Resolved: Sendable {
        public var credential: any TokenCredential
        /// A subscription the credential source names (sdk-auth files do).
        public var subscriptionID: String?
    }

    /// The local cloud's own owner, used when nothing else is given.
    public struct LocalBootstrap: Sendable {
        public var tenantID: String
        public var clientID: String
        public var clientSecret: String

        public init(tenantID: String, clientID: String, clientSecret: String) {
            self.tenantID = tenantID
            self.clientID = clientID
            self.clientSecret = clientSecret
        }

        var credential: ClientSecretCredential { credential(source: "local cloud bootstrap owner") }

        func credential(source: String) -> ClientSecretCredential {
            ClientSecretCredential(tenantID: tenantID, clientID: clientID, secret: clientSecret, source: source)
        }
    }

    /// A cached `amlauth login`, with what to do when Entra rotates its refresh token.
    public struct CachedLogin: Sendable {
        public var entry: LoginCache.Entry
        public var rotate: RefreshTokenCredential.Rotation

        public init(entry: LoginCache.Entry, rotate: @escaping RefreshTokenCredential.Rotation) {
            self.entry = entry
            self.rotate = rotate
        }

        var credential: RefreshTokenCredential {
            RefreshTokenCredential(account: entry.account, refreshToken: entry.refreshToken, rotate: rotate)
        }
    }

    /// - Parameter login: the `amlauth login` cache's entry for the tenant (the caller picks it by
    ///   the Target's or `AZURE_TENANT_ID`'s tenant), if any.
    public static func resolve(
        environment: [String: String], tenantID: String?, localBootstrap: LocalBootstrap?,
        login: CachedLogin? = nil
    ) throws(AzureError) -> Resolved {
        func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        // The embedded local cloud is its own tenant: `AZURE_*` variables exported for a real
        // tenant can never log in there, so its bootstrap owner is used unless the variables name
        // the local cloud's tenant (a principal created in it, as the whoami tests do).
        if let localBootstrap {
            let named = value("AZURE_CREDENTIALS").flatMap { try? JSONParser.parse($0) }?["tenantId"]?.stringValue
            if (named ?? value("AZURE_TENANT_ID"))?.lowercased() != localBootstrap.tenantID.lowercased() {
                if let login, login.entry.account.tenantID.lowercased() == localBootstrap.tenantID.lowercased() {
                    return Resolved(credential: login.credential)
                }
                var credential = localBootstrap.credential
                if named != nil || value("AZURE_CLIENT_ID") != nil {
                    credential = localBootstrap.credential(
                        source: "local cloud bootstrap owner (the AZURE_* variables are for another tenant)")
                }
                return Resolved(credential: credential)
            }
        }
        func failure(_ message: String) -> AzureError {
            AzureError(
                service: .credential, status: nil, code: "CredentialConfiguration", message: message,
                target: "credentials")
        }
        if let json = value("AZURE_CREDENTIALS") {
            guard let parsed = try? JSONParser.parse(json) else {
                throw failure(
                    "AZURE_CREDENTIALS is not valid JSON (expected the output of 'az ad sp create-for-rbac --sdk-auth')"
                )
            }
            guard let clientID = parsed["clientId"]?.stringValue,
                let tenant = parsed["tenantId"]?.stringValue ?? tenantID
            else {
                throw failure("AZURE_CREDENTIALS needs clientId and tenantId")
            }
            let subscription = parsed["subscriptionId"]?.stringValue
            if let secret = parsed["clientSecret"]?.stringValue {
                return Resolved(
                    credential: ClientSecretCredential(
                        tenantID: tenant, clientID: clientID, secret: secret,
                        source: "client secret from AZURE_CREDENTIALS"), subscriptionID: subscription)
            }
            if let path = parsed["clientCertificate"]?.stringValue {
                return Resolved(
                    credential: try ClientCertificateCredential(
                        tenantID: tenant, clientID: clientID, pemPath: path,
                        source: "certificate from AZURE_CREDENTIALS"), subscriptionID: subscription)
            }
            throw failure("AZURE_CREDENTIALS needs clientSecret or clientCertificate")
        }
        let tenant = value("AZURE_TENANT_ID") ?? tenantID
        if let clientID = value("AZURE_CLIENT_ID") {
            let explicit =
                value("AZURE_CLIENT_SECRET") != nil || value("AZURE_CLIENT_CERTIFICATE_PATH") != nil
                || value("AZURE_FEDERATED_TOKEN_FILE") != nil
            if explicit {
                guard let tenant else {
                    throw failure(
                        "AZURE_CLIENT_ID is set but the tenant is unknown: set AZURE_TENANT_ID (or tenant_id in the Target)"
                    )
                }
                if let secret = value("AZURE_CLIENT_SECRET") {
                    return Resolved(
                        credential: ClientSecretCredential(
                            tenantID: tenant, clientID: clientID, secret: secret,
                            source: "client secret from AZURE_CLIENT_SECRET"))
                }
                if let path = value("AZURE_CLIENT_CERTIFICATE_PATH") {
                    return Resolved(
                        credential: try ClientCertificateCredential(
                            tenantID: tenant, clientID: clientID, pemPath: path,
                            source: "certificate from AZURE_CLIENT_CERTIFICATE_PATH"))
                }
                if let path = value("AZURE_FEDERATED_TOKEN_FILE") {
                    return Resolved(
                        credential: FederatedCredential(
                            tenantID: tenant, clientID: clientID, assertion: .file(path),
                            source: "federated token from AZURE_FEDERATED_TOKEN_FILE"))
                }
            }
            if let url = value("ACTIONS_ID_TOKEN_REQUEST_URL"), let token = value("ACTIONS_ID_TOKEN_REQUEST_TOKEN") {
                guard let tenant else {
                    throw failure(
                        "GitHub Actions OIDC needs the tenant: set AZURE_TENANT_ID (or tenant_id in the Target)")
                }
                return Resolved(
                    credential: FederatedCredential(
                        tenantID: tenant, clientID: clientID,
                        assertion: .githubActions(requestURL: url, requestToken: token), source: "GitHub Actions OIDC"))
            }
        }
        if let login { return Resolved(credential: login.credential) }
        if let localBootstrap { return Resolved(credential: localBootstrap.credential) }
        if let az = AzureCLICredential.find(path: environment["PATH"]) {
            return Resolved(credential: AzureCLICredential(executable: az, tenantID: tenant))
        }
        throw failure(
            "no credential found: set AZURE_CREDENTIALS; or AZURE_CLIENT_ID and AZURE_TENANT_ID with AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH or AZURE_FEDERATED_TOKEN_FILE; or run in GitHub Actions with 'permissions: id-token: write' and AZURE_CLIENT_ID; or log in with 'amlauth login' or 'az login'"
        )
    }
}
