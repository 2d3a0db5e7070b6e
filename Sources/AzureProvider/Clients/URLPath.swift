/// Paths built from names the cloud or a manifest chose (blob names, artifact paths).
enum URLPath {
    /// `path` with each `/`-separated segment percent-encoded (RFC 3986 unreserved characters
    /// kept), so a name cannot add segments, a query or a fragment to the URL.
    static func escaped(_ path: String) -> String {
        path.split(separator: "/").map { escapeSegment(String($0)) }.joined(separator: "/")
    }

    private static func escapeSegment(_ segment: String) -> String {
        var out = ""
        for byte in segment.utf8 {
            let scalar = Unicode.Scalar(byte)
            if ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
                || "-._~".unicodeScalars.contains(scalar)
            {
                out.unicodeScalars.append(scalar)
            } else {
                out += "%" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
            }
        }
        return out
    }
}
