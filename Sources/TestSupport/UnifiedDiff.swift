/// A unified diff of two texts (`--- expected`, `+++ actual`, `@@` hunks with context), for golden
/// mismatches: a reviewer sees every difference at once, not just the first line.
public enum UnifiedDiff {
    public static func of(expected: String, actual: String, context: Int = 3) -> String {
        let old = expected.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let new = actual.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        // Longest common subsequence by dynamic programming: goldens are small.
        var lengths = Array(repeating: Array(repeating: 0, count: new.count + 1), count: old.count + 1)
        for i in stride(from: old.count - 1, through: 0, by: -1) {
            for j in stride(from: new.count - 1, through: 0, by: -1) {
                lengths[i][j] = old[i] == new[j] ? lengths[i + 1][j + 1] + 1 : max(lengths[i + 1][j], lengths[i][j + 1])
            }
        }
        enum Edit {
            case same(String)
            case removed(String)
            case added(String)
        }
        var edits: [(edit: Edit, oldLine: Int, newLine: Int)] = []
        var i = 0
        var j = 0
        while i < old.count || j < new.count {
            if i < old.count, j < new.count, old[i] == new[j] {
                edits.append((.same(old[i]), i, j))
                i += 1
                j += 1
            } else if i < old.count, j == new.count || lengths[i + 1][j] >= lengths[i][j + 1] {
                // Removals before additions, as diff(1) prints them.
                edits.append((.removed(old[i]), i, j))
                i += 1
            } else {
                edits.append((.added(new[j]), i, j))
                j += 1
            }
        }
        let changed = edits.indices.filter { if case .same = edits[$0].edit { false } else { true } }
        guard !changed.isEmpty else { return "" }
        var output = "--- expected\n+++ actual\n"
        var start = 0
        while start < changed.count {
            var end = start
            while end + 1 < changed.count, changed[end + 1] - changed[end] <= 2 * context { end += 1 }
            let low = max(0, changed[start] - context)
            let high = min(edits.count - 1, changed[end] + context)
            let slice = edits[low...high]
            let oldCount = slice.filter { if case .added = $0.edit { false } else { true } }.count
            let newCount = slice.filter { if case .removed = $0.edit { false } else { true } }.count
            output += "@@ -\(edits[low].oldLine + 1),\(oldCount) +\(edits[low].newLine + 1),\(newCount) @@\n"
            for entry in slice {
                switch entry.edit {
                case .same(let line): output += " \(line)\n"
                case .removed(let line): output += "-\(line)\n"
                case .added(let line): output += "+\(line)\n"
                }
            }
            start = end + 1
        }
        return output
    }
}
