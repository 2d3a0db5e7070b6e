import AMLAuthCore
import AuthCrypto
import AzureProvider
import Foundation
import HTTPClient
import LocalCloud
import TestSupport
import Testing
import WireFormat

/// Every credential kind against the local cloud over TLS through libcurl.
@Suite(.serialized)
struct CredentialTests {
    static let arm = "https://management.azure.com/"

    /// Creates an application and service principal through the Graph client; returns (app, SP id).
    func principal(_ connected: Connected, _ name: String) async throws -> (
        application: GraphApplication, objectID: String
    ) {
        let graph = GraphClient(pipeline: connected.pipeline(connected.bootstrapCredential()), cloud: connected.cloud)
        let application = try await graph.createApplication(displayName: name, tags: ["amlauth:test/\(name)"])
        let sp = try await graph.createServicePrincipal(appID: application.appID, tags: [])
        return (application, sp.id)
    }

    @Test func clientSecretTokensAreCachedAndShared() async throws {
        let connected = try await Connected.start()
        defer { Task { await connected.stop() } }
        let manual = ManualRuntime()
        let client = TokenClient(cloud: connected.cloud, transport: connected.transport, runtime: manual.runtime)
        let cache = TokenCache(credential: connected.bootstrapCredential(), client: client)
        let tokens = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<20 { group.addTask { try await cache.token(audience: Self.arm) } }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        #expect(tokens.count == 1)
        #expect(await cache.requestsMade == 1, "concurrent callers share one request")
        manual.advance(3600 - 299)
        _ = try await cache.token(audience: Self.arm)
        #expect(await cache.requestsMade == 2, "refreshed five minutes before expiry")
        _ = try await cache.token(audience: "https://graph.microsoft.com/")
        #expect(await cache.requestsMade == 3, "one token per scope")
    }

