internal import COpenSSL

/// Message digests, for certificate thumbprints and password hashes.
public enum Digest {
    public static func sha256(_ data: [UInt8]) -> [UInt8] { digest(data, EVP_sha256()) }
    public static func sha1(_ data: [UInt8]) -> [UInt8] { digest(data, EVP_sha1()) }
    /// MD5, only for Azure Storage's `Content-MD5` transfer check (not for anything secret).
    public static func md5(_ data: [UInt8]) -> [UInt8] { digest(data, EVP_md5()) }

    private static func digest(_ data: [UInt8], _ type: OpaquePointer?) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let ok = data.withUnsafeBytes { EVP_Digest($0.baseAddress, $0.count, &output, &length, type, nil) }
        precondition(ok == 1, "EVP_Digest cannot fail for MD5/SHA-1/SHA-256 on valid input")
        return Array(output.prefix(Int(length)))
    }

    /// PBKDF2-HMAC-SHA256: stored password hashes, so the local cloud never keeps a secret.
    public static func pbkdf2(_ password: [UInt8], salt: [UInt8], iterations: Int = 10_000, length: Int = 32) -> [UInt8]
    {
        var output = [UInt8](repeating: 0, count: length)
        let ok = password.withUnsafeBytes { pass in
            salt.withUnsafeBytes { saltBytes in
                PKCS5_PBKDF2_HMAC(
                    pass.baseAddress?.assumingMemoryBound(to: CChar.self), Int32(pass.count),
                    saltBytes.baseAddress?.assumingMemoryBound(to: UInt8.self), Int32(saltBytes.count),
                    Int32(iterations), EVP_sha256(), Int32(length), &output)
            }
        }
        precondition(ok == 1, "PBKDF2 cannot fail with valid parameters")
        return output
    }
}

/// Cryptographically secure random bytes from OpenSSL.
public enum SecureRandom {
    public static func bytes(_ count: Int) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: count)
        precondition(RAND_bytes(&output, Int32(count)) == 1, "RAND_bytes failed: the system has no entropy source")
        return output
    }

    /// A random RFC 4122 version-4 UUID, lower case.
    public static func uuid() -> String {
        var bytes = Self.bytes(16)
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        return UUIDText.format(bytes)
    }
}

/// Formats 16 bytes as `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`.
public enum UUIDText {
    public static func format(_ bytes: [UInt8]) -> String {
        let hex = bytes.map { byte in
            let digits = String(byte, radix: 16)
            return byte < 16 ? "0" + digits : digits
        }
        return [hex[0..<4], hex[4..<6], hex[6..<8], hex[8..<10], hex[10..<16]].map { $0.joined() }.joined(
            separator: "-")
    }
}
