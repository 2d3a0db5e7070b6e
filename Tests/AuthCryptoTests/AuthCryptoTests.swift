import AuthCrypto
import Foundation
import Testing
import WireFormat

struct SignatureTests {
    static let key = try! RSAPrivateKey.generate()

    @Test(arguments: SignatureAlgorithm.allCases)
    func signsAndVerifies(_ algorithm: SignatureAlgorithm) throws {
        let data = Array("header.payload".utf8)
        let signature = try Self.key.sign(data, algorithm: algorithm)
        #expect(signature.count == 256)
        let publicKey = try Self.key.publicKey
        #expect(publicKey.verify(signature, of: data, algorithm: algorithm))
        #expect(!publicKey.verify(signature, of: Array("header.payloaD".utf8), algorithm: algorithm))
        let other: SignatureAlgorithm = algorithm == .rs256 ? .ps256 : .rs256
        #expect(!publicKey.verify(signature, of: data, algorithm: other))
    }

    @Test func rs256IsDeterministicAndPS256IsSalted() throws {
        let data = Array("x".utf8)
        #expect(try Self.key.sign(data, algorithm: .rs256) == Self.key.sign(data, algorithm: .rs256))
        #expect(try Self.key.sign(data, algorithm: .ps256) != Self.key.sign(data, algorithm: .ps256))
    }

    @Test func anotherKeyDoesNotVerify() throws {
        let signature = try Self.key.sign([1, 2, 3], algorithm: .rs256)
        #expect(try !RSAPrivateKey.generate().publicKey.verify(signature, of: [1, 2, 3], algorithm: .rs256))
    }

    @Test func pemRoundTrip() throws {
        let pem = try Self.key.pem()
        #expect(pem.hasPrefix("-----BEGIN PRIVATE KEY-----"))
        let again = try RSAPrivateKey(pem: pem)
        let signature = try again.sign([9], algorithm: .rs256)
        #expect(try Self.key.publicKey.verify(signature, of: [9], algorithm: .rs256))
    }

    @Test func badPEMIsAnErrorNotACrash() {
        #expect(throws: CryptoError.self) {
            try RSAPrivateKey(pem: "-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n")
        }
        #expect(throws: CryptoError.self) { try Certificate(pem: "not a certificate") }
        #expect(throws: CryptoError.self) { try Certificate(der: [0x30, 0x03, 0x01]) }
    }

    @Test func jwkComponents() throws {
        let (modulus, exponent) = try Self.key.publicKey.components
        #expect(modulus.count == 256)
        #expect(exponent == [1, 0, 1])
    }
}

struct CertificateTests {
    @Test func issuesACAAndAServerCertificateThatOpenSSLAccepts() throws {
        let caKey = try RSAPrivateKey.generate()
        let ca = try Certificate.issue(
            .init(commonName: "amlauth local CA", days: 3650, isCA: true), key: caKey, issuer: nil, issuerKey: caKey)
        let serverKey = try RSAPrivateKey.generate()
        let server = try Certificate.issue(
            .init(commonName: "localhost", days: 825, isCA: false, subjectAltNames: ["IP:127.0.0.1", "DNS:localhost"]),
            key: serverKey, issuer: ca, issuerKey: caKey)
        #expect(server.isSigned(by: ca))
        #expect(!ca.isSigned(by: server))
        #expect(try Certificate(der: server.der).sha256Thumbprint == server.sha256Thumbprint)
        #expect(server.sha1Thumbprint.count == 20)

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "amlauth-cert-\(SecureRandom.uuid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try ca.pem().write(to: directory.appendingPathComponent("ca.pem"), atomically: true, encoding: .utf8)
        try server.pem().write(to: directory.appendingPathComponent("server.pem"), atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = [
            "verify", "-CAfile", directory.appendingPathComponent("ca.pem").path, "-verify_ip", "127.0.0.1",
            "-verify_hostname", "localhost", directory.appendingPathComponent("server.pem").path,
        ]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(output)")
    }

    @Test func certificatePublicKeyVerifiesItsKeysSignatures() throws {
        let key = try RSAPrivateKey.generate()
        let certificate = try Certificate.issue(
            .init(commonName: "client", days: 30, isCA: false), key: key, issuer: nil, issuerKey: key)
        let signature = try key.sign([42], algorithm: .ps256)
        #expect(try certificate.publicKey.verify(signature, of: [42], algorithm: .ps256))
    }
}

struct EncodingTests {
    @Test func base64URLRoundTrips() {
        for length in 0..<40 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 250) }
            #expect(Base64URL.decode(Base64URL.encode(bytes)) == bytes)
            #expect(Base64URL.decode(Base64.encode(bytes)) == bytes)
        }
        #expect(Base64URL.encode(Array("any carnal pleas".utf8)) == "YW55IGNhcm5hbCBwbGVhcw")
        #expect(Base64.encode([0xFB, 0xFF]) == "+/8=")
        #expect(Base64URL.decode("-_8") == [0xFB, 0xFF])
        #expect(Base64URL.decode("a b") == nil)
    }

    @Test func digestsMatchKnownVectors() {
        #expect(Digest.sha256(Array("abc".utf8)).prefix(4) == [0xBA, 0x78, 0x16, 0xBF])
        #expect(Digest.sha1(Array("abc".utf8)).prefix(4) == [0xA9, 0x99, 0x3E, 0x36])
    }

    @Test func randomUUIDsAreVersion4() {
        let uuid = SecureRandom.uuid()
        #expect(uuid.count == 36)
        #expect(Array(uuid)[14] == "4")
        #expect(uuid != SecureRandom.uuid())
    }

    @Test func pbkdf2IsSaltedAndStable() {
        let a = Digest.pbkdf2(Array("secret".utf8), salt: [1, 2, 3])
        #expect(a == Digest.pbkdf2(Array("secret".utf8), salt: [1, 2, 3]))
        #expect(a != Digest.pbkdf2(Array("secret".utf8), salt: [1, 2, 4]))
        #expect(a.count == 32)
    }
}
