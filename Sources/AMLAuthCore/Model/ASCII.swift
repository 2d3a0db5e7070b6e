/// ASCII character classes. Names, GUIDs and versions in Azure are ASCII, and these checks run
/// on every scalar of every manifest, where Unicode property look-ups are measurably slow.
enum ASCII {
    static func isLetter(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
    }

    static func isDigit(_ scalar: Unicode.Scalar) -> Bool { ("0"..."9").contains(scalar) }

    static func isAlphanumeric(_ scalar: Unicode.Scalar) -> Bool { isLetter(scalar) || isDigit(scalar) }

    static func isHexDigit(_ scalar: Unicode.Scalar) -> Bool {
        isDigit(scalar) || ("a"..."f").contains(scalar) || ("A"..."F").contains(scalar)
    }

    /// Letters, digits and the given punctuation.
    static func isWord(_ scalar: Unicode.Scalar, or punctuation: String) -> Bool {
        isAlphanumeric(scalar) || punctuation.unicodeScalars.contains(scalar)
    }
}
