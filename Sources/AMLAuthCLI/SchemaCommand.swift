import AMLAuthCore
import ArgumentParser
import Foundation
import WireFormat

/// `amlauth schema`: the JSON Schema of the manifest language, for editors.
struct SchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Print the JSON Schema (draft 2020-12) of the manifest language.",
        discussion: """
            Point yaml-language-server at it with a first line of \
            '# yaml-language-server: $schema=<path>/amlauth.schema.json' in a manifest.
            """)

    func run() throws {
        FileHandle.standardOutput.write(Data(JSONSchemaGenerator.schema().serialized().utf8))
    }
}
