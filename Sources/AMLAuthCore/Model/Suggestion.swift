/// "Did you mean …?" for misspelt field names, kinds, enum values and references.
public enum Suggestion {
    /// Words longer than this get no suggestion: no name amlauth knows is this long, and the edit
    /// distance costs the product of both lengths (a 50 MB `kind:` value must not hold a CI job).
    public static let maximumLength = 64

    /// The candidate closest to `word` by edit distance, if it is close enough to be a typo.
    ///
    /// Work is bounded whatever the input: a word or candidate longer than `maximumLength` is
    /// skipped, as is a candidate whose length alone puts it past the typo limit.
    public static func closest(to word: String, in candidates: some Sequence<String>) -> String? {
        guard word.utf8.count <= maximumLength * 4 else { return nil }
        let target = Array(word.lowercased().unicodeScalars)
        guard target.count <= maximumLength else { return nil }
        let limit = max(1, min(3, target.count / 3))
        var best: (String, Int)?
        for candidate in candidates where candidate.utf8.count <= maximumLength * 4 {
            let scalars = Array(candidate.lowercased().unicodeScalars)
            guard scalars.count <= maximumLength, abs(scalars.count - target.count) <= limit else { continue }
            let distance = editDistance(target, scalars)
            if distance < (best?.1 ?? Int.max) { best = (candidate, distance) }
        }
        guard let (candidate, distance) = best else { return nil }
        return distance <= limit ? candidate : nil
    }

    /// `hint` text for a suggestion, or nil.
    public static func hint(for word: String, in candidates: some Sequence<String>) -> String? {
        closest(to: word, in: candidates).map { "did you mean '\($0)'?" }
    }

    /// Levenshtein distance with transpositions counted as one edit.
    static func editDistance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previousPrevious = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    current[j] = min(current[j], previousPrevious[j - 2] + 1)
                }
            }
            (previousPrevious, previous, current) = (previous, current, previousPrevious)
        }
        return previous[b.count]
    }
}
