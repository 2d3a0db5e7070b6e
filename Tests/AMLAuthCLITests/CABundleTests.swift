import AuthCrypto
import Foundation
import TestSupport
import Testing

/// Issue 15 item 14: `--ca-bundle` (and `AMLAUTH_CA_BUNDLE`) add CAs to the cloud file's own CA;
/// they never replace it, so a corporate proxy's CA can be trusted alongside the local cloud's.
@Suite(.serialized)
struct CABundleTests {
    @Test func anExtraBundleAddsToTheCloudsCA() throws {
        let directory = try WhoamiCommandTests.quickstart()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let key = try RSAPrivateKey.generate()
        let unrelated = try Certificate.issue(
            .init(commonName: "an unrelated corporate CA", days: 30, isCA: true), key: key, issuer: nil, issuerKey: key)
        let bundle = directory + "/corporate-ca.pem"
        try unrelated.pem().write(toFile: bundle, atomically: true, encoding: .utf8)

        let flag = try CommandRunner.amlauth(["plan", directory, "--ca-bundle", bundle], in: directory)
        #expect(flag.status == 0, "\(flag.stdout.suffix(400))\(flag.stderr)")
        #expect(flag.stdout.contains("Plan:"))
        let variable = try CommandRunner.amlauth(
            ["plan", directory], environment: ["AMLAUTH_CA_BUNDLE": bundle], in: directory)
        #expect(variable.status == 0, "\(variable.stdout.suffix(400))\(variable.stderr)")
        let missing = try CommandRunner.amlauth(
            ["plan", directory, "--ca-bundle", directory + "/none.pem"], in: directory)
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("none.pem"), "\(missing.stderr)")
    }
}
