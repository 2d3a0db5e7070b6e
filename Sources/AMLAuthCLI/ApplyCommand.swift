import AMLAuthCore
import ArgumentParser
import AzureProvider
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

    @Argument(
        help:
            "Directory with the manifests, or a plan file written by 'plan -o' (applied exactly, if nothing changed since)."
    )
    var directory: String = "."

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var reconcile: ReconcileOptions
    @OptionGroup var color: ColorOptions

    @Flag(help: "Apply without asking.")
    var autoApprove = false

    @Option(help: "Changes in flight at once.")
    var parallelism: Int = 8

    @Flag(
        help:
            "Print a JSON report (format_version 2) instead of the plan and progress lines. Needs --auto-approve or a plan file."
    )
    var json = false

    @Option(
        help:
            "Seconds to wait while another apply of the same Target holds its lease in the cloud, then refuse naming it."
    )
    var lockTimeout: Double = 60

    func validate() throws {
        guard parallelism >= 1 else { throw ValidationError("--parallelism must be at least 1") }
        guard lockTimeout >= 0 else { throw ValidationError("--lock-timeout must be 0 or more seconds") }
        if directory.hasSuffix(".json") && !reconcile.only.isEmpty {
            throw ValidationError("--only cannot be combined with a plan file: the plan records its own selection")
        }
        if json && !autoApprove && !directory.hasSuffix(".json") {
            throw ValidationError("--json cannot ask for approval: add --auto-approve")
        }
    }

    func run() async throws { try await run(destroying: false) }

    /// Apply, or with `destroying` (`amlauth destroy`) plan the deletion of everything the Target
    /// owns and apply that, through the same lease, guard, confirmation and executor.
    func run(destroying: Bool) async throws {
        let environment = ProcessInfo.processInfo.environment
        let interruption = Interruption(command: "apply")
        interruption.install()
        let saved = directory.hasSuffix(".json") ? try PlanFile.read(directory, command: "apply") : nil
        let options = Composition.Options(
            targetDirectory: saved?.manifests ?? directory, environment: environment,
            workingDirectory: FileManager.default.currentDirectoryPath,
            caBundle: connection.caBundle, verbose: connection.verbose)
        let lease = LeaseSlot()
        let waitForLease = lockTimeout
        var choices = PlanningRun.Choices(
            prune: saved?.prune ?? reconcile.prune, adopt: saved?.adopt ?? reconcile.adopt,
            allowMassDelete: saved?.allowMassDelete ?? reconcile.allowMassDelete,
            fileIsComplete: reconcile.fileIsComplete)
        choices.only = saved.map(\.only) ?? reconcile.onlyAddresses
        choices.destroy = destroying
        // The lease is taken before the live state is read: an apply that waited plans against
        // what the other one left, never against what it saw before.
        choices.beforeReading = { session, loaded in
            var cloudLease = ApplyLease(directory: session.provider.directory, target: loaded.target.name)
            let thisHost = ProcessInfo.processInfo.hostName
            cloudLease.host = thisHost
            cloudLease.pid = getpid()
            // A holder on this host whose process is gone (killed) gives the lease up at once.
            cloudLease.isAlive = { host, pid in host == thisHost ? kill(pid, 0) == 0 || errno == EPERM : nil }
            try await lease.acquire(
                cloudLease,
                holder: LeaseHolder.describe(environment: environment), wait: waitForLease,
                stop: { interruption.requested })
        }
        choices.cleanup = { await lease.release() }
        let run: PlanningRun
        do {
            run = try await PlanningRun.prepare(options, choices)
        } catch let failure {
            failure.report(command: "apply")
            throw interruption.requested ? ExitCode(interruption.exitCode) : ExitCode.failure
        }
        let outcome: Result<Void, any Error>
        do {
            try await proceed(
                run, saved: saved, options: options, environment: environment, interruption: interruption,
                destroying: destroying)
            outcome = .success(())
        } catch {
            outcome = .failure(error)
        }
        await lease.release()
        await run.session.close()
        try outcome.get()
    }

    /// Checks, shows, confirms and applies the prepared plan; the caller releases the lease and
    /// closes the session whatever happens.
    private func proceed(
        _ run: PlanningRun, saved: PlanDocument?, options: Composition.Options, environment: [String: String],
        interruption: Interruption, destroying: Bool
    ) async throws {
        // A saved plan is applied only as it was made (same manifests, same live objects, the same
        // decisions amlauth makes now), and then exactly: its own steps.
        let plan = saved?.plan ?? run.plan
        if let saved {
            // The target selects what is changed (ownership markers, names): an edited one is refused.
            guard saved.plan.target == run.plan.target else {
                FileHandle.standardError.write(
                    Data(
                        "amlauth apply: the plan is for target '\(saved.plan.target)', but the manifests declare target '\(run.plan.target)'; nothing was changed\n"
                            .utf8))
                throw ExitCode.failure
            }
            let stale = Fingerprints.staleness(
                of: saved, manifests: run.loaded.files, live: run.live, fresh: run.plan,
                directory: run.loaded.directory, workingDirectory: options.workingDirectory,
                codes: Set(run.loaded.codeSnapshots.values.map(\.digest.sha256)))
            guard stale.isEmpty else {
                FileHandle.standardError.write(
                    Data(
                        "amlauth apply: plan is stale; changed since it was made:\n\(stale.map { "  - \($0)" }.joined(separator: "\n"))\nRun 'amlauth plan' again.\n"
                            .utf8))
                throw ExitCode.failure
            }
        }
        FileHandle.standardError.write(Data(run.policyOutput.utf8))
        if run.policyFailed {
            FileHandle.standardError.write(Data("amlauth apply: a policy check failed; nothing was changed\n".utf8))
            throw ExitCode.failure
        }
        let colored = color.wantsColor(environment: environment)
        if !json {
            FileHandle.standardOutput.write(
                Data((run.loaded.diagnosticsOutput + PlanRenderer(colored: colored).text(plan)).utf8))
        }
        guard plan.blockers.isEmpty else {
            if json { FileHandle.standardError.write(Data(PlanRenderer().text(plan).utf8)) }
            FileHandle.standardError.write(
                Data("amlauth apply: the plan cannot be applied as written (see above); nothing was changed\n".utf8))
            throw ExitCode.failure
        }
        try Self.writeWorkspaceConfigs(run, json: json)
        guard plan.hasChanges else {
            if json {
                FileHandle.standardOutput.write(
                    Data(ApplyRenderer.report(target: plan.target, ApplyResult(outcomes: [])).utf8))
            }
            try Self.reportUnplanned(plan)
            return
        }
        if !autoApprove && saved == nil {
            guard isatty(STDIN_FILENO) == 1 else {
                FileHandle.standardError.write(
                    Data("amlauth apply: not a terminal: rerun with --auto-approve to apply without asking\n".utf8))
                throw ExitCode.failure
            }
            let question =
                destroying
                ? "Do you really want to destroy everything target '\(plan.target)' owns? There is no undo."
                : "Do you want to perform these actions?"
            FileHandle.standardOutput.write(Data("\n\(question) Only 'yes' will be accepted: ".utf8))
            guard readLine()?.trimmingCharacters(in: .whitespaces) == "yes" else {
                FileHandle.standardOutput.write(Data("Apply cancelled.\n".utf8))
                throw ExitCode.failure
            }
        }
        if interruption.requested {
            FileHandle.standardError.write(
                Data("amlauth apply: interrupted before any change; nothing was changed\n".utf8))
            throw ExitCode(interruption.exitCode)
        }
        if !json { FileHandle.standardOutput.write(Data("\n".utf8)) }
        let observer: any ApplyObserver =
            json
            ? SilentObserver()
            : ProgressPrinter(total: plan.effective.count, live: isatty(STDOUT_FILENO) == 1, escapes: colored)
        var executor = run.executor(parallelism: parallelism)
        executor.shouldStop = { interruption.requested }
        let result = await executor.apply(plan, observer: observer)
        let output =
            json ? ApplyRenderer.report(target: plan.target, result) : "\n\(ApplyRenderer.summaryLine(result))\n"
        FileHandle.standardOutput.write(Data(output.utf8))
        // The job's summary page shows what was done, as plan shows what would be.
        if let summary = environment["GITHUB_STEP_SUMMARY"], let handle = FileHandle(forWritingAtPath: summary) {
            handle.seekToEndOfFile()
            handle.write(Data(ApplyRenderer.markdown(target: plan.target, result).utf8))
            try? handle.close()
        }
        if let signal = interruption.caught {
            let applied = result.outcomes.filter { $0.1 == .applied }.count
            let notStarted = result.outcomes.filter { $0.1 == .interrupted }.count
            FileHandle.standardError.write(
                Data(
                    "amlauth apply: stopped by \(Interruption.name(signal)): \(applied) of \(result.outcomes.count) changes applied, \(notStarted) not started; no change was left half done. Run 'amlauth plan' to see what is left.\n"
                        .utf8))
            throw ExitCode(interruption.exitCode)
        }
        if result.failed { throw ExitCode.failure }
        try Self.reportUnplanned(plan)
    }

    /// Exit 1 when part of the cloud could not be read: what was planned was applied, the rest
    /// was not decided (the plan's notes say which resources).
    private static func reportUnplanned(_ plan: Plan) throws {
        guard plan.unplanned.isEmpty else {
            FileHandle.standardError.write(
                Data(
                    "amlauth apply: \(plan.unplanned.count) resource(s) were not planned because part of the cloud could not be read; the rest was applied. Run apply again.\n"
                        .utf8))
            throw ExitCode.failure
        }
    }
}

