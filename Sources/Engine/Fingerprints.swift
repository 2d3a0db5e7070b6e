public import AMLAuthCore
import AuthCrypto
import Foundation

/// Digests that let `apply plan.json` notice that the world moved since the plan: one per live
/// object read, and one over the manifests.
public enum Fingerprints {
    /// `application/<objectId>`, `roleAssignment/<name>`, `webservice/<workspace>/<name>`,
    /// `workspace/<id>`, `compute/<id>`, `sink/<credential>` → SHA-256 of the object's stable
    /// encoding. Organised by manifest kind, so a new kind does not compile until it says what
    /// it fingerprints.
    public static func of(_ live: LiveState) -> [String: String] {
        var result: [String: String] = [:]
        for kind in ManifestKind.allCases {
            switch kind {
            case .servicePrincipal:
                for application in live.applications {
                    result["application/\(application.objectID)"] = digest(application)
                }
                for (key, keyID) in live.deliveredPasswords {
                    result["sink/\(key)"] = hex(Digest.sha256(Array(keyID.utf8)))
                }
            case .roleAssignment:
                for assignment in live.roleAssignments {
                    result["roleAssignment/\(assignment.name)"] = digest(assignment)
                }
            case .webservice:
                for service in live.webservices {
                    result["webservice/\(service.workspaceID.canonicalKey)/\(service.name)"] = digest(service)
                }
                for compute in live.computes { result["compute/\(compute.id.canonicalKey)"] = digest(compute) }
            case .workspace:
                for workspace in live.workspaces {
                    result["workspace/\(workspace.id.canonicalKey)"] = digest(workspace)
                }
            case .target:
                break
            }
        }
        return result
    }

    /// SHA-256 over every manifest's path and bytes, in path order.
    public static func manifests(_ files: [SourceFile]) -> String {
        var bytes: [UInt8] = []
        for file in files.sorted(by: { $0.path < $1.path }) { bytes += Array(file.path.utf8) + [0] + file.bytes + [0] }
        return hex(Digest.sha256(bytes))
    }

    /// What changed since a saved plan was made: the manifests, any live object it read (changed,
    /// gone or new), or a decision. `fresh` is the plan amlauth makes now from the same inputs; its
    /// steps must be the saved ones, change by change, so a plan file edited after review (a step
    /// added, a target swapped) is refused rather than executed. Decisions are compared, never the
    /// plan's wording: a plan applied the next day is not stale because "expires in 30d" now reads
    /// 29d, only if a decision moved (a password came due in between).
    public static func staleness(
        of saved: PlanDocument, manifests files: [SourceFile], live: LiveState, fresh: Plan, directory: String
    ) -> [String] {
        var stale: [String] = []
        if saved.manifestDigest != manifests(files) { stale.append("the manifests in '\(directory)'") }
        stale += PlanDocument.staleObjects(saved: saved.fingerprints, current: of(live))
        guard stale.isEmpty else { return stale }
        return decisionsDiffer(saved.plan, fresh).map { "\($0): the saved steps are not what amlauth decides now" }
    }

    /// The addresses whose action, steps or dependencies differ between two plans.
    public static func decisionsDiffer(_ saved: Plan, _ fresh: Plan) -> [ResourceAddress] {
        func decisions(_ plan: Plan) -> [ResourceAddress: [Change]] {
            Dictionary(grouping: plan.effective, by: \.address)
        }
        let (old, new) = (decisions(saved), decisions(fresh))
        return Set(old.keys).union(new.keys).filter { address in
            let (a, b) = (old[address] ?? [], new[address] ?? [])
            return a.count != b.count
                || zip(a, b).contains { $0.action != $1.action || $0.steps != $1.steps || $0.dependsOn != $1.dependsOn }
        }.sorted()
    }

    private static func digest(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return hex(Digest.sha256([UInt8]((try? encoder.encode(value)) ?? Data())))
    }

    private static func hex(_ bytes: [UInt8]) -> String {
        "sha256:" + bytes.map { String(format: "%02x", $0) }.joined()
    }
}
