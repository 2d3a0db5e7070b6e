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

/// An unowned object that matches a manifest is shown, never taken silently; --adopt takes it.
@Suite(.serialized)
struct AdoptionTests {
    @Test func unownedApplicationIsAdoptedOnlyWhenAsked() async throws {
        let directory = try WhoamiCommandTests.quickstart()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        _ = try CommandRunner.amlauth(["whoami", "--target", directory])
        // Someone made an application called ml-auth by hand.
        let running = try await RunningLocalCloud.start(
            try LocalCloudInstance.open(dataDirectory: directory + "/.amlauth/local-cloud"))
        let (cloud, extras) = try AzureCloudEndpoints.parse(
            cloudFile: Array(await running.cloudFile.compact().utf8), path: "cloud")
        let transport = try CurlTransport(configuration: .init(extraCABundle: cloud.caCertificate))
        let credential = ClientSecretCredential(
            tenantID: extras.tenantID!, clientID: extras.bootstrapClientID!, secret: extras.bootstrapClientSecret!,
            source: "test")
        let graph = GraphClient(
            pipeline: AzurePipeline(
                transport: transport,
                tokens: TokenCache(credential: credential, client: TokenClient(cloud: cloud, transport: transport))),
            cloud: cloud)
        let handmade = try await graph.createApplication(displayName: "ml-auth", tags: ["team:ml"])
        // ...with a certificate of its own, which amlauth must never drop.
        let key = try RSAPrivateKey.generate()
        let certificate = try Certificate.issue(
            .init(commonName: "handmade", days: 30, isCA: false), key: key, issuer: nil, issuerKey: key)
        try await graph.updateApplication(
            id: handmade.id, .keyCredentials([CertificateUpload(displayName: "handmade", der: certificate.der)]))
        await running.stop()

        let plan = try CommandRunner.amlauth(["plan", directory])
        #expect(
            plan.stdout.contains(
                "an application named 'ml-auth' (appId \(handmade.appID)) exists but amlauth does not own it; rerun with --adopt"
            ))
        #expect(!plan.stdout.contains("+ ServicePrincipal/ml-auth"), "no second application with the same name")

        let adopted = try CommandRunner.amlauth(["apply", directory, "--auto-approve", "--adopt"])
        #expect(adopted.status == 0, "\(adopted.stdout)\(adopted.stderr)")
        #expect(adopted.stdout.contains("  <= ServicePrincipal/ml-auth"))
        let state = try JSONParser.parse(
            try String(contentsOfFile: directory + "/.amlauth/local-cloud/state.json", encoding: .utf8))
        let applications =
            state["applications"]?.arrayValue?.filter { $0["displayName"]?.stringValue == "ml-auth" } ?? []
        #expect(applications.count == 1)
        let tags = applications.first?["tags"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(
            tags.filter { !$0.hasPrefix(DeliveryRecord.prefix) } == [
                "amlauth:quickstart", "amlauth:quickstart/ml-auth", "team:ml",
            ])
        #expect(tags.filter { $0.hasPrefix(DeliveryRecord.prefix) }.count == 1, "the new password's delivery")
        #expect(try CommandRunner.amlauth(["plan", directory, "--detailed-exitcode"]).status == 0)
        #expect(
            try Self.certificateNames(directory) == ["handmade"], "adoption keeps the application's own certificate")

        // Declaring a certificate makes Graph replace all of them: the hand-made one is sent again.
        try FileManager.default.createDirectory(atPath: directory + "/certs", withIntermediateDirectories: true)
        try certificate.pem().write(toFile: directory + "/certs/deploy.pem", atomically: true, encoding: .utf8)
        let manifest = directory + "/amlauth.yaml"
        let sink = "      deliver_to: file:.secrets/ml-auth.json   # sdk-auth JSON, written with mode 0600\n"
        try (try String(contentsOfFile: manifest, encoding: .utf8)).replacingOccurrences(
            of: sink, with: sink + "    - {name: deploy, type: certificate, certificate_file: certs/deploy.pem}\n"
        )
        .write(toFile: manifest, atomically: true, encoding: .utf8)
        let applied = try CommandRunner.amlauth(["apply", directory, "--auto-approve"])
        #expect(applied.status == 0, "\(applied.stdout)\(applied.stderr)")
        #expect(
            (applied.stdout + applied.stderr).contains("also has certificates amlauth does not own (handmade)"),
            "\(applied.stdout)\(applied.stderr)")
        #expect(try Self.certificateNames(directory) == ["handmade", "amlauth:deploy"])
        // Graph returns thumbprints as hex; amlauth compares them by value: no perpetual diff.
        #expect(try CommandRunner.amlauth(["plan", directory, "--detailed-exitcode"]).status == 0)
    }

    static func certificateNames(_ directory: String) throws -> [String] {
        let state = try JSONParser.parse(
            try String(contentsOfFile: directory + "/.amlauth/local-cloud/state.json", encoding: .utf8))
        let application = state["applications"]?.arrayValue?.first { $0["displayName"]?.stringValue == "ml-auth" }
        return application?["keyCredentials"]?.arrayValue?.compactMap { $0["displayName"]?.stringValue } ?? []
    }
}
