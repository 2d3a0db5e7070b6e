public import WireFormat

/// A compact JWS (header.payload.signature): client assertions amlauth signs, and tokens the local
/// cloud issues and checks.
public struct JWT: Sendable {
    public var header: JSONValue
    public var claims: JSONValue
    /// The signing input: the first two segments as sent, joined by a dot.
    public var signingInput: [UInt8]
    public var signature: [UInt8]

    /// Splits and decodes a token; padded and unpadded base64url are both accepted.
    public init?(parsing token: String) {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let header = Base64URL.decode(String(parts[0])),
            let claims = Base64URL.decode(String(parts[1])),
            let signature = Base64URL.decode(String(parts[2])), let headerJSON = try? JSONParser.parse(header),
            let claimsJSON = try? JSONParser.parse(claims), headerJSON.objectValue != nil, claimsJSON.objectValue != nil
        else { return nil }
        self.header = headerJSON
        self.claims = claimsJSON
        self.signingInput = Array(parts[0].utf8) + [UInt8(ascii: ".")] + Array(parts[1].utf8)
        self.signature = signature
    }

    /// Signs `claims` with `key` and returns the compact token.
    public static func sign(header: JSONValue, claims: JSONValue, key: RSAPrivateKey, algorithm: SignatureAlgorithm)
        throws -> String
    {
        let input = Base64URL.encode(header.compact()) + "." + Base64URL.encode(claims.compact())
        let signature = try key.sign(Array(input.utf8), algorithm: algorithm)
        return input + "." + Base64URL.encode(signature)
    }

    public var algorithm: SignatureAlgorithm? { header["alg"]?.stringValue.flatMap(SignatureAlgorithm.init(rawValue:)) }

    public func verify(with key: RSAPublicKey) -> Bool {
        guard let algorithm else { return false }
        return key.verify(signature, of: signingInput, algorithm: algorithm)
    }

    public func string(_ claim: String) -> String? { claims[claim]?.stringValue }
    public func number(_ claim: String) -> Double? { claims[claim]?.numberValue }

    /// `aud` as a list (a string or an array of strings).
    public var audiences: [String] {
        if let single = claims["aud"]?.stringValue { return [single] }
        return claims["aud"]?.arrayValue?.compactMap(\.stringValue) ?? []
    }
}
