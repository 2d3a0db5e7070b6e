import Foundation

/// Facts about the terminal the CLI writes to.
enum Terminal {
    /// Colour only on a TTY, and never when `NO_COLOR` is set (no-color.org).
    static func wantsColor(environment: [String: String]) -> Bool {
        guard environment["NO_COLOR"].map(\.isEmpty) ?? true else { return false }
        return isatty(STDOUT_FILENO) == 1 && environment["TERM"] != "dumb"
    }
}
