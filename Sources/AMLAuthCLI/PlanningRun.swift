import AMLAuthCore
import AzureProvider
import Engine
import Foundation
import Rendering

/// The steps plan and apply share: validate, connect, resolve, read, plan.
struct PlanningRun {
    var loaded: Composition.LoadedManifests
    var session: Session
    var desired: DesiredState
    var live: LiveState
    var plan: Plan
    var delivery: SecretDelivery
    /// Policy findings that needed live data (AMLA002, AMLA004), already at their Target severity.
    var policy: [Diagnostic]

    /// The policy findings rendered for the terminal, or "" when there are none.
    var policyOutput: String {
        guard !policy.isEmpty else { return "" }
        let renderer = DiagnosticRenderer(source: SourceText(files: loaded.files))
        return Diagnostic.sortedForDisplay(policy).map(renderer.text).joined() + "\n"
    }

    var policyFailed: Bool { policy.contains { $0.severity == .error } }

    /// Every finding of the run, validation's and the plan-time policy checks', for the plan's
    /// JSON and Markdown forms and the step summary.
    var findings: [Diagnostic] { loaded.diagnostics + policy }

    /// Writes the findings where diagnostics go: the rendered text on stderr (stdout holds the
    /// plan or report alone) and, under `GITHUB_ACTIONS=true`, annotations for the policy findings
    /// (validation's were written when the manifests were loaded).
    func reportFindings(environment: [String: String]) {
        FileHandle.standardError.write(Data((loaded.diagnosticsOutput + policyOutput).utf8))
        if environment["GITHUB_ACTIONS"] == "true" {
            FileHandle.standardError.write(Data(DiagnosticRenderer.githubAnnotations(policy).utf8))
        }
    }

    /// What plan and apply ask for beyond the manifests, and the hooks apply needs.
    struct Choices {
        var prune: Bool
        var adopt: Bool
        var allowMassDelete = false
        var fileIsComplete = false
        /// `--only`: limit the plan to these resources and what they depend on.
        var only: [ResourceAddress] = []
        /// `amlauth destroy`: plan as if the manifests declared nothing but the Target and its
        /// workspaces (so every owned object is an orphan), with prune.
        var destroy = false
        /// Runs once connected, before the live state is read (apply takes its lease here).
        var beforeReading: (Session, Composition.LoadedManifests) async throws -> Void = { _, _ in }
        /// Runs when preparing fails after `beforeReading`, before the session closes.
        var cleanup: () async -> Void = {}
    }

    static func prepare(_ options: Composition.Options, prune: Bool, adopt: Bool) async throws(SessionError)
        -> PlanningRun
    {
        try await prepare(options, Choices(prune: prune, adopt: adopt))
    }

    static func prepare(_ options: Composition.Options, _ choices: Choices) async throws(SessionError) -> PlanningRun {
        let loaded = try Composition.load(options)
        let prune = choices.prune || loaded.target.prune || choices.destroy
        let adopt = choices.adopt
        // Destroy does not depend on the manifests being complete: it deletes whatever the Target owns.
        if prune && !choices.fileIsComplete && !choices.destroy, let refusal = PruneScope.singleFileRefusal(options) {
            throw .message(refusal)
        }
        let session = try await Composition.connect(loaded, options)
        do {
            try await choices.beforeReading(session, loaded)
            guard let subscription = GUID(session.subscriptionID) else {
                throw SessionError.message("'\(session.subscriptionID)' is not a subscription GUID")
            }
            var desired = DesiredState.resolve(
                loaded.manifests, target: loaded.target.name, subscriptionID: subscription,
                certificates: loaded.certificates, codes: loaded.codeSnapshots.mapValues(\.digest),
                entryScripts: loaded.entryScripts)
            if choices.destroy { desired = desired.destroying }
            var delivery = SecretDelivery(
                baseDirectory: loaded.directory, cloud: session.cloud, environment: options.environment,
                // stderr: the runner reads `::add-mask::` there too (actions/runner ScriptHandler.cs), and stdout may be `--json > report.json`.
                workflowCommands: { FileHandle.standardError.write(Data($0.utf8)) })
            delivery.keyVault = session.keyVault
            let outcome = try await Reconciliation.plan(
                loaded.manifests, desired: desired, reader: LiveStateReader(provider: session.provider),
                delivery: delivery,
                options: Planner.Options(
                    prune: prune, adopt: adopt, allowMassDelete: choices.allowMassDelete, only: choices.only,
                    now: Date().timeIntervalSince1970), preflight: session.permissionsReader)
            if let selection = outcome.plan.selection {
                // An address that names nothing is refused before anything is shown.
                if let refusal = selection.refusal(target: outcome.plan.target) {
                    throw SessionError.message(refusal + "\nnothing was changed")
                }
                FileHandle.standardError.write(Data((selection.warning + "\n").utf8))
            }
            return PlanningRun(
                loaded: loaded, session: session, desired: desired, live: outcome.live, plan: outcome.plan,
                // Policy judges what the manifests keep; destroy keeps nothing, so no finding can stop it.
                delivery: delivery, policy: choices.destroy ? [] : outcome.policy)
        } catch {
            await choices.cleanup()
            await session.close()
            if let failure = error as? SessionError { throw failure }
            throw .message("\(error)")
        }
    }

    /// The executor for this run's cloud and sinks.
    func executor(parallelism: Int) -> Executor {
        var executor = Executor(
            provider: session.provider, delivery: delivery, tenantID: session.credential.tenantID ?? "",
            subscriptionID: desired.subscriptionID.value,
            parallelism: parallelism)
        executor.secretProof = session.pipeline.tokens.map { SecretProof(client: $0.client) }
        executor.codeSnapshots = CodeSnapshots(Array(loaded.codeSnapshots.values))
        return executor
    }
}

extension Session {
    /// The real clients over this session's pipeline.
    var provider: Provider { Provider(pipeline: pipeline, cloud: cloud) }
    /// Key Vault for `keyvault:` sinks: this session's credential, a pipeline of its own whose
    /// token (the vault audience) goes to vault hosts only.
    var keyVault: KeyVaultClient { KeyVaultClient(pipeline: pipeline, cloud: cloud) }
    /// Preflight's reads: ARM's permissions API over this session, and the Graph token's claims.
    var permissionsReader: PermissionsReader {
        let (tokens, audience) = (tokens, cloud.microsoftGraphAudience)
        return PermissionsReader(authorization: AuthorizationClient(pipeline: pipeline, cloud: cloud)) {
            do throws(AzureError) {
                return GraphGrant(graphToken: try await tokens.accessToken(audience: audience))
            } catch {
                return .unreadable("no Microsoft Graph token (\(error.code))")
            }
        }
    }
}

extension SessionError {
    /// Prints the error as the commands do and returns the exit code.
    func report(command: String) {
        switch self {
        case .invalidManifests(let output): FileHandle.standardOutput.write(Data(output.utf8))
        case .message(let message): FileHandle.standardError.write(Data("amlauth \(command): \(message)\n".utf8))
        }
    }
}