/// The apply lease this process holds, if any, with the task that keeps it alive.
final class LeaseSlot: Sendable {
    private let held = Mutex<(ApplyLease, ApplyLease.Held, Task<Void, Never>)?>(nil)

    /// Takes the lease or throws a `SessionError` naming the holder.
    func acquire(_ lease: ApplyLease, holder: String, wait: Double, stop: @escaping @Sendable () -> Bool)
        async throws
    {
        let taken: ApplyLease.Held
        do {
            taken = try await lease.acquire(holder: holder, wait: wait, stop: stop)
        } catch let busy as ApplyLease.Busy {
            throw SessionError.message("\(busy); nothing was changed")
        } catch is CancellationError {
            throw SessionError.message("interrupted while waiting for the apply lease; nothing was changed")
        } catch {
            // The lease is a Graph application: an identity that may not write applications
            // cannot hold it (and could not apply a principal either).
            let hint =
                (error as? AzureError)?.status == 403
                ? " (the lease is a Graph application: the deploying identity needs Application.ReadWrite.OwnedBy)" : ""
            throw SessionError.message(
                "cannot take the apply lease of target '\(lease.target)'\(hint): \(error); nothing was changed")
        }
        let keeper = lease.keep(taken) {
            FileHandle.standardError.write(
                Data(
                    "amlauth apply: warning: the apply lease of target '\(lease.target)' expired and was taken by another apply\n"
                        .utf8))
        }
        held.withLock { $0 = (lease, taken, keeper) }
    }

