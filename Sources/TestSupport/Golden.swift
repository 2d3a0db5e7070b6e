import Foundation

/// Golden files: expected output kept next to the test input. `UPDATE_GOLDENS=1 swift test`
/// rewrites them; otherwise a mismatch is reported as a unified diff.
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
        return "\(path) differs from the output (UPDATE_GOLDENS=1 swift test rewrites goldens):\n"
            + UnifiedDiff.of(expected: expected, actual: actual)
    }
}
