import WireFormat

/// What MMS needs of a v1 service's `environmentImageRequest` before it builds an image: a
/// `driverProgram` naming one of its `assets`, that asset uploaded to the workspace's artifact
/// service (`aml://artifact/{origin}/{container}/{path}`), and an environment, either inline
/// (`environment`, azureml-core's `Environment._serialize_to_dict`, model.py line 2400) or a
/// registered one by `environmentReference` {name, version} (the REST model's field,
/// azureml/_restclient/models/environment_image_request.py line 40). The wording of MMS's
/// refusals is UNVERIFIED; the status and body shape are MMS's (`BadArgument`, 400).
/// Model ids are not checked: the local cloud keeps no model registry.
struct ImageRequestCheck {
    let workspace: WorkspaceRecord
    let state: CloudState

    /// Why the request cannot be built, or nil when it can.
    func problem(_ request: JSONValue?) -> String? {
        guard let request, request.objectValue != nil else {
            return "environmentImageRequest is required: the driver program, its assets and the environment."
        }
        guard let driver = request["driverProgram"]?.stringValue, !driver.isEmpty else {
            return "environmentImageRequest.driverProgram is required: the id of the uploaded scoring script asset."
        }
        let assets = request["assets"]?.arrayValue ?? []
        guard let asset = assets.first(where: { $0["id"]?.stringValue == driver }) else {
            return
                "environmentImageRequest.driverProgram '\(driver)' names no asset in environmentImageRequest.assets; upload the scoring script and list it there."
        }
        guard let url = asset["url"]?.stringValue, let artifact = artifact(url), artifact.uploaded else {
            return
                "Asset '\(driver)' has url '\(asset["url"]?.stringValue ?? "")', which names no uploaded artifact in workspace \(workspace.name)."
        }
        if let reference = request["environmentReference"], reference.objectValue != nil {
            guard let name = reference["name"]?.stringValue, let version = reference["version"]?.stringValue else {
                return "environmentReference needs name and version."
            }
            let registered = (state.environments ?? []).contains {
                $0.workspace == workspace.name && $0.resourceGroup == workspace.resourceGroup && $0.name == name
                    && $0.version == version
            }
            guard registered else {
                return "Environment \(name) version \(version) is not registered in workspace \(workspace.name)."
            }
            return nil
        }
        guard let environment = request["environment"], environment["name"]?.stringValue != nil else {
            return
                "environmentImageRequest needs an environment: an inline definition or environmentReference {name, version}."
        }
        return nil
    }

    /// The artifact an `aml://artifact/{origin}/{container}/{path}` URL names in this workspace.
    private func artifact(_ url: String) -> ArtifactRecord? {
        let prefix = "aml://artifact/"
        guard url.hasPrefix(prefix) else { return nil }
        let id = String(url.dropFirst(prefix.count))
        return (state.artifacts ?? []).first {
            $0.workspace == workspace.name && $0.resourceGroup == workspace.resourceGroup && $0.artifactID == id
        }
    }
}
