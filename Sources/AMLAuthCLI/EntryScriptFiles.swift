import AMLAuthCore
import AzureProvider
import Foundation
import YAMLSource

/// Reads each web service's `entry_script` (relative to the manifest that names it), as
/// azureml-core's `InferenceConfig` reads its `entry_script` before uploading it: the content goes
/// into the plan (so apply uploads what was planned) and its SHA-256 shows there.
enum EntryScriptFiles {
    struct Result {
        var diagnostics: [Diagnostic] = []
        /// Content and digest by service name, for the plan.
        var scripts: [String: EntryScriptFile] = [:]
    }

    static func read(_ manifests: ManifestSet, workingDirectory: String) -> Result {
        var result = Result()
        for service in manifests.webservices {
            let file = service.entryScript
            let location = service.source.location(of: "entry_script")
            let manifestDirectory = (ManifestFiles.absolute(location.file, in: workingDirectory) as NSString)
                .deletingLastPathComponent
            let path = file.hasPrefix("/") ? file : manifestDirectory + "/" + file
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
                let data = FileManager.default.contents(atPath: path)
            else {
                result.diagnostics.append(
                    Diagnostic(
                        .entryScriptFile, "cannot read entry_script '\(file)'", at: location,
                        hint:
                            "the path is relative to this manifest's directory; amlauth uploads the file as the service's scoring script"
                    ))
                continue
            }
            result.scripts[service.name] = EntryScriptFile.of([UInt8](data))
        }
        return result
    }
}
