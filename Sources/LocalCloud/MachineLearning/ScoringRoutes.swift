import AMLAuthCore
import AuthCrypto
import WireFormat

/// Each service's scoring URI (`/scoring/{workspaceId}/{service}/score`), enforcing the service's
/// auth: key auth takes the current primary or secondary key, token auth an unexpired token issued
/// for that service instance (not one of the same name deleted since), and a service with both off
/// takes anyone. The answer echoes the input.
struct ScoringRoutes {
    let cloud: LocalCloud
    let context: RequestContext

    func handle(_ rest: [String]) async -> CloudResponse {
        guard rest.count == 3, rest[2] == "score" || rest[2] == "swagger.json" else {
            return .json(404, .object([("message", .string("Not found"))]))
        }
        let state = await cloud.store.state
        guard let workspace = state.workspaces.first(where: { $0.workspaceID == rest[0].lowercased() }),
            let service = state.services.first(where: {
                $0.workspace == workspace.name && $0.resourceGroup == workspace.resourceGroup && $0.name == rest[1]
            })
        else { return .json(404, .object([("message", .string("Service not found"))])) }
        if rest[2] == "swagger.json" {
            return .json(
                200, .object([("swagger", .string("2.0")), ("info", .object([("title", .string(service.name))]))]))
        }
        let scope = ServiceScope(subscriptionID: state.subscriptionID, workspace: workspace, base: context.base)
        let presented = context.request.header("authorization").flatMap {
            $0.lowercased().hasPrefix("bearer ") ? String($0.dropFirst(7)) : nil
        }
        let mode: String
        if service.authEnabled {
            guard let presented, presented == service.primaryKey || presented == service.secondaryKey else {
                return unauthorized()
            }
            mode = "key"
        } else if service.aadAuthEnabled {
            guard let presented, let jwt = JWT(parsing: presented), let key = try? cloud.keys.tokenKey.publicKey,
                jwt.verify(with: key),
                jwt.header["kid"]?.stringValue == cloud.keys.keyID,
                jwt.string("typ") == "aml-service-token", jwt.audiences.contains(scope.serviceID(service.name)),
                jwt.string("serviceInstance") == service.id,
                let expiry = jwt.number("exp"), expiry > context.now,
                (jwt.number("nbf") ?? 0) <= context.now + BearerCheck.clockSkew
            else { return unauthorized() }
            mode = "token"
        } else {
            mode = "none"
        }
        let input = (try? JSONParser.parse(context.request.body)) ?? .null
        return .json(200, .object([("service", .string(service.name)), ("auth", .string(mode)), ("input", input)]))
    }

    private func unauthorized() -> CloudResponse {
        .json(401, .object([("message", .string("Unauthorized"))]), headers: [("WWW-Authenticate", "Bearer")])
    }
}
