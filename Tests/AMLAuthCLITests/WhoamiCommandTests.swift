import AMLAuthCore
import AuthCrypto
import AzureProvider
import Foundation
import HTTPClient
import LocalCloud
import LocalCloudServer
import TestSupport
import Testing
import WireFormat

/// `amlauth whoami` through the binary, against the local cloud a `cloud: local` Target starts
/// in-process, with every credential kind.
@Suite(.serialized)
struct WhoamiCommandTests {
    /// A copy of the quickstart in a temporary directory (its local cloud lives there too).
    static func quickstart() throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "amlauth-whoami-\(UUID().uuidString)"
        ).path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for file in ["amlauth.yaml", "webservices.yaml", "score.py"] {
            try FileManager.default.copyItem(
                atPath: Paths.packageRoot + "/examples/quickstart/" + file, toPath: directory + "/" + file)
        }
        return directory
    }

    struct Principal {
        var appID: String
        var tenant: String
        var secret: String
        var certificatePEMPath: String
        var keyPEM: String
        var federatedTokenPath: String
        var federatedToken: String
        var bootstrapSecret: String
    }

    /// Opens the directory's local cloud, creates a principal with a password, a certificate and a
    /// federated credential, and Reader on the subscription (so it may read its own assignments).
    static func makePrincipal(in directory: String) async throws -> Principal {
        let running = try await RunningLocalCloud.start(
            try LocalCloudInstance.open(dataDirectory: directory + "/.amlauth/local-cloud"))
        defer { Task { await running.stop() } }
        let (cloud, extras) = try AzureCloudEndpoints.parse(
            cloudFile: Array(await running.cloudFile.compact().utf8), path: "cloud")
        let transport = try CurlTransport(configuration: .init(extraCABundle: cloud.caCertificate))
        let bootstrap = ClientSecretCredential(
            tenantID: extras.tenantID!, clientID: extras.bootstrapClientID!, secret: extras.bootstrapClientSecret!,
            source: "test")
        let pipeline = AzurePipeline(
            transport: transport,
            tokens: TokenCache(credential: bootstrap, client: TokenClient(cloud: cloud, transport: transport)))
        let graph = GraphClient(pipeline: pipeline, cloud: cloud)
        let app = try await graph.createApplication(displayName: "ci-principal", tags: [])
        let appID = app.appID
        let objectID = app.id
        let sp = try await graph.createServicePrincipal(appID: appID, tags: [])
        let secret = try await graph.addPassword(applicationID: objectID, displayName: "ci", endDateTime: nil)
            .secretText
        let key = try RSAPrivateKey.generate()
        let certificate = try Certificate.issue(
            .init(commonName: "ci", days: 30, isCA: false), key: key, issuer: nil, issuerKey: key)
        try await graph.updateApplication(
            id: objectID, .keyCredentials([CertificateUpload(displayName: "ci", der: certificate.der)]))
        try await graph.createFederatedCredential(
            applicationID: objectID,
            DesiredFederatedCredential(
                name: "gh", issuer: IssuerRoutes.issuer, subject: "repo:contoso/ml:ref:refs/heads/main",
                audiences: ["api://AzureADTokenExchange"]))
        let authorization = AuthorizationClient(pipeline: pipeline, cloud: cloud)
        let scope = "/subscriptions/\(extras.subscriptionID!)"
        _ = try await authorization.createRoleAssignment(
            scope: scope, name: SecureRandom.uuid(), roleDefinitionGUID: "acdd72a7-3385-48ef-bd42-f606fba81ae7",
            principalID: sp.id,
            principalType: "ServicePrincipal", description: nil)
        let minted = try await transport.send(
            HTTPRequest(
                method: "GET",
                url: running.base + "/oidc-issuer/mint?subject=repo:contoso/ml:ref:refs/heads/main&lifetime=3600"))
        let federatedToken = (try JSONParser.parse(minted.body))["value"]!.stringValue!
        let certificatePath = directory + "/client.pem"
        let keyPEM = try key.pem()
        try (keyPEM + certificate.pem()).write(toFile: certificatePath, atomically: true, encoding: .utf8)
        let tokenPath = directory + "/federated.jwt"
        try federatedToken.write(toFile: tokenPath, atomically: true, encoding: .utf8)
        return Principal(
            appID: appID, tenant: extras.tenantID!, secret: secret, certificatePEMPath: certificatePath, keyPEM: keyPEM,
            federatedTokenPath: tokenPath, federatedToken: federatedToken,
            bootstrapSecret: extras.bootstrapClientSecret!)
    }

    @Test func bootstrapOwnerByDefault() throws {
        let directory = try Self.quickstart()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result = try CommandRunner.amlauth(["whoami", "--target", directory])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("cloud:         local (https://127.0.0.1:"))
        #expect(result.stdout.contains("credential:    local cloud bootstrap owner"))
        #expect(result.stdout.contains("  Owner  /subscriptions/"))
    }

    /// Issue 13 item 15: variables exported for a real tenant do not stop `cloud: local`.
    @Test func localCloudIgnoresVariablesForAnotherTenant() throws {
        let directory = try Self.quickstart()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let environment = [
            "AZURE_CLIENT_ID": "11111111-2222-3333-4444-555555555555",
            "AZURE_TENANT_ID": "66666666-7777-8888-9999-000000000000", "AZURE_CLIENT_SECRET": "not-a-local-secret",
            "AZURE_SUBSCRIPTION_ID": "66666666-7777-8888-9999-000000000001",
        ]
        let result = try CommandRunner.amlauth(["whoami", "--target", directory], environment: environment)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(
            result.stdout.contains(
                "credential:    local cloud bootstrap owner (the AZURE_* variables are for another tenant)"))
        let plan = try CommandRunner.amlauth(["plan", directory], environment: environment)
        #expect(plan.status == 0, "\(plan.stderr)")
    }

    /// Issue 13 item 17: a login endpoint that does not answer is "could not reach", not "refused".
    @Test func anUnreachableCloudIsNotARefusedCredential() async throws {
        let directory = try Self.quickstart()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let running = try await RunningLocalCloud.start(
            try LocalCloudInstance.open(dataDirectory: directory + "/.amlauth/local-cloud"))
        let cloudFile = await running.cloudFile
        let origin = try #require(cloudFile["endpoints"]?["activeDirectory"]?.stringValue)
        let tenant = try #require(cloudFile["tenantId"]?.stringValue)
        let subscription = try #require(cloudFile["subscriptionId"]?.stringValue)
        try cloudFile.serialized().write(toFile: directory + "/cloud.json", atomically: true, encoding: .utf8)
        await running.stop()  // the port now answers nothing
        let target = directory + "/amlauth.yaml"
        try String(contentsOfFile: target, encoding: .utf8).replacingOccurrences(
            of: "  cloud: local",
            with: "  tenant_id: \(tenant)\n  subscription_id: \(subscription)\n  cloud: cloud.json"
        ).write(toFile: target, atomically: true, encoding: .utf8)
        let result = try CommandRunner.amlauth(
            ["whoami", "--target", directory],
            environment: [
                "AZURE_CLIENT_ID": "11111111-2222-3333-4444-555555555555", "AZURE_TENANT_ID": tenant,
                "AZURE_CLIENT_SECRET": "unused",
            ])
        #expect(result.status == 1)
        let host = origin.replacingOccurrences(of: "https://", with: "")
        #expect(result.stderr.contains("could not reach \(host) to log in"), "\(result.stderr)")
        #expect(!result.stderr.contains("was refused"), "\(result.stderr)")
    }

    @Test func everyCredentialKindAndNoSecretInVerboseOutput() async throws {
        let directory = try Self.quickstart()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        _ = try CommandRunner.amlauth(["whoami", "--target", directory])  // creates the local cloud's data
        let principal = try await Self.makePrincipal(in: directory)
        let sdkAuth =
            #"{"clientId": "\#(principal.appID)", "clientSecret": "\#(principal.secret)", "tenantId": "\#(principal.tenant)"}"#
        let cases: [([String: String], String)] = [
            (
                [
                    "AZURE_CLIENT_ID": principal.appID, "AZURE_TENANT_ID": principal.tenant,
                    "AZURE_CLIENT_SECRET": principal.secret,
                ], "client secret from AZURE_CLIENT_SECRET"
            ),
            (
                [
                    "AZURE_CLIENT_ID": principal.appID, "AZURE_TENANT_ID": principal.tenant,
                    "AZURE_CLIENT_CERTIFICATE_PATH": principal.certificatePEMPath,
                ], "certificate from AZURE_CLIENT_CERTIFICATE_PATH"
            ),
            (
                [
                    "AZURE_CLIENT_ID": principal.appID, "AZURE_TENANT_ID": principal.tenant,
                    "AZURE_FEDERATED_TOKEN_FILE": principal.federatedTokenPath,
                ], "federated token from AZURE_FEDERATED_TOKEN_FILE"
            ),
            (["AZURE_CREDENTIALS": sdkAuth], "client secret from AZURE_CREDENTIALS"),
        ]
        let keyBody = principal.keyPEM.split(separator: "\n").dropFirst().first.map(String.init) ?? "?"
        for (environment, source) in cases {
            let result = try CommandRunner.amlauth(
                ["whoami", "--target", directory, "--verbose"], environment: environment)
            #expect(result.status == 0, "\(source): \(result.stderr.suffix(600))")
            #expect(result.stdout.contains("credential:    \(source)"))
            #expect(result.stdout.contains("client id:     \(principal.appID)"))
            #expect(result.stdout.contains("  Reader  /subscriptions/"), "\(result.stdout)")
            #expect(result.stderr.contains("→ 200"), "verbose logs the requests")
            for secret in [principal.secret, principal.bootstrapSecret, principal.federatedToken, keyBody] {
                #expect(!result.stdout.contains(secret) && !result.stderr.contains(secret), "\(source) leaked a secret")
            }
        }
    }

    @Test func wrongSecretIsSpecificAndSecretFree() async throws {
        let directory = try Self.quickstart()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        _ = try CommandRunner.amlauth(["whoami", "--target", directory])
        let principal = try await Self.makePrincipal(in: directory)
        let wrong = "xyz8Q~ThisIsNotTheSecretYouAreLookingFor_00"
        let result = try CommandRunner.amlauth(
            ["whoami", "--target", directory, "--verbose"],
            environment: [
                "AZURE_CLIENT_ID": principal.appID, "AZURE_TENANT_ID": principal.tenant, "AZURE_CLIENT_SECRET": wrong,
            ])
        #expect(result.status == 1)
        #expect(result.stderr.contains("AADSTS7000215"))
        #expect(result.stderr.contains("client secret from AZURE_CLIENT_SECRET for client '\(principal.appID)'"))
        #expect(!result.stderr.contains(wrong) && !result.stdout.contains(wrong))
    }

    @Test func invalidManifestsAreReportedNotConnected() throws {
        let result = try CommandRunner.amlauth(["whoami", "--target", "Tests/Fixtures/invalid/no-target"])
        #expect(result.stdout.hasSuffix("1 error, 0 warnings, 0 notes in 1 file (1 resource)\n"))
        #expect(result.status == 1)
        #expect(result.stdout.contains("error[AMLA302]"))
    }
}
