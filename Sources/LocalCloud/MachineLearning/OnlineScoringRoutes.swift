import AMLAuthCore
import AuthCrypto
import WireFormat

/// Each online endpoint's scoring URI, `/inference/{region}/{endpoint}/score` (standing in for
/// `https://{endpoint}.{region}.inference.ml.azure.com/score`), enforcing the endpoint's auth
/// mode: `Key` takes the current primary or secondary key; `AMLToken` an unexpired token from
/// `POST …/token` for this endpoint instance; `AADToken` an Entra token for the Azure ML audience
/// (`https://ml.azure.com`, or `ml.azure.cn` / `ml.azure.us` for the sovereign clouds, as
/// azureml-core's `_AML_RESOURCE_ID_DICT` lists them) from a principal holding
/// `…/onlineEndpoints/score/action` at the endpoint. That action is checked among roles' `actions`:
/// aml-docs how-to-authenticate-online-endpoint says Owner and Contributor (whose grants are all
/// `actions`) allow it, and published custom roles list it under `actions`. Requests go to the
/// deployment the `azureml-model-deployment` header names, else one chosen by `traffic`; with no
/// traffic the answer is Azure's 404 "The endpoint doesn't have any valid deployment with
/// positive weight." (aml-docs how-to-troubleshoot-online-endpoints, HTTP status codes; the body's
/// shape is UNVERIFIED). A failed check is 401, as that table gives for "You don't have
/// permission to do the requested action, such as score, or your token is expired or in the
/// wrong format." The answer echoes the input and names the deployment that served it.
struct OnlineScoringRoutes {
    let cloud: LocalCloud
    let context: RequestContext

    static let scoreAction = "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/score/action"

    func handle(_ rest: [String]) async -> CloudResponse {
        guard rest.count == 3, rest[2] == "score" || rest[2] == "swagger.json" else {
            return .json(404, .object([("message", .string("Not found"))]))
        }
        let state = await cloud.store.state
        guard
            let endpoint = (state.onlineEndpoints ?? []).first(where: {
                $0.location.lowercased() == rest[0].lowercased() && $0.name.lowercased() == rest[1].lowercased()
                    && $0.provisioningState != "Deleting"
            })
        else { return .json(404, .object([("message", .string("Endpoint not found"))])) }
        if rest[2] == "swagger.json" {
            return .json(
                200, .object([("swagger", .string("2.0")), ("info", .object([("title", .string(endpoint.name))]))]))
        }
        guard context.request.method == "POST" else {
            return .json(405, .object([("message", .string("Scoring takes POST"))]))
        }
        let endpointID = OnlineEndpointScope.id(of: endpoint, state)
        let presented = context.request.header("authorization").flatMap {
            $0.lowercased().hasPrefix("bearer ") ? String($0.dropFirst(7)) : nil
        }
        switch endpoint.authMode {
        case "Key":
            guard let presented, presented == endpoint.primaryKey || presented == endpoint.secondaryKey else {
                return unauthorized()
            }
        case "AMLToken":
            guard let presented, let jwt = JWT(parsing: presented), let key = try? cloud.keys.tokenKey.publicKey,
                jwt.verify(with: key), jwt.header["kid"]?.stringValue == cloud.keys.keyID,
                jwt.string("typ") == "aml-service-token", jwt.audiences.contains(endpointID),
                jwt.string("serviceInstance") == endpoint.id,
                let expiry = jwt.number("exp"), expiry > context.now,
                (jwt.number("nbf") ?? 0) <= context.now + BearerCheck.clockSkew
            else { return unauthorized() }
        default:
            switch BearerCheck.authenticate(
                context, cloud: cloud, tenantID: state.tenantID, audiences: Audience.machineLearning,
                style: .resourceManager)
            {
            case .failure: return unauthorized()
            case .success(let caller):
                guard Authorization.isAllowed(caller.objectID, Self.scoreAction, at: endpointID, in: state) else {
                    return unauthorized()
                }
            }
        }
        let deployments = (state.onlineDeployments ?? []).filter {
            OnlineEndpointScope.endpointID(of: $0, state).lowercased() == endpointID.lowercased()
        }
        let chosen: String
        if let pinned = context.request.header("azureml-model-deployment") {
            guard let deployment = deployments.first(where: { $0.name.lowercased() == pinned.lowercased() }) else {
                return .json(
                    404,
                    .object([("message", .string("Deployment '\(pinned)' not found in endpoint '\(endpoint.name)'."))]))
            }
            chosen = deployment.name
        } else {
            let weighted = endpoint.traffic.filter { $0.value > 0 }.sorted { $0.key < $1.key }
            guard !weighted.isEmpty else {
                return .json(
                    404,
                    .object([
                        ("message", .string("The endpoint doesn't have any valid deployment with positive weight."))
                    ]))
            }
            // Deterministic weighted choice from the request id, so tests can reason about it.
            let draw = Int(context.requestID.utf8.reduce(0) { ($0 &* 31 &+ Int($1)) & 0xFFFF }) % 100
            var running = 0
            chosen =
                weighted.first { entry in
                    running += entry.value
                    return draw < running
                }?.key ?? weighted[0].key
        }
        let input = (try? JSONParser.parse(context.request.body)) ?? .null
        return .json(
            200,
            .object([("endpoint", .string(endpoint.name)), ("deployment", .string(chosen)), ("input", input)]),
            headers: [("azureml-model-deployment", chosen)])
    }

    private func unauthorized() -> CloudResponse {
        .json(401, .object([("message", .string("Unauthorized"))]), headers: [("WWW-Authenticate", "Bearer")])
    }
}
