import ArgumentParser
import Foundation

/// Facts about the terminal the CLI writes to.
enum Terminal {
    /// Colour only on a TTY (or when `FORCE_COLOR` asks for it), and never when `NO_COLOR` is set.
    ///
    /// `NO_COLOR` (no-color.org): present and not empty disables colour, whatever else is set.
    /// `FORCE_COLOR` (force-color.org): present and not empty (nor `0`/`false`, as chalk and
    /// supports-color read it) colours output that is not a terminal, e.g. a CI log or a pipe.
    static func wantsColor(environment: [String: String]) -> Bool {
        guard environment["NO_COLOR"].map(\.isEmpty) ?? true else { return false }
        if let force = environment["FORCE_COLOR"], !["", "0", "false"].contains(force) { return true }
        return isatty(STDOUT_FILENO) == 1 && environment["TERM"] != "dumb"
    }
}

/// `--no-color`, on every command whose human-readable output can be coloured.
struct ColorOptions: ParsableArguments {
    @Flag(help: "Never colour the output (also NO_COLOR=1). FORCE_COLOR=1 colours output that is not a terminal.")
    var noColor = false

    /// Whether the human-readable output may use ANSI colours.
    func wantsColor(environment: [String: String]) -> Bool {
        !noColor && Terminal.wantsColor(environment: environment)
    }
}
