/// The parts of PEM text a manifest's certificate file may hold: certificates (public, fine) and
/// private keys (never allowed next to a manifest).
public enum PEM {
    /// The DER bytes of each `-----BEGIN <label>-----` block with that label.
    public static func blocks(_ text: String, label: String) -> [[UInt8]] {
        var result: [[UInt8]] = []
        var body: String?
        for raw in text.split(whereSeparator: \.isNewline) {
            let line = String(raw.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" || $0 == "\r" }.reversed())
            if line == "-----BEGIN \(label)-----" {
                body = ""
            } else if line == "-----END \(label)-----", let current = body {
                if let der = Base64.decode(current) { result.append(der) }
                body = nil
            } else if body != nil {
                body! += line
            }
        }
        return result
    }

    /// Whether the text holds any private key block (PKCS#8, RSA, EC, encrypted…).
    public static func containsPrivateKey(_ text: String) -> Bool {
        text.split(whereSeparator: \.isNewline).contains { $0.hasPrefix("-----BEGIN") && $0.contains("PRIVATE KEY") }
    }
}

/// Standard base64 (RFC 4648 §4), padded or not; nil on other characters.
public enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    public static func decode(_ text: String) -> [UInt8]? {
        var output: [UInt8] = []
        var buffer: UInt32 = 0
        var bits = 0
        for byte in text.utf8 where byte != UInt8(ascii: "=") {
            guard let value = alphabet.firstIndex(of: byte) else { return nil }
            buffer = buffer << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                output.append(UInt8(truncatingIfNeeded: buffer >> UInt32(bits)))
            }
        }
        return output
    }

    public static func encode(_ bytes: [UInt8]) -> String {
        var output = ""
        var index = 0
        while index < bytes.count {
            let chunk = Array(bytes[index..<min(index + 3, bytes.count)])
            let value = chunk.enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << UInt32(16 - $1.offset * 8) }
            for position in 0..<4 {
                output.unicodeScalars.append(position <= chunk.count ? Unicode.Scalar(alphabet[Int(value >> UInt32(18 - position * 6) & 63)]) : "=")
            }
            index += 3
        }
        return output
    }

    /// SHA-1 thumbprint of a certificate, base64: Graph's `customKeyIdentifier`.
    public static func thumbprint(_ der: [UInt8]) -> String { encode(SHA1.hash(der)) }

    /// A base64 thumbprint as the portal and `az ad app credential list` show it: upper-case hex.
    public static func displayThumbprint(_ base64: String) -> String {
        guard let bytes = decode(base64) else { return base64 }
        let digits = Array("0123456789ABCDEF")
        return "thumbprint " + String(bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] })
    }
}
