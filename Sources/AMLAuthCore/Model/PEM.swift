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

    /// A base64 thumbprint as the portal and `az ad app credential list` show it: upper-case hex.
    public static func displayThumbprint(_ base64: String) -> String {
        guard let bytes = decode(base64) else { return base64 }
        let digits = Array("0123456789ABCDEF")
        return "thumbprint " + String(bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] })
    }
}
