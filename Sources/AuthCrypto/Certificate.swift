internal import COpenSSL

/// An X.509 certificate: the local cloud's CA and server certificates, and the public certificates
/// of application key credentials that client assertions are checked against.
public final class Certificate: @unchecked Sendable {
    let pointer: OpaquePointer

    private init(pointer: OpaquePointer) { self.pointer = pointer }

    deinit { X509_free(pointer) }

    /// Reads the first `CERTIFICATE` block of a PEM text (other blocks, such as a key, are skipped).
    public convenience init(pem: String) throws {
        let bio = try MemoryBIO(reading: Array(pem.utf8))
        guard let x509 = PEM_read_bio_X509(bio.pointer, nil, nil, nil) else {
            throw CryptoError.openSSL("reading a PEM certificate")
        }
        self.init(pointer: x509)
    }

    /// Reads DER bytes (the form `keyCredentials[].key` and `x5c` carry, base64-encoded).
    public convenience init(der: [UInt8]) throws {
        let x509 = der.withUnsafeBufferPointer { buffer -> OpaquePointer? in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_X509(nil, &cursor, buffer.count)
        }
        guard let x509 else { throw CryptoError.openSSL("reading a DER certificate") }
        self.init(pointer: x509)
    }

    public var der: [UInt8] {
        var output: UnsafeMutablePointer<UInt8>?
        let length = i2d_X509(pointer, &output)
        guard length > 0, let output else { return [] }
        defer { CRYPTO_free(output, #fileID, #line) }
        return Array(UnsafeBufferPointer(start: output, count: Int(length)))
    }

    public func pem() throws -> String {
        let bio = try MemoryBIO()
        guard PEM_write_bio_X509(bio.pointer, pointer) == 1 else {
            throw CryptoError.openSSL("writing a PEM certificate")
        }
        return String(decoding: bio.contents, as: UTF8.self)
    }

    /// The subject's common name (CN), or nil when it has none.
    public var subjectCommonName: String? {
        guard let name = X509_get_subject_name(pointer) else { return nil }
        var buffer = [CChar](repeating: 0, count: 256)
        let length = X509_NAME_get_text_by_NID(name, NID_commonName, &buffer, Int32(buffer.count))
        guard length >= 0 else { return nil }
        return String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// SHA-1 of the DER encoding: the `x5t` thumbprint.
    public var sha1Thumbprint: [UInt8] { Digest.sha1(der) }
    /// SHA-256 of the DER encoding: the `x5t#S256` thumbprint.
    public var sha256Thumbprint: [UInt8] { Digest.sha256(der) }

    /// The validity period, in seconds since 1970: what Graph's `startDateTime` and `endDateTime`
    /// of a key credential should say. nil when OpenSSL cannot read the times.
    public var validity: (notBefore: Double, notAfter: Double)? {
        guard let start = X509_get0_notBefore(pointer), let end = X509_get0_notAfter(pointer),
            let notBefore = Self.seconds(start), let notAfter = Self.seconds(end)
        else { return nil }
        return (notBefore, notAfter)
    }

    private static func seconds(_ time: UnsafePointer<ASN1_TIME>) -> Double? {
        guard let epoch = ASN1_TIME_set(nil, 0) else { return nil }
        defer { ASN1_TIME_free(epoch) }
        var days: Int32 = 0
        var seconds: Int32 = 0
        guard ASN1_TIME_diff(&days, &seconds, epoch, time) == 1 else { return nil }
        return Double(days) * 86_400 + Double(seconds)
    }

    public var publicKey: RSAPublicKey {
        get throws {
            guard let key = X509_get_pubkey(pointer) else { throw CryptoError.openSSL("X509_get_pubkey") }
            return RSAPublicKey(pointer: key)
        }
    }

    /// What a new certificate says about itself.
    public struct Profile: Sendable {
        public var commonName: String
        public var days: Int
        public var isCA: Bool
        /// `DNS:localhost`, `IP:127.0.0.1`; empty for a CA.
        public var subjectAltNames: [String]

        public init(commonName: String, days: Int, isCA: Bool, subjectAltNames: [String] = []) {
            self.commonName = commonName
            self.days = days
            self.isCA = isCA
            self.subjectAltNames = subjectAltNames
        }
    }

    /// Issues a certificate for `key`, signed by `issuerKey` as `issuer` (self-signed when nil).
    public static func issue(_ profile: Profile, key: RSAPrivateKey, issuer: Certificate?, issuerKey: RSAPrivateKey)
        throws -> Certificate
    {
        guard let x509 = X509_new() else { throw CryptoError.openSSL("X509_new") }
        let certificate = Certificate(pointer: x509)
        var serial = SecureRandom.bytes(16)
        serial[0] &= 0x7F
        guard let serialNumber = BN_bin2bn(serial, Int32(serial.count), nil) else {
            throw CryptoError.openSSL("BN_bin2bn")
        }
        defer { BN_free(serialNumber) }
        guard X509_set_version(x509, 2) == 1,
            BN_to_ASN1_INTEGER(serialNumber, X509_get_serialNumber(x509)) != nil,
            X509_gmtime_adj(X509_getm_notBefore(x509), -3600) != nil,
            X509_gmtime_adj(X509_getm_notAfter(x509), profile.days * 86_400) != nil,
            X509_set_pubkey(x509, key.pointer) == 1
        else { throw CryptoError.openSSL("filling in a certificate") }
        let name = X509_get_subject_name(x509)
        guard X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, profile.commonName, -1, -1, 0) == 1,
            X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, "amlauth local cloud", -1, -1, 0) == 1,
            X509_set_issuer_name(x509, issuer.map { X509_get_subject_name($0.pointer) } ?? name) == 1
        else { throw CryptoError.openSSL("certificate names") }

        var extensions: [(Int32, String)] = [
            (NID_basic_constraints, profile.isCA ? "critical,CA:TRUE" : "critical,CA:FALSE"),
            (
                NID_key_usage,
                profile.isCA
                    ? "critical,keyCertSign,cRLSign,digitalSignature" : "critical,digitalSignature,keyEncipherment"
            ),
            (NID_subject_key_identifier, "hash"),
        ]
        if !profile.isCA { extensions.append((NID_ext_key_usage, "serverAuth,clientAuth")) }
        if !profile.subjectAltNames.isEmpty {
            extensions.append((NID_subject_alt_name, profile.subjectAltNames.joined(separator: ",")))
        }
        var context = X509V3_CTX()
        X509V3_set_ctx(&context, issuer?.pointer ?? x509, x509, nil, nil, 0)
        for (nid, value) in extensions {
            guard let ext = X509V3_EXT_conf_nid(nil, &context, nid, value) else {
                throw CryptoError.openSSL("extension \(value)")
            }
            defer { X509_EXTENSION_free(ext) }
            guard X509_add_ext(x509, ext, -1) == 1 else { throw CryptoError.openSSL("X509_add_ext") }
        }
        guard X509_sign(x509, issuerKey.pointer, EVP_sha256()) > 0 else { throw CryptoError.openSSL("X509_sign") }
        return certificate
    }

    /// True when this certificate's signature verifies with `issuer`'s public key.
    public func isSigned(by issuer: Certificate) -> Bool {
        guard let key = X509_get_pubkey(issuer.pointer) else { return false }
        defer {
            EVP_PKEY_free(key)
            ERR_clear_error()
        }
        return X509_verify(pointer, key) == 1
    }
}
