/// The guard against a prune that deletes most of a Target by mistake (a manifest directory
/// checked out half, a file given instead of the directory), as Flux's and kubectl's prune
/// guards do: a prune that would delete **more than half of the objects the Target owns, and more
/// than 3**, is not applied unless asked for with `--allow-mass-delete`. Small Targets stay easy
/// to tidy (deleting 3 of 4 needs no flag); a typo cannot empty a large one.
extension Planner {
    /// Deletions above this count may need the flag.
    static let massDeleteMinimum = 3

    /// Adds a blocking note when the plan's prune deletes more than the threshold allows.
    func guardMassDelete(_ desired: DesiredState, _ live: LiveState, _ draft: inout Draft) {
        guard options.prune, !options.allowMassDelete else { return }
        let deleting = draft.changes.filter { $0.action == .delete }.reduce(0) { count, change in
            count + change.steps.filter(Self.deletesAnObject).count
        }
        let owned = Self.ownedObjects(desired.target, live)
        guard deleting > Self.massDeleteMinimum, deleting * 2 > owned else { return }
        draft.notes.append(
            PlanNote(
                "prune would delete \(deleting) of the \(owned) objects target '\(desired.target)' owns (more than half, and more than \(Self.massDeleteMinimum)); check that the manifests are the whole set (a directory, not one file), then rerun with --allow-mass-delete if this is meant",
                blocking: true))
    }

    /// Whether a step deletes an application, a role assignment, a web service, or an online
    /// endpoint or deployment.
    static func deletesAnObject(_ step: Step) -> Bool {
        if case .deleteApplication = step { return true }
        if case .deleteRoleAssignment = step { return true }
        if case .deleteRoleDefinition = step { return true }
        if case .deleteService = step { return true }
        if case .deleteOnlineEndpoint = step { return true }
        if case .deleteOnlineDeployment = step { return true }
        return false
    }

    /// Applications, role assignments, custom roles, web services, online endpoints and deployments carrying
    /// the Target's markers.
    static func ownedObjects(_ target: String, _ live: LiveState) -> Int {
        live.applications.filter { $0.tags.contains(Markers.targetTag(target)) }.count
            + live.roleAssignments.filter { Markers.assignmentOwner($0.description)?.target == target }.count
            + live.webservices.filter { $0.kvTags[Markers.serviceTarget] == target }.count
            + live.onlineEndpoints.filter { $0.tags[Markers.serviceTarget] == target }.count
            + live.onlineDeployments.filter { $0.tags[Markers.serviceTarget] == target }.count
            + live.roleDefinitions.filter { Markers.assignmentOwner($0.description)?.target == target }.count
    }
}
