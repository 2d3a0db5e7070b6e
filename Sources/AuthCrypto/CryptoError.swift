internal import COpenSSL

/// A failure inside OpenSSL or in the input handed to it, with OpenSSL's own reason when it gave
/// one. Never carries key material.
public struct CryptoError: Error, Sendable, CustomStringConvertible {
    public var operation: String
    public var reason: String

    public init(_ operation: String, reason: String) {
        self.operation = operation
        self.reason = reason
    }

    /// The error for `operation`, with the reasons OpenSSL queued (and clears them).
    static func openSSL(_ operation: String) -> CryptoError {
        var reasons: [String] = []
        while case let code = ERR_get_error(), code != 0 {
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            reasons.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return CryptoError(
            operation, reason: reasons.isEmpty ? "unknown OpenSSL error" : reasons.joined(separator: "; "))
    }

    public var description: String { "\(operation) failed: \(reason)" }
}
