import AMLAuthCore
import AuthCrypto
import WireFormat

/// `/applications/{id}/federatedIdentityCredentials[/{id or name}]`.
struct FederatedCredentialRoutes {
    let graph: GraphRoutes
    let application: ApplicationRecord
    var request: CloudRequest { graph.context.request }

    func handle(_ rest: [String]) async -> CloudResponse {
        let collectionURL = graph.root + "/applications/\(application.id)/federatedIdentityCredentials"
        guard let key = rest.first else {
            switch request.method {
            case "GET":
                return .json(
                    200,
                    .object([
                        (
                            "@odata.context",
                            .string(
                                graph.root + "/$metadata#applications('\(application.id)')/federatedIdentityCredentials"
                            )
                        ),
                        ("value", .array(application.federatedCredentials.map { body($0, context: false) })),
                    ]))
            case "POST": return await create(collectionURL)
            default: return graph.error(405, "Request_BadRequest", "Method not allowed.")
            }
        }
        guard
            let credential = application.federatedCredentials.first(where: {
                $0.id == key.lowercased() || $0.name == key
            })
        else {
            return graph.error(
                404, "Request_ResourceNotFound",
                "Resource '\(key)' does not exist or one of its queried reference-property objects are not present.")
        }
        switch request.method {
        case "GET": return .json(200, body(credential, context: true))
        case "PATCH":
            guard let json = try? JSONParser.parse(request.body) else {
                return graph.error(400, "Request_BadRequest", "Invalid JSON in the request body.")
            }
            if let name = json["name"]?.stringValue, name != credential.name {
                return graph.error(400, "Request_BadRequest", "Property 'name' is read-only and cannot be changed.")
            }
            return await update(credential.id) { record in
                if let issuer = json["issuer"]?.stringValue { record.issuer = issuer }
                if let subject = json["subject"]?.stringValue { record.subject = subject }
                if let audiences = json["audiences"]?.arrayValue?.compactMap(\.stringValue) {
                    record.audiences = audiences
                }
                if let description = json["description"]?.stringValue { record.description = description }
            }
        case "DELETE":
            return await update(credential.id, delete: true) { _ in }
        default:
            return graph.error(405, "Request_BadRequest", "Method not allowed.")
        }
    }

    private func body(_ credential: FederatedCredentialRecord, context: Bool) -> JSONValue {
        var pairs: [(String, JSONValue)] = []
        if context {
            pairs.append(
                (
                    "@odata.context",
                    .string(
                        graph.root + "/$metadata#applications('\(application.id)')/federatedIdentityCredentials/$entity"
                    )
                ))
        }
        pairs += [
            ("id", .string(credential.id)), ("name", .string(credential.name)), ("issuer", .string(credential.issuer)),
            ("subject", .string(credential.subject)),
            ("description", credential.description.map(JSONValue.string) ?? .null),
            ("audiences", .array(credential.audiences.map(JSONValue.string))),
        ]
        return .object(pairs)
    }

    private func create(_ collectionURL: String) async -> CloudResponse {
        guard let json = try? JSONParser.parse(request.body) else {
            return graph.error(400, "Request_BadRequest", "Invalid JSON in the request body.")
        }
        guard let name = json["name"]?.stringValue, let issuer = json["issuer"]?.stringValue,
            let subject = json["subject"]?.stringValue,
            let audiences = json["audiences"]?.arrayValue?.compactMap(\.stringValue)
        else {
            return graph.error(
                400, "Request_BadRequest", "Properties 'name', 'issuer', 'subject' and 'audiences' are required.")
        }
        guard (1...120).contains(name.count) else {
            return graph.error(400, "Request_BadRequest", "Property 'name' must be 1 to 120 characters.")
        }
        guard audiences.count == 1 else {
            return graph.error(400, "Request_BadRequest", "Exactly one audience is supported in 'audiences'.")
        }
        guard application.federatedCredentials.count < 20 else {
            return graph.error(
                400, "Request_BadRequest",
                "The application already has the maximum number (20) of federated identity credentials.")
        }
        guard
            !application.federatedCredentials.contains(where: {
                $0.name == name || ($0.issuer == issuer && $0.subject == subject)
            })
        else {
            return graph.error(
                409, "Request_MultipleObjectsWithSameKeyValue",
                "FederatedIdentityCredential with name \(name) or the same issuer and subject already exists.")
        }
        let record = FederatedCredentialRecord(
            id: SecureRandom.uuid(), name: name, issuer: issuer, subject: subject, audiences: audiences,
            description: json["description"]?.stringValue)
        do {
            try await graph.cloud.store.write { state in
                guard let index = state.applications.firstIndex(where: { $0.id == application.id }) else { return }
                state.applications[index].federatedCredentials.append(record)
            }
        } catch {
            return graph.error(500, "generalException", "The local cloud could not persist the change: \(error)")
        }
        return .json(201, body(record, context: true))
    }

    private func update(
        _ id: String, delete: Bool = false, _ change: @Sendable @escaping (inout FederatedCredentialRecord) -> Void
    ) async -> CloudResponse {
        do {
            try await graph.cloud.store.write { state in
                guard let index = state.applications.firstIndex(where: { $0.id == application.id }),
                    let credential = state.applications[index].federatedCredentials.firstIndex(where: { $0.id == id })
                else { return }
                if delete {
                    state.applications[index].federatedCredentials.remove(at: credential)
                } else {
                    change(&state.applications[index].federatedCredentials[credential])
                }
            }
        } catch {
            return graph.error(500, "generalException", "The local cloud could not persist the change: \(error)")
        }
        return .empty(204)
    }
}
