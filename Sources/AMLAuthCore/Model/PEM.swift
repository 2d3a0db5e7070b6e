public import WireFormat

/// The parts of PEM text a manifest's certificate file may hold: certificates (public, fine) and
/// private keys (never allowed next to a manifest).
public enum PEM {
    /// The DER bytes of each `-----BEGIN <label>-----` block with that label.
    public static func blocks(_ text: String, label: String) -> [[UInt8]] {
        var result: [[UInt8]] = []
        var body: String?
        for raw in text.split(whereSeparator: \.isNewline) {
            let line = String(
                raw.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" || $0 == "\r" }
                    .reversed())
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

/// Certificate thumbprints as Graph and the portal write them.
extension Base64 {
    /// SHA-1 thumbprint of a certificate, base64: Graph's `customKeyIdentifier`.
    public static func thumbprint(_ der: [UInt8]) -> String { encode(SHA1.hash(der)) }

    /// A SHA-1 thumbprint as amlauth compares it (base64), from either form Graph's
    /// `customKeyIdentifier` may take: 40 hex digits, as graph-docs keycredential.md and the
    /// portal show it, or base64 of the 20 bytes. nil for anything else (audit D3: compared by
    /// value, never by spelling).
    public static func canonicalThumbprint(_ text: String) -> String? {
        let hex = Array(text.utf8)
        if hex.count == 40 {
            var bytes: [UInt8] = []
            var index = 0
            while index < 40 {
                guard let high = Self.hexValue(hex[index]), let low = Self.hexValue(hex[index + 1]) else { break }
                bytes.append(high << 4 | low)
                index += 2
            }
            if bytes.count == 20 { return encode(bytes) }
        }
        guard let bytes = decode(text), bytes.count == 20 else { return nil }
        return encode(bytes)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// A base64 thumbprint as the portal and `az ad app credential list` show it: upper-case hex.
    public static func displayThumbprint(_ base64: String) -> String {
        guard let bytes = decode(base64) else { return base64 }
        let digits = Array("0123456789ABCDEF")
        return "thumbprint " + String(bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] })
    }
}
