/// `amlauth migrate --from-cloud`: the live v1 services of a workspace join the manifests' own
/// before the migration runs. They arrive as `amlauth import` reads them (`ImportReader`): services
/// the manifests declare, services another Target owns, names that are no valid manifest name and
/// values holding `${` are already left out, each with its reason. The rest are written by import's
/// `ManifestWriter` (every cloud value a quoted scalar) and read back by the manifest decoder, so
/// the migration sees exactly what a reviewer would see in an imported file, and nothing the cloud
/// says can add a key, a document or a comment to the output.
extension V1ToV2Migration {
    /// The migration of `manifests` and of the services `imported` found. A Workspace that
    /// `imported` had to describe (the manifests do not declare it) is written with the endpoints.
    public static func migrate(_ manifests: ManifestSet, imported: ImportedManifests, keepKeys: Bool) -> Result {
        let documents = imported.documents.filter {
            switch $0 {
            case .webservice, .workspace: true
            case .servicePrincipal, .roleAssignment: false
            }
        }
        var combined = manifests
        let text = ManifestWriter.render(ImportedManifests(origin: [], documents: documents))
        let read = ManifestValidation(environment: [:]).run([SourceFile(path: "<cloud>", bytes: Array(text.utf8))])
        combined.webservices += read.manifests.webservices
        var result = migrate(combined, keepKeys: keepKeys)
        result.notes = imported.skipped.map { "not migrated: \($0)" } + result.notes
        for service in read.manifests.webservices where service.tokenAuthEnabled {
            result.notes.append(
                "\(service.name): its token callers are not in the manifests; each needs \(OnlineEndpointAuth.amlToken.clientAction) on the new endpoint"
            )
        }
        let workspaces = documents.filter {
            if case .workspace = $0 { return true }
            return false
        }
        if result.endpoints > 0, !workspaces.isEmpty {
            result.yaml += workspaces.map { "---\n" + ManifestWriter.render($0).joined(separator: "\n") + "\n" }
                .joined()
        }
        return result
    }

    /// The `keys_from` line of an endpoint that takes over a v1 service's keys.
    static func keysFromLine(_ service: String) -> String { "  keys_from: {webservice: \(quoted(service))}" }
}
