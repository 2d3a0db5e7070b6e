import AuthCrypto
import FileStorage
import Foundation
public import LocalCloud

/// The local cloud's keys and certificates in its data directory: a CA (whose certificate
/// clients trust), the server certificate it signs (SAN `IP:127.0.0.1`, `DNS:localhost` and
/// `DNS:*.blob.localhost`, the storage accounts' hosts), the
/// token-signing key and the stand-in OIDC issuer's key. Made on first start, reused after.
public struct KeyMaterial: Sendable {
    public var caCertificatePath: String
    public var serverCertificatePEM: String
    public var serverKeyPEM: String
    public var signing: SigningKeys

    public static func loadOrCreate(in directory: String) throws -> KeyMaterial {
        let files = Files(directory: directory)
        if FileManager.default.fileExists(atPath: files.caCertificate) {
            try renewServerCertificateIfNeeded(files)
            return try load(files)
        }
        let caKey = try RSAPrivateKey.generate()
        // A subject of its own per cloud: TLS libraries find a certificate's issuer by subject, so
        // two local clouds' CAs in one trust store must not share one (the serial is random too).
        let ca = try Certificate.issue(
            .init(commonName: caCommonName(), days: 3650, isCA: true), key: caKey, issuer: nil, issuerKey: caKey)
        let serverKey = try RSAPrivateKey.generate()
        let server = try Certificate.issue(serverProfile, key: serverKey, issuer: ca, issuerKey: caKey)
        let signing = try SigningKeys.generate()
        // Private keys first, so a crash never leaves a CA certificate without its keys.
        try AtomicFile.write(Array(try caKey.pem().utf8), to: files.caKey, mode: 0o600)
        try AtomicFile.write(Array(try serverKey.pem().utf8), to: files.serverKey, mode: 0o600)
        try AtomicFile.write(Array(try signing.tokenKey.pem().utf8), to: files.tokenKey, mode: 0o600)
        try AtomicFile.write(Array(try signing.issuerKey.pem().utf8), to: files.issuerKey, mode: 0o600)
        try AtomicFile.write(Array(try signing.tokenCertificate.pem().utf8), to: files.tokenCertificate, mode: 0o644)
        try AtomicFile.write(Array((try server.pem() + ca.pem()).utf8), to: files.serverCertificate, mode: 0o644)
        try AtomicFile.write(Array(try ca.pem().utf8), to: files.caCertificate, mode: 0o644)
        return try load(files)
    }

    /// The server certificate: loopback by address and name, and every storage account's blob host.
    static let serverProfile = Certificate.Profile(
        commonName: "localhost", days: 825, isCA: false,
        subjectAltNames: ["IP:127.0.0.1", "DNS:localhost", "DNS:" + StorageHost.certificateName])

    /// A data directory made before the storage hosts existed has a server certificate without
    /// `*.blob.localhost`: issue it again, with the same key and CA, so that directory keeps working.
    private static func renewServerCertificateIfNeeded(_ files: Files) throws {
        guard let pem = FileManager.default.contents(atPath: files.serverCertificate),
            let caKeyPEM = FileManager.default.contents(atPath: files.caKey),
            let caPEM = FileManager.default.contents(atPath: files.caCertificate),
            let serverKeyPEM = FileManager.default.contents(atPath: files.serverKey)
        else { return }
        let current = try Certificate(pem: String(decoding: pem, as: UTF8.self))
        // A dNSName is its ASCII bytes in the DER: present means issued with this profile.
        let name = Array(StorageHost.certificateName.utf8)
        guard !current.der.indices.contains(where: { current.der[$0...].starts(with: name) }) else { return }
        let ca = try Certificate(pem: String(decoding: caPEM, as: UTF8.self))
        let server = try Certificate.issue(
            serverProfile, key: try RSAPrivateKey(pem: String(decoding: serverKeyPEM, as: UTF8.self)), issuer: ca,
            issuerKey: try RSAPrivateKey(pem: String(decoding: caKeyPEM, as: UTF8.self)))
        try AtomicFile.write(Array((try server.pem() + ca.pem()).utf8), to: files.serverCertificate, mode: 0o644)
    }

    /// `amlauth local cloud CA 1a2b3c4d5e6f7a8b`: the fixed prefix says what it is, the random
    /// suffix tells one cloud's CA from another's.
    static func caCommonName() -> String {
        "amlauth local cloud CA " + SecureRandom.bytes(8).map { String(format: "%02x", $0) }.joined()
    }

    private static func load(_ files: Files) throws -> KeyMaterial {
        func read(_ path: String) throws -> String {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw CloudStore.PersistenceError(
                    description: "\(path) is missing; the data directory is incomplete. Move it away to start afresh.")
            }
            return String(decoding: data, as: UTF8.self)
        }
        let signing = SigningKeys(
            tokenKey: try RSAPrivateKey(pem: try read(files.tokenKey)),
            tokenCertificate: try Certificate(pem: try read(files.tokenCertificate)),
            issuerKey: try RSAPrivateKey(pem: try read(files.issuerKey)))
        return KeyMaterial(
            caCertificatePath: files.caCertificate, serverCertificatePEM: try read(files.serverCertificate),
            serverKeyPEM: try read(files.serverKey), signing: signing)
    }

    struct Files {
        let directory: String
        var caCertificate: String { directory + "/ca.pem" }
        var caKey: String { directory + "/ca-key.pem" }
        var serverCertificate: String { directory + "/server.pem" }
        var serverKey: String { directory + "/server-key.pem" }
        var tokenKey: String { directory + "/token-signing-key.pem" }
        var tokenCertificate: String { directory + "/token-signing.pem" }
        var issuerKey: String { directory + "/issuer-key.pem" }
    }
}
