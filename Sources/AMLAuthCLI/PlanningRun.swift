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

    static func prepare(_ options: Composition.Options, prune: Bool, adopt: Bool) async throws(SessionError) -> PlanningRun {
        let loaded = try Composition.load(options)
        let session = try await Composition.connect(options)
        do {
            guard let subscription = GUID(session.subscriptionID) else { throw SessionError.message("'\(session.subscriptionID)' is not a subscription GUID") }
            let desired = DesiredState.resolve(loaded.manifests, target: loaded.target.name, subscriptionID: subscription, certificates: loaded.certificates)
            let delivery = SecretDelivery(
                baseDirectory: loaded.directory, cloud: session.cloud, environment: options.environment,
                workflowCommands: { FileHandle.standardOutput.write(Data($0.utf8)) })
            let live = try await session.reader.read(desired, delivery: delivery)
            let plan = Planner(options: .init(prune: prune || loaded.target.prune, adopt: adopt, now: Date().timeIntervalSince1970)).plan(desired, live)
            let policy = PlanPolicy.check(loaded.manifests, desired, live).all
            return PlanningRun(loaded: loaded, session: session, desired: desired, live: live, plan: plan, delivery: delivery, policy: policy)
        } catch {
            await session.close()
            if let failure = error as? SessionError { throw failure }
            throw .message("\(error)")
        }
    }
}

extension Session {
    var reader: LiveStateReader {
        LiveStateReader(
            graph: GraphClient(pipeline: pipeline, cloud: cloud), authorization: AuthorizationClient(pipeline: pipeline, cloud: cloud),
            machineLearning: MachineLearningClient(pipeline: pipeline, cloud: cloud))
    }

    func operations(delivery: SecretDelivery) -> Operations {
        Operations(
            graph: GraphClient(pipeline: pipeline, cloud: cloud), authorization: AuthorizationClient(pipeline: pipeline, cloud: cloud),
            machineLearning: MachineLearningClient(pipeline: pipeline, cloud: cloud), delivery: delivery,
            tenantID: credential.tenantID ?? "")
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