    @Test func wrongSecretNamesTheSourceAndCodeButNotTheSecret() async throws {
        let connected = try await Connected.start()
        defer { Task { await connected.stop() } }
        let secret = "abc8Q~NotTheRightSecretAtAllxxxxxxxxxxxxx"
        let cache = TokenCache(
            credential: connected.bootstrapCredential(secret: secret),
            client: TokenClient(cloud: connected.cloud, transport: connected.transport))
        await #expect {
            _ = try await cache.token(audience: Self.arm)
        } throws: { error in
            let text = "\(error)"
            return (error as? AzureError)?.code == "AADSTS7000215" && text.contains("test bootstrap secret")
                && text.contains("AADSTS7000215")
                && !text.contains(secret) && (error as? AzureError)?.status == 401
        }
    }

    @Test func certificateCredential() async throws {
        let connected = try await Connected.start()
        defer { Task { await connected.stop() } }
        let (application, objectID) = try await principal(connected, "cert-app")
        let key = try RSAPrivateKey.generate()
        let certificate = try Certificate.issue(
            .init(commonName: "cert-app", days: 30, isCA: false), key: key, issuer: nil, issuerKey: key)
        let graph = GraphClient(pipeline: connected.pipeline(connected.bootstrapCredential()), cloud: connected.cloud)
        try await graph.updateApplication(
            id: application.id, .keyCredentials([CertificateUpload(displayName: "test", der: certificate.der)]))
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "amlauth-cert-\(UUID().uuidString).pem"
        ).path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try (try key.pem() + certificate.pem()).write(toFile: path, atomically: true, encoding: .utf8)
        let credential = try ClientCertificateCredential(
            tenantID: connected.tenant, clientID: application.appID, pemPath: path, source: "certificate from test")
        let token = try await TokenCache(
            credential: credential, client: TokenClient(cloud: connected.cloud, transport: connected.transport)
        ).accessToken(audience: Self.arm)
        #expect(token.objectID == objectID)
    }

    @Test func federatedTokenFileAndGitHubActionsOIDC() async throws {
        let connected = try await Connected.start()
        defer { Task { await connected.stop() } }
        let (application, objectID) = try await principal(connected, "ci-app")
        let appID = application.appID
        let graph = GraphClient(pipeline: connected.pipeline(connected.bootstrapCredential()), cloud: connected.cloud)
        try await graph.createFederatedCredential(
            applicationID: application.id,
            DesiredFederatedCredential(
                name: "github-main", issuer: IssuerRoutes.issuer, subject: "repo:contoso/ml:ref:refs/heads/main",
                audiences: ["api://AzureADTokenExchange"]))
        let mintURL =
            connected.live.base + "/oidc-issuer/mint?subject="
            + FormEncoding.percentEncode("repo:contoso/ml:ref:refs/heads/main")

        // GitHub Actions: amlauth calls ACTIONS_ID_TOKEN_REQUEST_URL&audience=… itself.
        let resolved = try CredentialChain.resolve(
            environment: [
                "AZURE_CLIENT_ID": appID, "AZURE_TENANT_ID": connected.tenant,
                "ACTIONS_ID_TOKEN_REQUEST_URL": mintURL, "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "runner-token",
            ], tenantID: nil, localBootstrap: nil)
        #expect(resolved.credential.source == "GitHub Actions OIDC")
        let client = TokenClient(cloud: connected.cloud, transport: connected.transport)
        #expect(
            try await TokenCache(credential: resolved.credential, client: client).accessToken(audience: Self.arm)
                .objectID == objectID)

        // A token file, as a Kubernetes workload identity would provide.
        let minted = try await connected.transport.send(
            HTTPRequest(method: "GET", url: mintURL + "&audience=api://AzureADTokenExchange"))
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("amlauth-fed-\(UUID().uuidString)")
            .path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try (try JSONParser.parse(minted.body))["value"]!.stringValue!.write(
            toFile: path, atomically: true, encoding: .utf8)
        let fromFile = try CredentialChain.resolve(
            environment: ["AZURE_CLIENT_ID": appID, "AZURE_FEDERATED_TOKEN_FILE": path], tenantID: connected.tenant,
            localBootstrap: nil)
        #expect(fromFile.credential.source == "federated token from AZURE_FEDERATED_TOKEN_FILE")
        #expect(
            try await TokenCache(credential: fromFile.credential, client: client).accessToken(audience: Self.arm)
                .objectID == objectID)

        // A subject the application does not trust.
        let wrong = FederatedCredential(
            tenantID: connected.tenant, clientID: appID,
            assertion: .githubActions(
                requestURL: connected.live.base + "/oidc-issuer/mint?subject=repo:contoso/ml:pull_request",
                requestToken: "t"),
            source: "GitHub Actions OIDC")
        await #expect {
            _ = try await TokenCache(credential: wrong, client: client).token(audience: Self.arm)
        } throws: { error in
            (error as? AzureError)?.code == "AADSTS700213"
        }
    }

    /// The exchanged token carries the cloud's token-exchange audience, URL-encoded (audit D15).
    @Test func githubOIDCAsksForTheCloudsExchangeAudience() async throws {
        let connected = try await Connected.start()
        defer { Task { await connected.stop() } }
        let (application, objectID) = try await principal(connected, "gov-ci-app")
        let graph = GraphClient(pipeline: connected.pipeline(connected.bootstrapCredential()), cloud: connected.cloud)
        try await graph.createFederatedCredential(
            applicationID: application.id,
            DesiredFederatedCredential(
                name: "github-main", issuer: IssuerRoutes.issuer, subject: "repo:contoso/ml:ref:refs/heads/main",
                audiences: ["api://AzureADTokenExchangeUSGov"]))
        var sovereign = connected.cloud
        sovereign.tokenExchangeAudience = AzureCloudEndpoints.azureUSGovernment.tokenExchangeAudience
        let credential = FederatedCredential(
            tenantID: connected.tenant, clientID: application.appID,
            assertion: .githubActions(
                requestURL: connected.live.base + "/oidc-issuer/mint?subject="
                    + FormEncoding.percentEncode("repo:contoso/ml:ref:refs/heads/main"),
                requestToken: "runner-token"),
            source: "GitHub Actions OIDC")
        let client = TokenClient(cloud: sovereign, transport: connected.transport)
        #expect(
            try await TokenCache(credential: credential, client: client).accessToken(audience: Self.arm).objectID
                == objectID)
    }

    @Test func chainOrderAndConfigurationErrors() throws {
        let bootstrap = CredentialChain.LocalBootstrap(tenantID: "t", clientID: "c", clientSecret: "s")
        let sdkAuth = #"{"clientId": "a", "clientSecret": "b", "tenantId": "t", "subscriptionId": "s1"}"#
        let fromSDKAuth = try CredentialChain.resolve(
            environment: ["AZURE_CREDENTIALS": sdkAuth, "AZURE_CLIENT_ID": "x", "AZURE_CLIENT_SECRET": "y"],
            tenantID: nil, localBootstrap: bootstrap)
        #expect(fromSDKAuth.credential.source == "client secret from AZURE_CREDENTIALS")
        #expect(fromSDKAuth.subscriptionID == "s1")
        #expect(
            try CredentialChain.resolve(
                environment: ["AZURE_CLIENT_ID": "x", "AZURE_CLIENT_SECRET": "y", "AZURE_TENANT_ID": "t"],
                tenantID: "t", localBootstrap: bootstrap
            ).credential.source == "client secret from AZURE_CLIENT_SECRET")
        // Variables exported for another tenant (or naming none) never reach the local cloud.
        for tenant in ["other-tenant", ""] {
            #expect(
                try CredentialChain.resolve(
                    environment: ["AZURE_CLIENT_ID": "x", "AZURE_CLIENT_SECRET": "y", "AZURE_TENANT_ID": tenant],
                    tenantID: "t", localBootstrap: bootstrap
                ).credential.source.hasPrefix("local cloud bootstrap owner"))
        }
        #expect(
            try CredentialChain.resolve(environment: [:], tenantID: nil, localBootstrap: bootstrap).credential.source
                == "local cloud bootstrap owner")
        #expect(throws: AzureError.self) {
            try CredentialChain.resolve(
                environment: ["AZURE_CLIENT_ID": "x", "AZURE_CLIENT_SECRET": "y"], tenantID: nil, localBootstrap: nil)
        }
        #expect(throws: AzureError.self) {
            try CredentialChain.resolve(environment: ["AZURE_CREDENTIALS": "{"], tenantID: nil, localBootstrap: nil)
        }
        #expect {
            try CredentialChain.resolve(environment: ["PATH": "/nonexistent"], tenantID: nil, localBootstrap: nil)
        } throws: { error in
            "\(error)".contains("no credential found") && "\(error)".contains("AZURE_CREDENTIALS")
        }
        #expect {
            try CredentialChain.resolve(
                environment: [
                    "AZURE_CLIENT_ID": "x", "AZURE_TENANT_ID": "t", "AZURE_CLIENT_CERTIFICATE_PATH": "/nonexistent.pem",
                ], tenantID: nil, localBootstrap: nil)
        } throws: { error in
            (error as? AzureError)?.code == "CertificateUnreadable"
        }
    }
}
