import Foundation

/// Prune deletes every owned object the manifests do not name, so it must see the whole manifest
/// set. `amlauth apply infra/target.yaml --prune` would take one file for the whole set and plan
/// to delete everything else: a path that is a file is refused with prune unless
/// `--file-is-complete` says the file really holds every manifest of the Target.
enum PruneScope {
    /// The refusal for a prune over a single file, or nil when the path is a directory.
    static func singleFileRefusal(_ options: Composition.Options) -> String? {
        let path = ManifestFiles.absolute(options.targetDirectory, in: options.workingDirectory)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            return nil
        }
        let parent = (options.targetDirectory as NSString).deletingLastPathComponent
        return
            "prune needs the whole manifest set, and '\(options.targetDirectory)' is a single file: every owned object that is not in it would be deleted. Point amlauth at the directory that holds all of the Target's manifests ('\(parent.isEmpty ? "." : parent)'), or add --file-is-complete if this file really is the whole set; nothing was read or changed"
    }
}
