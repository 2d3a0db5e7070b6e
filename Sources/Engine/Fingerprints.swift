public import AMLAuthCore
import AuthCrypto
import Foundation

/// Digests that let `apply plan.json` notice that the world moved since the plan: one per live
/// object read, and one over the manifests.
public enum Fingerprints {
    /// `application/<objectId>`, `roleAssignment/<name>`, `roleDefinition/<guid>`, `webservice/<workspace>/<name>`,
    /// `workspace/<id>`, `compute/<id>`, `sink/<credential>`, `onlineEndpoint/<id>`,
    /// `onlineDeployment/<id>` → SHA-256 of the object's stable
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
            case .roleDefinition:
                for role in live.roleDefinitions { result["roleDefinition/\(role.id.value)"] = digest(role) }
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
            case .onlineEndpoint:
                for endpoint in live.onlineEndpoints {
                    result["onlineEndpoint/\(endpoint.id.canonicalKey)"] = digest(endpoint)
                }
            case .onlineDeployment:
                for deployment in live.onlineDeployments {
                    result["onlineDeployment/\(deployment.id.canonicalKey)"] = digest(deployment)
                }
            case .target:
                break
            }
        }
        return result
    }

    /// How a stale-plan message names the object behind a fingerprint key: as the plan does
    /// (`Webservice/fraud-dev-aci`, `ServicePrincipal/ml-auth`) when the object carries this
    /// Target's marker or is a declared workspace, else by what it is (`role assignment <name> at
    /// <scope>`). Keys of objects that are gone are named from the key alone.
    public static func label(_ key: String, live: LiveState, target: String) -> String {
        let parts = key.split(separator: "/", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return key }
        let (kind, rest) = (parts[0], parts[1])
        switch kind {
        case "application":
            guard let application = live.applications.first(where: { $0.objectID == rest }) else {
                return "application \(rest) (deleted)"
            }
            if let name = Markers.resourceName(inTags: application.tags, target: target) {
                return ResourceAddress(.servicePrincipal, name).description
            }
            return "application '\(application.displayName)' (\(rest))"
        case "sink":
            // `ServicePrincipal/<name>/<credential>`: the sink that records a delivered password.
            let pieces = rest.split(separator: "/").map(String.init)
            return pieces.count == 3 ? "\(pieces[0])/\(pieces[1]): the sink of credential '\(pieces[2])'" : rest
        case "roleAssignment":
            guard let assignment = live.roleAssignments.first(where: { $0.name == rest }) else {
                return "role assignment \(rest) (deleted)"
            }
            if let owner = Markers.assignmentOwner(assignment.description), owner.target == target {
                return ResourceAddress(.roleAssignment, owner.name).description
            }
            return "role assignment \(rest) at \(assignment.scope)"
        case "roleDefinition":
            guard let role = live.roleDefinitions.first(where: { $0.id.value == rest }) else {
                return "custom role \(rest) (deleted)"
            }
            if let owner = Markers.assignmentOwner(role.description), owner.target == target {
                return ResourceAddress(.roleDefinition, owner.name).description
            }
            return "custom role '\(role.roleName)' (\(rest))"
        case "webservice":
            let name = rest.split(separator: "/").last.map(String.init) ?? rest
            let found = live.webservices.first { "\($0.workspaceID.canonicalKey)/\($0.name)" == rest }
            let address = ResourceAddress(.webservice, found?.kvTags[Markers.serviceName] ?? name).description
            return found == nil ? "\(address) (deleted)" : address
        case "workspace":
            return ResourceAddress(.workspace, rest.split(separator: "/").last.map(String.init) ?? rest).description
        case "compute":
            return "compute '\(rest.split(separator: "/").last.map(String.init) ?? rest)'"
        case "onlineEndpoint":
            let name = rest.split(separator: "/").last.map(String.init) ?? rest
            let found = live.onlineEndpoints.first { $0.id.canonicalKey == rest }
            let address = ResourceAddress(.onlineEndpoint, found?.tags[Markers.serviceName] ?? name).description
            return found == nil ? "\(address) (deleted)" : address
        case "onlineDeployment":
            let name = rest.split(separator: "/").last.map(String.init) ?? rest
            let found = live.onlineDeployments.first { $0.id.canonicalKey == rest }
            let address = ResourceAddress(.onlineDeployment, found?.tags[Markers.serviceName] ?? name).description
            return found == nil ? "\(address) (deleted)" : address
        default:
            return key
        }
    }

    /// SHA-256 of each manifest file's bytes, by its path relative to the manifests directory.
    public static func manifestFiles(_ files: [SourceFile], workingDirectory: String, directory: String) -> [String:
        String]
    {
        var result: [String: String] = [:]
        for file in files {
            let absolute = file.path.hasPrefix("/") ? file.path : workingDirectory + "/" + file.path
            let base = directory.hasSuffix("/") ? directory : directory + "/"
            let relative = absolute.hasPrefix(base) ? String(absolute.dropFirst(base.count)) : file.path
            result[relative] = hex(Digest.sha256(file.bytes))
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
    ///
    /// Objects are named as the plan names them, and a changed manifest by its file.
    /// `codes` holds the content hashes of the code directories as read now: a saved upload of
    /// another content means its directory changed since the plan.
    public static func staleness(
        of saved: PlanDocument, manifests files: [SourceFile], live: LiveState, fresh: Plan, directory: String,
        workingDirectory: String, codes: Set<String> = []
    ) -> [String] {
        var stale: [String] = []
        for change in saved.plan.effective {
            for case .uploadOnlineCode(let upload) in change.steps where !codes.contains(upload.sha256) {
                stale.append("code directory '\(upload.directory)' of \(change.address) (edited)")
            }
        }
        if saved.manifestDigest != manifests(files) {
            let current = manifestFiles(files, workingDirectory: workingDirectory, directory: directory)
            let changed = PlanDocument.staleObjects(saved: saved.manifestFiles, current: current)
            if saved.manifestFiles.isEmpty || changed.isEmpty {
                stale.append("the manifests in '\(ManifestPaths.display(directory, workingDirectory))'")
            }
            for path in changed {
                let what = saved.manifestFiles[path] == nil ? "added" : current[path] == nil ? "removed" : "edited"
                stale.append(
                    "manifest file '\(ManifestPaths.display(directory + "/" + path, workingDirectory))' (\(what))")
            }
        }
        stale += PlanDocument.staleObjects(saved: saved.fingerprints, current: of(live)).map {
            label($0, live: live, target: saved.plan.target)
        }
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

    static func hex(_ bytes: [UInt8]) -> String {
        "sha256:" + bytes.map { String(format: "%02x", $0) }.joined()
    }
}

/// Paths as the CLI shows them: relative to the working directory when below it.
enum ManifestPaths {
    static func display(_ path: String, _ workingDirectory: String) -> String {
        let base = workingDirectory.hasSuffix("/") ? workingDirectory : workingDirectory + "/"
        return path.hasPrefix(base) ? String(path.dropFirst(base.count)) : path
    }
}
