internal import COpenSSL

/// The JWS algorithms amlauth signs and verifies with.
public enum SignatureAlgorithm: String, Sendable, CaseIterable {
    /// RSASSA-PKCS1-v1_5 with SHA-256: access tokens, and older client assertions (with `x5t`).
    case rs256 = "RS256"
    /// RSASSA-PSS with SHA-256 and a 32-byte salt: current client assertions (with `x5t#S256`).
    case ps256 = "PS256"
}

/// An RSA private key. The key material never leaves OpenSSL except as PEM written to a file
/// the caller chose.
public final class RSAPrivateKey: @unchecked Sendable {
    // Immutable after init; OpenSSL allows concurrent use of an EVP_PKEY for signing.
    let pointer: OpaquePointer

    private init(pointer: OpaquePointer) { self.pointer = pointer }

    deinit { EVP_PKEY_free(pointer) }

    /// A new key of `bits` bits.
    public static func generate(bits: Int = 2048) throws -> RSAPrivateKey {
        guard let context = EVP_PKEY_CTX_new_id(EVP_PKEY_RSA, nil) else {
            throw CryptoError.openSSL("EVP_PKEY_CTX_new_id")
        }
        defer { EVP_PKEY_CTX_free(context) }
        guard EVP_PKEY_keygen_init(context) == 1, EVP_PKEY_CTX_set_rsa_keygen_bits(context, Int32(bits)) == 1 else {
            throw CryptoError.openSSL("RSA key generation setup")
        }
        var key: OpaquePointer?
        guard EVP_PKEY_keygen(context, &key) == 1, let key else { throw CryptoError.openSSL("RSA key generation") }
        return RSAPrivateKey(pointer: key)
    }

    /// Reads a PEM private key (PKCS#8 or PKCS#1), as found in a certificate file with its key.
    public convenience init(pem: String) throws {
        let bio = try MemoryBIO(reading: Array(pem.utf8))
        guard let key = PEM_read_bio_PrivateKey(bio.pointer, nil, nil, nil) else {
            throw CryptoError.openSSL("reading a PEM private key")
        }
        guard EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA else {
            EVP_PKEY_free(key)
            throw CryptoError("reading a PEM private key", reason: "only RSA keys are supported")
        }
        self.init(pointer: key)
    }

    /// PKCS#8 PEM, for writing the local cloud's CA key to its data directory.
    public func pem() throws -> String {
        let bio = try MemoryBIO()
        guard PEM_write_bio_PrivateKey(bio.pointer, pointer, nil, nil, 0, nil, nil) == 1 else {
            throw CryptoError.openSSL("writing a PEM private key")
        }
        return String(decoding: bio.contents, as: UTF8.self)
    }

    /// Signs `data` (hashing it with SHA-256 first).
    public func sign(_ data: [UInt8], algorithm: SignatureAlgorithm) throws -> [UInt8] {
        guard let context = EVP_MD_CTX_new() else { throw CryptoError.openSSL("EVP_MD_CTX_new") }
        defer { EVP_MD_CTX_free(context) }
        var keyContext: OpaquePointer?
        guard EVP_DigestSignInit(context, &keyContext, EVP_sha256(), nil, pointer) == 1 else {
            throw CryptoError.openSSL("EVP_DigestSignInit")
        }
        if algorithm == .ps256 {
            guard EVP_PKEY_CTX_set_rsa_padding(keyContext, RSA_PKCS1_PSS_PADDING) == 1,
                EVP_PKEY_CTX_set_rsa_pss_saltlen(keyContext, RSA_PSS_SALTLEN_DIGEST) == 1
            else { throw CryptoError.openSSL("PSS padding") }
        }
        var length = 0
        guard data.withUnsafeBytes({ EVP_DigestSign(context, nil, &length, $0.baseAddress, $0.count) }) == 1 else {
            throw CryptoError.openSSL("EVP_DigestSign")
        }
        var signature = [UInt8](repeating: 0, count: length)
        guard data.withUnsafeBytes({ EVP_DigestSign(context, &signature, &length, $0.baseAddress, $0.count) }) == 1
        else {
            throw CryptoError.openSSL("EVP_DigestSign")
        }
        return Array(signature.prefix(length))
    }

    /// The matching public key.
    public var publicKey: RSAPublicKey {
        get throws {
            let bio = try MemoryBIO()
            guard PEM_write_bio_PUBKEY(bio.pointer, pointer) == 1 else {
                throw CryptoError.openSSL("PEM_write_bio_PUBKEY")
            }
            return try RSAPublicKey(pem: String(decoding: bio.contents, as: UTF8.self))
        }
    }
}

/// An RSA public key: verifies signatures and publishes itself as a JWK.
public final class RSAPublicKey: @unchecked Sendable {
    let pointer: OpaquePointer

    init(pointer: OpaquePointer) { self.pointer = pointer }

    deinit { EVP_PKEY_free(pointer) }

    /// Reads a PEM `PUBLIC KEY`.
    public convenience init(pem: String) throws {
        let bio = try MemoryBIO(reading: Array(pem.utf8))
        guard let key = PEM_read_bio_PUBKEY(bio.pointer, nil, nil, nil) else {
            throw CryptoError.openSSL("reading a PEM public key")
        }
        self.init(pointer: key)
    }

    /// True when `signature` is a valid `algorithm` signature of `data` by the private key.
    public func verify(_ signature: [UInt8], of data: [UInt8], algorithm: SignatureAlgorithm) -> Bool {
        guard EVP_PKEY_get_base_id(pointer) == EVP_PKEY_RSA, let context = EVP_MD_CTX_new() else { return false }
        defer {
            EVP_MD_CTX_free(context)
            ERR_clear_error()
        }
        var keyContext: OpaquePointer?
        guard EVP_DigestVerifyInit(context, &keyContext, EVP_sha256(), nil, pointer) == 1 else { return false }
        if algorithm == .ps256 {
            guard EVP_PKEY_CTX_set_rsa_padding(keyContext, RSA_PKCS1_PSS_PADDING) == 1,
                EVP_PKEY_CTX_set_rsa_pss_saltlen(keyContext, RSA_PSS_SALTLEN_AUTO) == 1
            else { return false }
        }
        return signature.withUnsafeBytes { sig in
            data.withUnsafeBytes { EVP_DigestVerify(context, sig.baseAddress, sig.count, $0.baseAddress, $0.count) }
        } == 1
    }

    /// The modulus and public exponent, big-endian, as a JWK's `n` and `e` carry them.
    public var components: (modulus: [UInt8], exponent: [UInt8]) {
        (bignum("n"), bignum("e"))
    }

    private func bignum(_ name: String) -> [UInt8] {
        var value: OpaquePointer?
        guard EVP_PKEY_get_bn_param(pointer, name, &value) == 1, let value else { return [] }
        defer { BN_free(value) }
        var bytes = [UInt8](repeating: 0, count: Int((BN_num_bits(value) + 7) / 8))
        let written = BN_bn2bin(value, &bytes)
        return Array(bytes.prefix(Int(written)))
    }
}
