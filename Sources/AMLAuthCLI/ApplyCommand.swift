import AMLAuthCore
import ArgumentParser
import Engine
import Foundation
import Rendering
import Synchronization

/// `amlauth apply [DIR]`: plans, shows the plan, asks (or takes --auto-approve), and applies.
struct ApplyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Plan, confirm and apply: create, update, replace, rotate and (with prune) delete.",
        discussion: """
            Changes run in dependency order (service principals, then role assignments and web services; deletions \
            last), independent ones in parallel. A failed change skips its dependents and apply exits 1. New passwords \
            go only to their deliver_to sink. Without a terminal, apply needs --auto-approve.
            """)

    @Argument(help: "Directory with the manifests, or a plan file written by 'plan -o' (applied exactly, if nothing changed since).")
    var directory: String = "."

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var reconcile: ReconcileOptions

    @Flag(help: "Apply without asking.")
    var autoApprove = false

    @Option(help: "Changes in flight at once.")
    var parallelism: Int = 8

    @Flag(help: "Print a JSON report (format_version 1) instead of the plan and progress lines. Needs --auto-approve or a plan file.")
    var json = false

    func validate() throws {
        guard parallelism >= 1 else { throw ValidationError("--parallelism must be at least 1") }
        if json && !autoApprove && !directory.hasSuffix(".json") { throw ValidationError("--json cannot ask for approval: add --auto-approve") }
    }

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let saved = directory.hasSuffix(".json") ? try PlanFile.read(directory, command: "apply") : nil
        let options = Composition.Options(
            targetDirectory: saved?.manifests ?? directory, environment: environment, workingDirectory: FileManager.default.currentDirectoryPath,
            caBundle: connection.caBundle, verbose: connection.verbose)
        let run: PlanningRun
        do {
            run = try await PlanningRun.prepare(options, prune: saved?.prune ?? reconcile.prune, adopt: saved?.adopt ?? reconcile.adopt)
        } catch let failure {
            failure.report(command: "apply")
            throw ExitCode.failure
        }
        if let saved {
            // A saved plan is applied only as it was made: same manifests, same live objects.
            var stale: [String] = []
            if saved.manifestDigest != Fingerprints.manifests(run.loaded.files) { stale.append("the manifests in '\(options.targetDirectory)'") }
            stale += PlanDocument.staleObjects(saved: saved.fingerprints, current: Fingerprints.of(run.live))
            if stale.isEmpty, run.plan.changes != saved.plan.changes { stale.append("the plan itself (it would differ if made now)") }
            guard stale.isEmpty else {
                await run.session.close()
                FileHandle.standardError.write(Data("amlauth apply: plan is stale; changed since it was made:\n\(stale.map { "  - \($0)" }.joined(separator: "\n"))\nRun 'amlauth plan' again.\n".utf8))
                throw ExitCode.failure
            }
        }
        FileHandle.standardError.write(Data(run.policyOutput.utf8))
        if run.policyFailed {
            await run.session.close()
            FileHandle.standardError.write(Data("amlauth apply: a policy check failed; nothing was changed\n".utf8))
            throw ExitCode.failure
        }
        let colored = Terminal.wantsColor(environment: environment)
        if !json { FileHandle.standardOutput.write(Data((run.loaded.diagnosticsOutput + PlanRenderer(colored: colored).text(run.plan)).utf8)) }
        guard run.plan.hasChanges else {
            await run.session.close()
            if json { FileHandle.standardOutput.write(Data(Self.report(run.plan.target, ApplyResult(outcomes: [])).utf8)) }
            return
        }
        if !autoApprove && saved == nil {
            guard isatty(STDIN_FILENO) == 1 else {
                await run.session.close()
                FileHandle.standardError.write(Data("amlauth apply: not a terminal: rerun with --auto-approve to apply without asking\n".utf8))
                throw ExitCode.failure
            }
            FileHandle.standardOutput.write(Data("\nDo you want to perform these actions? Only 'yes' will be accepted: ".utf8))
            guard readLine()?.trimmingCharacters(in: .whitespaces) == "yes" else {
                await run.session.close()
                FileHandle.standardOutput.write(Data("Apply cancelled.\n".utf8))
                throw ExitCode.failure
            }
        }
        if !json { FileHandle.standardOutput.write(Data("\n".utf8)) }
        let executor = Executor(operations: run.session.operations(delivery: run.delivery), parallelism: parallelism)
        let observer: any ApplyObserver = json ? SilentObserver() : ProgressPrinter(total: run.plan.effective.count, live: isatty(STDOUT_FILENO) == 1)
        let result = await executor.apply(run.plan, desired: run.desired, live: run.live, observer: observer)
        await run.session.close()
        let output = json ? Self.report(run.plan.target, result) : "\n\(result.summaryLine)\n"
        FileHandle.standardOutput.write(Data(output.utf8))
        if result.failed { throw ExitCode.failure }
    }

    /// The machine-readable apply report: one entry per change with its outcome.
    static func report(_ target: String, _ result: ApplyResult) -> String {
        JSONValue.object([
            ("format_version", .number(1)), ("target", .string(target)), ("succeeded", .bool(!result.failed)),
            ("summary", .string(result.summaryLine)),
            ("changes", .array(result.outcomes.map { change, outcome in
                var pairs: [(String, JSONValue)] = [("address", .string(change.address.description)), ("action", .string(change.action.rawValue))]
                switch outcome {
                case .applied: pairs.append(("outcome", .string("applied")))
                case .failed(let message): pairs += [("outcome", .string("failed")), ("error", .string(message))]
                case .skipped(let blocker): pairs += [("outcome", .string("skipped")), ("skipped_because", .string(blocker.description))]
                }
                return .object(pairs)
            })),
        ]).serialized()
    }
}

