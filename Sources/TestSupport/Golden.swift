import Foundation

/// Golden files: expected output kept next to the test input. `UPDATE_GOLDENS=1 swift test`
/// rewrites them; otherwise a mismatch is reported with the first differing line.
public enum Golden {
    /// True when the run should write goldens instead of comparing.
    public static var updating: Bool { ProcessInfo.processInfo.environment["UPDATE_GOLDENS"] == "1" }

    /// Compares `actual` with the file at `path`, or writes it when updating. Returns a failure
    /// message, or nil when they match.
    public static func check(_ actual: String, against path: String) -> String? {
        if updating {
            do {
                try actual.write(toFile: path, atomically: true, encoding: .utf8)
                return nil
            } catch {
                return "cannot write golden \(path): \(error)"
            }
        }
        guard let expected = try? String(contentsOfFile: path, encoding: .utf8) else {
            return "missing golden \(path); run UPDATE_GOLDENS=1 swift test to create it"
        }
        guard expected != actual else { return nil }
        let expectedLines = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let actualLines = actual.split(separator: "\n", omittingEmptySubsequences: false)
        let index = zip(expectedLines, actualLines).enumerated().first { $0.element.0 != $0.element.1 }?.offset
            ?? min(expectedLines.count, actualLines.count)
        let want = index < expectedLines.count ? String(expectedLines[index]) : "<end of file>"
        let got = index < actualLines.count ? String(actualLines[index]) : "<end of output>"
        return "\(path) differs at line \(index + 1):\n  expected: \(want)\n  actual:   \(got)\n(UPDATE_GOLDENS=1 swift test rewrites goldens)"
    }
}
