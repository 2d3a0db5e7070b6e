/// A GUID in its canonical lower-case 8-4-4-4-12 form. Azure compares GUIDs case-insensitively,
/// so the value is normalised once, when it is parsed.
public struct GUID: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    public let value: String

    /// Accepts `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` in any case; nil otherwise.
    public init?(_ text: String) {
        let scalars = Array(text.unicodeScalars)
        guard scalars.count == 36 else { return nil }
        for (index, scalar) in scalars.enumerated() {
            switch index {
            case 8, 13, 18, 23:
                guard scalar == "-" else { return nil }
            default:
                guard ASCII.isHexDigit(scalar) else { return nil }
            }
        }
        value = text.lowercased()
    }

    public var description: String { value }

    public static func < (lhs: GUID, rhs: GUID) -> Bool { lhs.value < rhs.value }
}
