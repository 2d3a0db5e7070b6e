/// Line breaks exactly as libyaml counts them, so a location's line number always names the line
/// a renderer quotes: `\n`, `\r\n`, a lone `\r`, and the Unicode breaks NEL (U+0085), LS (U+2028)
/// and PS (U+2029) (libyaml's `IS_BREAK`). A file with old Mac line endings is many lines, not one.
public enum LineBreaks {
    /// The length in bytes of the line break that starts at `index` (2 for `\r\n` and NEL, 3 for
    /// LS and PS), or 0 when none starts there.
    public static func length(at index: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Int {
        switch bytes[index] {
        case UInt8(ascii: "\n"): return 1
        case UInt8(ascii: "\r"): return index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "\n") ? 2 : 1
        case 0xC2: return index + 1 < bytes.count && bytes[index + 1] == 0x85 ? 2 : 0
        case 0xE2:
            guard index + 2 < bytes.count, bytes[index + 1] == 0x80 else { return 0 }
            return bytes[index + 2] == 0xA8 || bytes[index + 2] == 0xA9 ? 3 : 0
        default: return 0
        }
    }

    /// Where every line of `bytes` starts and where its content ends (before its line break):
    /// one entry per line, the first starting at 0. Computed once per file, so quoting a line is a
    /// lookup rather than a scan from the top of the file.
    public static func lines(_ bytes: [UInt8]) -> [Range<Int>] {
        bytes.withUnsafeBufferPointer { buffer in
            var lines: [Range<Int>] = []
            var start = 0
            var index = 0
            while index < buffer.count {
                // Every break starts with one of these bytes; skip the rest quickly.
                let byte = buffer[index]
                guard byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") || byte == 0xC2 || byte == 0xE2 else {
                    index += 1
                    continue
                }
                let length = length(at: index, in: buffer)
                if length == 0 {
                    index += 1
                    continue
                }
                lines.append(start..<index)
                index += length
                start = index
            }
            lines.append(start..<buffer.count)
            return lines
        }
    }
}
