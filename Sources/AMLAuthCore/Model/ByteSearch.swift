extension String {
    /// Whether the UTF-8 bytes of `needle` occur in this string. The validator asks this of every
    /// scalar in a manifest (secret shapes, `${`), and the generic `contains` of the standard
    /// library is many times slower for these short ASCII needles.
    func containsBytes(_ needle: StaticString) -> Bool {
        let count = needle.utf8CodeUnitCount
        let pattern = UnsafeBufferPointer(start: needle.utf8Start, count: count)
        if let found = utf8.withContiguousStorageIfAvailable({ Self.search(pattern, in: $0) }) { return found }
        let bytes = Array(utf8)
        return bytes.withUnsafeBufferPointer { Self.search(pattern, in: $0) }
    }

    private static func search(_ pattern: UnsafeBufferPointer<UInt8>, in text: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let first = pattern.first, text.count >= pattern.count else { return pattern.isEmpty }
        var index = 0
        let last = text.count - pattern.count
        while index <= last {
            if text[index] == first {
                var match = true
                for offset in 1..<pattern.count where text[index + offset] != pattern[offset] {
                    match = false
                    break
                }
                if match { return true }
            }
            index += 1
        }
        return false
    }
}