    /// Gives the lease up (once).
    func release() async {
        let slot = held.withLock { current in
            defer { current = nil }
            return current
        }
        guard let slot else { return }
        slot.2.cancel()
        await slot.0.release(slot.1)
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
    /// Whether the live line may be erased with an ANSI escape; without (`--no-color`,
    /// `NO_COLOR`) it is overwritten with spaces, so the output holds no escape at all.
    let escapes: Bool
    private let state = Mutex<(done: Int, running: Int)>((0, 0))

    init(total: Int, live: Bool, escapes: Bool) {
        self.total = total
        self.live = live
        self.escapes = escapes
    }

    func started(_ change: Change) {
        let counts = state.withLock { state in
            state.running += 1
            return state
        }
        emit(ApplyRenderer.startLine(change), counts)
    }

    func finished(_ change: Change, _ outcome: ChangeOutcome, seconds: Double) {
        let counts = state.withLock { state in
            state.done += 1
            switch outcome {
            case .skipped, .interrupted: break
            case .applied, .failed: state.running -= 1
            }
            return state
        }
        emit(ApplyRenderer.line(change, outcome, seconds: seconds), counts)
    }

    /// The live line: how far the apply is.
    func status(_ counts: (done: Int, running: Int)) -> String {
        "[\(counts.done)/\(total)] \(counts.running) in progress"
    }

    private func emit(_ line: String, _ counts: (done: Int, running: Int)) {
        // On a terminal: clear the status line, print the event, redraw the status below it.
        let widest = status((total, total)).count
        let clear = escapes ? "\r\u{1B}[2K" : "\r" + String(repeating: " ", count: widest) + "\r"
        let text = live ? "\(clear)\(line)\n\(status(counts))" + (counts.done == total ? "\n" : "") : line + "\n"
        FileHandle.standardOutput.write(Data(text.utf8))
    }
}
