public import AMLAuthCore
import Foundation
import YAMLSource

/// Finds and reads manifest files: the I/O edge in front of the pure core.
///
/// A path may be a file or a directory; directories are searched recursively for `*.yaml` and
/// `*.yml`, skipping hidden directories (`.git`, `.amlauth`). Files come back sorted, named
/// relative to the working directory, so output is the same on every machine.
public struct ManifestFiles: Sendable {
    public var files: [SourceFile] = []
    /// Problems reading the input (missing paths, unreadable files, no manifests at all).
    public var diagnostics: [Diagnostic] = []

    /// Reads the manifests below `paths`, naming them relative to `workingDirectory`. With
    /// `amlauthOnly`, a file whose bytes do not hold `amlauth/` (so no document with amlauth's
    /// apiVersion) is skipped unparsed: for commands that only read the Target and the services.
    public static func load(_ paths: [String], workingDirectory: String, amlauthOnly: Bool = false) -> ManifestFiles {
        var result = ManifestFiles()
        var seen: Set<String> = []
        let fileManager = FileManager.default
        for path in paths {
            let absolute = Self.absolute(path, in: workingDirectory)
            var isDirectory: ObjCBool = false
            guard fileManager.fileExists(atPath: absolute, isDirectory: &isDirectory) else {
                result.diagnostics.append(Diagnostic(.unreadableInput, "'\(path)' does not exist", at: nil, path: path))
                continue
            }
            let found = isDirectory.boolValue ? Self.manifests(under: absolute) : [absolute]
            if isDirectory.boolValue, found.isEmpty {
                result.diagnostics.append(
                    Diagnostic(
                        .unreadableInput, "'\(path)' holds no manifest files (*.yaml, *.yml)", at: nil,
                        hint: "point amlauth at the directory with your manifests", path: path))
            }
            for file in found where seen.insert(file).inserted {
                let display = Self.display(file, relativeTo: workingDirectory)
                guard let data = fileManager.contents(atPath: file) else {
                    result.diagnostics.append(
                        Diagnostic(.unreadableInput, "cannot read '\(display)'", at: nil, path: display))
                    continue
                }
                let bytes = [UInt8](data)
                // A file named explicitly is always read; one found in a directory walk only if it can be amlauth's.
                if amlauthOnly, isDirectory.boolValue, !Self.mentionsAPIVersion(bytes) { continue }
                result.files.append(SourceFile(path: display, bytes: bytes))
            }
        }
        return result
    }

    /// Whether `bytes` hold `amlauth/` anywhere: a cheap test that a file may hold a manifest.
    static func mentionsAPIVersion(_ bytes: [UInt8]) -> Bool {
        let needle = Array("amlauth/".utf8)
        guard bytes.count >= needle.count else { return false }
        var index = 0
        while index <= bytes.count - needle.count {
            if bytes[index] == needle[0], bytes[index..<(index + needle.count)].elementsEqual(needle) { return true }
            index += 1
        }
        return false
    }

    static func manifests(under directory: String) -> [String] {
        guard
            let enumerator = FileManager.default.enumerator(
                at: URL(fileURLWithPath: directory), includingPropertiesForKeys: [.isRegularFileKey],
                options: [.skipsHiddenFiles])
        else { return [] }
        var files: [String] = []
        for case let url as URL in enumerator {
            let ext = url.pathExtension.lowercased()
            guard ext == "yaml" || ext == "yml" else { continue }
            guard (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true else { continue }
            files.append(url.standardizedFileURL.path)
        }
        return files.sorted()
    }

    static func absolute(_ path: String, in workingDirectory: String) -> String {
        let url =
            path.hasPrefix("/")
            ? URL(fileURLWithPath: path) : URL(fileURLWithPath: workingDirectory).appendingPathComponent(path)
        return url.standardizedFileURL.path
    }

    /// `path` relative to `directory` when it lies below it, else as is.
    static func display(_ path: String, relativeTo directory: String) -> String {
        let base = URL(fileURLWithPath: directory).standardizedFileURL.path
        let prefix = base.hasSuffix("/") ? base : base + "/"
        return path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
    }
}
