import AMLAuthCore
import WireFormat

/// The model-management service's model registry, as azureml-core reads it
/// (azureml/_restclient/operations/ml_models_operations.py): `GET …/models/{name:version}`
/// (`Model(ws, name, version=…)`, `ModelsClient.get_by_id`) and `GET …/models?name=…` (`Model(ws,
/// name)`, `ModelsClient.query`, newest version first, a `PaginatedModelList` of `value` and
/// `nextLink`). Registering (`Model.register`) also needs the asset service and is not served; the
/// seed registers `sklearn-mnist` versions 1 to 3 in every workspace.
struct ModelRegistryRoutes {
    let routes: ModelManagementRoutes
    let caller: Caller
    let scope: ServiceScope
    var request: CloudRequest { routes.request }

    /// Reads need `workspaces/models/read` on the workspace, as Azure ML's RBAC names it (Reader has it).
    private func denied(_ state: CloudState) -> CloudResponse? {
        let action = "Microsoft.MachineLearningServices/workspaces/models/read"
        return Authorization.isAllowed(caller.objectID, action, at: scope.workspaceID, in: state)
            ? nil : Authorization.denied(caller, action, scope.workspaceID)
    }

    private func models(_ state: CloudState) -> [ModelRecord] {
        (state.models ?? []).filter {
            $0.workspace == scope.workspace.name && $0.resourceGroup == scope.workspace.resourceGroup
        }
    }

    /// `GET …/models/{id}`: one version by `name:version` (the SDK percent-encodes the colon).
    func get(_ id: String, _ state: CloudState) -> CloudResponse {
        if let refusal = denied(state) { return refusal }
        guard let model = models(state).first(where: { $0.id == id }) else {
            // MMS's own wording for an unknown id; the SDK turns any 404 into ModelNotFound.
            return routes.mmsError(404, "ModelNotFound", "Model with id \(id) not found in provided workspace.")
        }
        return .json(200, body(model))
    }

    /// `GET …/models[?name=…&framework=…&count=…]`: matching versions, newest first.
    func list(_ state: CloudState) -> CloudResponse {
        if let refusal = denied(state) { return refusal }
        var found = models(state)
        if let name = request.query("name") { found = found.filter { $0.name == name } }
        if let framework = request.query("framework") { found = found.filter { $0.framework == framework } }
        found.sort { ($0.createdTime, $0.version) > ($1.createdTime, $1.version) }
        if let count = request.query("count").flatMap(Int.init), count >= 0 { found = Array(found.prefix(count)) }
        return .json(200, .object([("value", .array(found.map(body))), ("nextLink", .null)]))
    }

    /// The MMS `Model` DTO (azureml/_restclient/models/model.py `_attribute_map`).
    private func body(_ model: ModelRecord) -> JSONValue {
        .object([
            ("id", .string(model.id)), ("name", .string(model.name)), ("version", .number(Double(model.version))),
            ("framework", model.framework.map(JSONValue.string) ?? .null), ("frameworkVersion", .null),
            ("url", .string(model.url)), ("mimeType", .string(model.mimeType)),
            ("description", model.description.map(JSONValue.string) ?? .null),
            ("createdTime", .string(ISOTime.format(model.createdTime))),
            ("modifiedTime", .string(ISOTime.format(model.createdTime))), ("unpack", .bool(false)),
            ("kvTags", .object(model.kvTags.keys.sorted().map { ($0, .string(model.kvTags[$0]!)) })),
            ("properties", .object(model.properties.keys.sorted().map { ($0, .string(model.properties[$0]!)) })),
            ("datasets", .array([])), ("derivedModelIds", .array([])), ("parentModelId", .null),
            ("runId", .null), ("experimentName", .null), ("sampleInputData", .null), ("sampleOutputData", .null),
            ("resourceRequirements", .null), ("createdBy", .null),
        ])
    }
}
