/// The Target's name is part of every object's identity: it is in every ownership marker (an
/// application's tags, a role assignment's description, a web service's kvTags) and in the
/// uniqueName applications are created with. A renamed Target therefore owns nothing yet and plans
/// to create everything again. That is not hidden: a change that creates (or is blocked by) an
/// object whose marker names another Target with the same manifest address gets a note saying
/// where the existing object is and what to do.
extension Planner {
    func noteOtherTargets(_ desired: DesiredState, _ live: LiveState, _ draft: inout Draft) {
        let affected =
            Set(draft.changes.filter { $0.action == .create }.map(\.address))
            .union(draft.notes.filter(\.blocking).compactMap(\.address))
        guard !affected.isEmpty else { return }
        var found: [ResourceAddress: [(target: String, object: String)]] = [:]
        for application in live.applications {
            for tag in application.tags {
                guard let (target, name) = Self.resourceOwner(inTag: tag), target != desired.target else { continue }
                found[ResourceAddress(.servicePrincipal, name), default: []].append(
                    (target, "application '\(application.displayName)' (appId \(application.appID))"))
            }
        }
        for assignment in live.roleAssignments {
            guard let owner = Markers.assignmentOwner(assignment.description), owner.target != desired.target else {
                continue
            }
            found[ResourceAddress(.roleAssignment, owner.name), default: []].append(
                (owner.target, "role assignment \(assignment.name)"))
        }
        for service in live.webservices {
            guard let target = service.kvTags[Markers.serviceTarget], target != desired.target,
                let name = service.kvTags[Markers.serviceName]
            else { continue }
            found[ResourceAddress(.webservice, name), default: []].append((target, "web service '\(service.name)'"))
        }
        for endpoint in live.onlineEndpoints {
            guard let target = endpoint.tags[Markers.serviceTarget], target != desired.target,
                let name = endpoint.tags[Markers.serviceName]
            else { continue }
            found[ResourceAddress(.onlineEndpoint, name), default: []].append(
                (target, "online endpoint '\(endpoint.name)'"))
        }
        for address in affected.sorted() {
            guard let objects = found[address], !objects.isEmpty else { continue }
            let targets = Set(objects.map(\.target)).sorted().map { "'\($0)'" }.joined(separator: ", ")
            draft.notes.append(
                PlanNote(
                    "\(objects.map(\.object).joined(separator: ", ")) exists under target \(targets) with this manifest address; the Target name is part of every object's identity, so target '\(desired.target)' does not own it and makes its own. If the Target was renamed, restore its old name; otherwise remove the old Target's objects with its own prune",
                    address: address))
        }
    }

    /// `amlauth:<target>/<name>` → (target, name); nil for any other tag.
    static func resourceOwner(inTag tag: String) -> (target: String, name: String)? {
        guard tag.hasPrefix("amlauth:") else { return nil }
        let parts = tag.dropFirst("amlauth:".count).split(separator: "/", maxSplits: 1).map(String.init)
        return parts.count == 2 && !parts[0].isEmpty && !parts[1].isEmpty ? (parts[0], parts[1]) : nil
    }
}
