/// A length of time as written in manifests: one or more `<number><unit>` parts, units `w d h m s`
/// (`90d`, `12h`, `1d12h`). Stored as seconds so comparisons are exact.
public struct ManifestDuration: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    public var seconds: Int

    public init(seconds: Int) { self.seconds = seconds }

    public static func days(_ days: Int) -> ManifestDuration { ManifestDuration(seconds: days * 86_400) }

    /// Parses `90d`, `12h`, `1d12h`; nil for anything else (empty, no unit, unknown unit, overflow).
    public init?(parsing text: String) {
        var total = 0
        var number: Int?
        for character in text.unicodeScalars {
            if let digit = Int(exactly: character.value), (48...57).contains(digit) {
                let (scaled, overflow1) = (number ?? 0).multipliedReportingOverflow(by: 10)
                let (sum, overflow2) = scaled.addingReportingOverflow(digit - 48)
                guard !overflow1, !overflow2 else { return nil }
                number = sum
                continue
            }
            guard let value = number, let unit = Self.unitSeconds(character) else { return nil }
            let (part, overflow1) = value.multipliedReportingOverflow(by: unit)
            let (sum, overflow2) = total.addingReportingOverflow(part)
            guard !overflow1, !overflow2 else { return nil }
            total = sum
            number = nil
        }
        guard number == nil, !text.isEmpty else { return nil }
        seconds = total
    }

    private static func unitSeconds(_ unit: Unicode.Scalar) -> Int? {
        switch unit {
        case "w": 604_800
        case "d": 86_400
        case "h": 3_600
        case "m": 60
        case "s": 1
        default: nil
        }
    }

    /// The shortest canonical form (`90d`, `1d12h`).
    public var description: String {
        if seconds == 0 { return "0s" }
        var rest = seconds
        var text = ""
        for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)] where rest >= size {
            text += "\(rest / size)\(unit)"
            rest %= size
        }
        return text
    }

    public static func < (lhs: ManifestDuration, rhs: ManifestDuration) -> Bool { lhs.seconds < rhs.seconds }
}
