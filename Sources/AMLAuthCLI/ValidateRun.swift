public import AMLAuthCore
public import Engine
import Rendering

/// `amlauth validate` without the process around it: inputs in, text and exit code out, so tests
/// run it in-process and the command stays a thin shell.
public struct ValidateRun: Sendable {
    /// How diagnostics are printed.
    public enum Format: String, Sendable, CaseIterable {
        case text, json
    }

    public var paths: [String]
    public var format: Format
    public var environment: [String: String]
    public var workingDirectory: String
    public var colored: Bool
    /// Skip files in a directory walk that cannot hold an amlauth manifest (no `amlauth/` in their
    /// bytes), unparsed: `whoami`, `token` and `keys` need the Target and services, not every YAML file.
    public var amlauthFilesOnly = false

    public init(
        paths: [String], format: Format, environment: [String: String], workingDirectory: String, colored: Bool = false
    ) {
        self.paths = paths
        self.format = format
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.colored = colored
    }

    /// What the command prints and how it exits, with what it loaded (so plan and apply load the
    /// manifests once).
    public struct Outcome: Sendable {
        /// The report (text or JSON): stdout, and nothing else ever goes into it.
        public var output: String
        /// GitHub workflow commands (annotations) under `GITHUB_ACTIONS=true`, else "": for
        /// stderr, so `--format json` stays one parseable document.
        public var workflowCommands: String
        public var exitCode: Int32
        public var diagnostics: [Diagnostic]
        public var files: [SourceFile]
        public var manifests: ManifestSet
        /// Certificate credentials' DER, by `<principal>/<credential>`.
        public var certificates: [String: [UInt8]]
        /// OnlineDeployments' code directories as read, by `metadata.name`.
        public var codeSnapshots: [String: CodeSnapshot] = [:]
        /// Web services' entry scripts, by service name.
        public var entryScripts: [String: EntryScriptFile]
    }

    public func run() -> Outcome {
        let input = ManifestFiles.load(
            paths.isEmpty ? ["."] : paths, workingDirectory: workingDirectory, amlauthOnly: amlauthFilesOnly)
        let result = ManifestValidation(environment: environment).run(input.files)
        // Certificate files are I/O, checked here at the edge (only when the manifests are otherwise sound).
        let certificates =
            result.diagnostics.hasErrors
            ? nil : CertificateFiles.check(result.manifests, workingDirectory: workingDirectory)
        let codes =
            result.diagnostics.hasErrors
            ? nil : CodeDirectories.check(result.manifests, workingDirectory: workingDirectory)
        let entryScripts =
            result.diagnostics.hasErrors
            ? nil : EntryScriptFiles.read(result.manifests, workingDirectory: workingDirectory)
        // Every message is masked with the secrets found in the files, whichever stage wrote it.
        let diagnostics =
            (input.diagnostics + result.diagnostics.all + (certificates?.diagnostics ?? [])
            + (codes?.diagnostics ?? []) + (entryScripts?.diagnostics ?? [])).map(result.secrets.mask)
        let summary = ValidationSummary(
            files: input.files.count, resources: result.manifests.declarations.count, diagnostics: diagnostics)
        let workflowCommands =
            environment["GITHUB_ACTIONS"] == "true" ? DiagnosticRenderer.githubAnnotations(diagnostics) : ""
        let output: String
        switch format {
        case .text:
            let renderer = DiagnosticRenderer(
                source: SourceText(files: input.files, secrets: result.secrets), colored: colored)
            output = renderer.text(diagnostics, summary: summary)
        case .json:
            output = DiagnosticRenderer.json(diagnostics, summary: summary)
        }
        return Outcome(
            output: output, workflowCommands: workflowCommands, exitCode: summary.errors == 0 ? 0 : 1,
            diagnostics: diagnostics, files: input.files, manifests: result.manifests,
            certificates: certificates?.certificates ?? [:], codeSnapshots: codes?.snapshots ?? [:],
            entryScripts: entryScripts?.scripts ?? [:])
    }
}
