import AMLAuthCore
import ArgumentParser
import Foundation
import Rendering
import WireFormat

/// `amlauth show plan.json`: renders a saved plan.
struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Render a plan saved with 'plan -o' as text, JSON or Markdown.")

    @Argument(help: "The plan file.")
    var planFile: String

    @Flag(help: "Print JSON.")
    var json = false

    @Flag(help: "Print Markdown.")
    var markdown = false

    @OptionGroup var color: ColorOptions

    func validate() throws {
        if json && markdown { throw ValidationError("--json and --markdown are exclusive") }
    }

    func run() throws {
        let document = try PlanFile.read(planFile, command: "show")
        let output =
            json
            ? document.json().serialized()
            : markdown
                ? PlanRenderer().markdown(document.plan, diagnostics: document.diagnostics)
                : PlanRenderer(colored: color.wantsColor(environment: ProcessInfo.processInfo.environment)).text(
                    document.plan)
        FileHandle.standardOutput.write(Data(output.utf8))
    }
}

/// Reading plan files, with errors that name the file.
enum PlanFile {
    static func read(_ path: String, command: String) throws -> PlanDocument {
        guard let data = FileManager.default.contents(atPath: path) else {
            FileHandle.standardError.write(Data("amlauth \(command): cannot read '\(path)'\n".utf8))
            throw ExitCode.failure
        }
        do {
            return try PlanDocument.parse([UInt8](data))
        } catch {
            FileHandle.standardError.write(Data("amlauth \(command): \(path): \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}