/// Reports nothing (the JSON report says it all at the end).
struct SilentObserver: ApplyObserver {
    func started(_ change: Change) {}
    func finished(_ change: Change, _ outcome: ChangeOutcome, seconds: Double) {}
}

/// One line per change as it starts and ends, with its duration; on a terminal, also a live
/// `[done/total]` line kept at the bottom.
final class ProgressPrinter: ApplyObserver {
    let total: Int
    let live: Bool
    private let state = Mutex<(done: Int, running: Int)>((0, 0))

    init(total: Int, live: Bool) {
        self.total = total
        self.live = live
    }

    func started(_ change: Change) {
        let counts = state.withLock { state in
            state.running += 1
            return state
        }
        emit("\(change.address): \(Self.verb(change.action))…", counts)
    }

    func finished(_ change: Change, _ outcome: ChangeOutcome, seconds: Double) {
        let counts = state.withLock { state in
            state.done += 1
            if case .skipped = outcome {} else { state.running -= 1 }
            return state
        }
        emit(Self.line(change, outcome, seconds: seconds), counts)
    }

    static func line(_ change: Change, _ outcome: ChangeOutcome, seconds: Double) -> String {
        switch outcome {
        case .applied: "\(change.address): \(done(change.action)) in \(String(format: "%.1f", seconds))s"
        case .failed(let message): "\(change.address): failed after \(String(format: "%.1f", seconds))s: \(message)"
        case .skipped(let blocker): "\(change.address): skipped because \(blocker) failed"
        }
    }

    /// The live line: how far the apply is.
    func status(_ counts: (done: Int, running: Int)) -> String {
        "[\(counts.done)/\(total)] \(counts.running) in progress"
    }

    private func emit(_ line: String, _ counts: (done: Int, running: Int)) {
        // On a terminal: clear the status line, print the event, redraw the status below it.
        let text = live ? "\r\u{1B}[2K\(line)\n\(status(counts))" + (counts.done == total ? "\n" : "") : line + "\n"
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    static func verb(_ action: Action) -> String {
        switch action {
        case .create: "creating"
        case .update: "updating"
        case .replace: "replacing"
        case .delete: "destroying"
        case .rotate: "rotating"
        case .adopt: "adopting"
        case .noOp: "checking"
        }
    }

    static func done(_ action: Action) -> String {
        switch action {
        case .create: "created"
        case .update: "updated"
        case .replace: "replaced"
        case .delete: "destroyed"
        case .rotate: "rotated"
        case .adopt: "adopted"
        case .noOp: "unchanged"
        }
    }
}
