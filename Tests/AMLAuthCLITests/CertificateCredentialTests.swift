import AMLAuthCore
import AuthCrypto
import Foundation
import LocalCloud
import TestSupport
import Testing
import WireFormat

/// A certificate credential named in a manifest is the one Entra ID accepts: added, replaced when the
/// file changes, removed when the manifest drops it, and never a private key in the repository.
@Suite(.serialized)
struct CertificateCredentialTests {
    struct Pair {
        var certificatePEM: String
        /// Key and certificate together, as AZURE_CLIENT_CERTIFICATE_PATH wants them; kept outside the manifests.
        var signingPath: String
    }

    static func pair(_ name: String, in directory: String) throws -> Pair {
        let key = try RSAPrivateKey.generate()
        let certificate = try Certificate.issue(
            .init(commonName: name, days: 30, isCA: false), key: key, issuer: nil, issuerKey: key)
        let signingPath = directory + "/.signing-\(name).pem"
        try (try key.pem() + certificate.pem()).write(toFile: signingPath, atomically: true, encoding: .utf8)
        return Pair(certificatePEM: try certificate.pem(), signingPath: signingPath)
    }

    static func signIn(_ directory: String, with pair: Pair) throws -> CommandRunner.Result {
        let delivered = try JSONParser.parse(
            try String(contentsOfFile: directory + "/.secrets/ml-auth.json", encoding: .utf8))
        return try CommandRunner.amlauth(
            ["whoami", "--target", directory],
            environment: [
                "AZURE_CLIENT_ID": delivered["clientId"]!.stringValue!,
                "AZURE_TENANT_ID": delivered["tenantId"]!.stringValue!,
                "AZURE_CLIENT_CERTIFICATE_PATH": pair.signingPath,
            ])
    }

    @Test func certificateFollowsTheManifest() throws {
        let directory = try WhoamiCommandTests.quickstart()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let manifest = directory + "/amlauth.yaml"
        let original = try String(contentsOfFile: manifest, encoding: .utf8)
        let sink = "      deliver_to: file:.secrets/ml-auth.json   # sdk-auth JSON, written with mode 0600\n"
        #expect(original.contains(sink))
        try original.replacingOccurrences(
            of: sink, with: sink + "    - {name: deploy, type: certificate, certificate_file: certs/deploy.pem}\n"
        )
        .write(toFile: manifest, atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: directory + "/certs", withIntermediateDirectories: true)
        let first = try Self.pair("first", in: directory)
        try first.certificatePEM.write(toFile: directory + "/certs/deploy.pem", atomically: true, encoding: .utf8)

        let created = try CommandRunner.amlauth(["apply", directory, "--auto-approve"])
        #expect(created.status == 0, "\(created.stdout)\(created.stderr)")
        #expect(created.stdout.contains("certificate.deploy: \"thumbprint "))
        // The key credential's validity is the certificate's own 30 days, not Graph's one-year default.
        let state = try JSONParser.parse(
            try String(contentsOfFile: directory + "/.amlauth/local-cloud/state.json", encoding: .utf8))
        let application = state["applications"]?.arrayValue?.first { $0["displayName"]?.stringValue == "ml-auth" }
        let end = try #require(application?["keyCredentials"]?.arrayValue?.first?["endDateTime"]?.numberValue)
        #expect(abs(end - (Date().timeIntervalSince1970 + 30 * 86_400)) < 86_400)
        let signedIn = try Self.signIn(directory, with: first)
        #expect(signedIn.status == 0, "\(signedIn.stdout)\(signedIn.stderr)")
        #expect(signedIn.stdout.contains("credential:    certificate from AZURE_CLIENT_CERTIFICATE_PATH"))
        #expect(try CommandRunner.amlauth(["plan", directory, "--detailed-exitcode"]).status == 0)

        // A new certificate file replaces the old credential; the old key stops working.
        let second = try Self.pair("second", in: directory)
        try second.certificatePEM.write(toFile: directory + "/certs/deploy.pem", atomically: true, encoding: .utf8)
        let replan = try CommandRunner.amlauth(["plan", directory, "--detailed-exitcode"])
        #expect(replan.status == 2)
        #expect(replan.stdout.contains("~ ServicePrincipal/ml-auth"))
        #expect(replan.stdout.contains("certificate.deploy: \"thumbprint "), "\(replan.stdout)")
        #expect(try CommandRunner.amlauth(["apply", directory, "--auto-approve"]).status == 0)
        let refused = try Self.signIn(directory, with: first)
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("AADSTS700027"), "\(refused.stderr)")
        let signedInAgain = try Self.signIn(directory, with: second)
        #expect(signedInAgain.status == 0, "\(signedInAgain.stdout)\(signedInAgain.stderr)")

        // Dropping the credential from the manifest removes it from the application.
        try original.write(toFile: manifest, atomically: true, encoding: .utf8)
        let removal = try CommandRunner.amlauth(["apply", directory, "--auto-approve"])
        #expect(removal.status == 0, "\(removal.stdout)\(removal.stderr)")
        #expect(removal.stdout.contains("certificate.deploy"))
        #expect(try Self.signIn(directory, with: second).stderr.contains("AADSTS700027"))
        #expect(try CommandRunner.amlauth(["plan", directory, "--detailed-exitcode"]).status == 0)
    }

    /// The pure core's PEM, base64 and SHA-1 agree with OpenSSL's on many certificates, whatever
    /// their length modulo 3 (padding) and bytes.
    @Test func pureCoreReadsCertificatesAsOpenSSLDoes() throws {
        let key = try RSAPrivateKey.generate()
        for index in 0..<60 {
            let certificate = try Certificate.issue(
                .init(commonName: "c\(index)" + String(repeating: "x", count: index % 7), days: 1 + index, isCA: false),
                key: key, issuer: nil, issuerKey: key)
            let der = try #require(PEM.blocks(try certificate.pem(), label: "CERTIFICATE").first)
            #expect(der == certificate.der)
            // OpenSSL's own base64: the PEM body, joined.
            let body = try certificate.pem().split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
            #expect(Base64.encode(der) == body)
            #expect(Base64.decode(Base64.thumbprint(der)) == certificate.sha1Thumbprint)
        }
    }

    @Test func privateKeyInCertificateFileIsRefusedBeforeAnyRequest() throws {
        let directory = try WhoamiCommandTests.quickstart()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let manifest = directory + "/amlauth.yaml"
        let sink = "      deliver_to: file:.secrets/ml-auth.json   # sdk-auth JSON, written with mode 0600\n"
        try (try String(contentsOfFile: manifest, encoding: .utf8)).replacingOccurrences(
            of: sink, with: sink + "    - {name: deploy, type: certificate, certificate_file: both.pem}\n"
        )
        .write(toFile: manifest, atomically: true, encoding: .utf8)
        let pair = try Self.pair("leaky", in: directory)
        try FileManager.default.copyItem(atPath: pair.signingPath, toPath: directory + "/both.pem")
        let keyText = try String(contentsOfFile: pair.signingPath, encoding: .utf8)
        let keyBody = keyText.split(separator: "\n")[1]

        let plan = try CommandRunner.amlauth(["plan", directory])
        #expect(plan.status == 1)
        #expect(
            plan.stdout.contains("amlauth.yaml:")
                && plan.stdout.contains("error[AMLA312]: 'both.pem' holds a private key"), "\(plan.stdout)")
        #expect(!plan.stdout.contains(keyBody) && !plan.stderr.contains(keyBody), "the key never reaches the output")
        #expect(
            !FileManager.default.fileExists(atPath: directory + "/.amlauth/local-cloud/state.json"),
            "no cloud was started")
    }
}
