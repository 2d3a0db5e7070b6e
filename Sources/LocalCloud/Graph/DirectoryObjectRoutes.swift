import AMLAuthCore
import Foundation
import WireFormat

/// `POST /directoryObjects/getByIds`: the directory objects (users, groups, service principals,
/// applications) with any of these ids, in one request. Real Graph takes up to 1,000 ids, filters
/// by `types`, and leaves out ids it does not know (no error): the caller compares.
/// https://learn.microsoft.com/graph/api/directoryobject-getbyids
extension GraphRoutes {
    static let maximumIDsPerGetByIds = 1_000

    func getByIds(state: CloudState) -> CloudResponse {
        guard request.method == "POST" else {
            return error(405, "Request_BadRequest", "Only POST is supported on getByIds.")
        }
        guard let json = try? JSONParser.parse(request.body),
            let ids = json["ids"]?.arrayValue?.compactMap(\.stringValue)
        else {
            return error(400, "Request_BadRequest", "Property 'ids' is required and must be an array of strings.")
        }
        guard ids.count <= Self.maximumIDsPerGetByIds else {
            return error(400, "Request_BadRequest", "The number of ids cannot exceed \(Self.maximumIDsPerGetByIds).")
        }
        let types = Set((json["types"]?.arrayValue ?? []).compactMap { $0.stringValue?.lowercased() })
        func wanted(_ type: String) -> Bool { types.isEmpty || types.contains(type.lowercased()) }
        // Indexed once: a request may name 1,000 ids in a directory of many thousands.
        let principals = Dictionary(
            state.servicePrincipals.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        // Users who sign in are directory objects too.
        let users = (state.users ?? []).map {
            DirectoryObjectRecord(id: $0.id, type: "User", displayName: $0.displayName)
        }
        let objects = Dictionary(
            (state.directoryObjects + users).map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let applications = Dictionary(state.applications.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var found: [JSONValue] = []
        for id in ids.map({ $0.lowercased() }) {
            if wanted("servicePrincipal"), let principal = principals[id] {
                found.append(
                    .object([
                        ("@odata.type", .string("#microsoft.graph.servicePrincipal")), ("id", .string(principal.id)),
                        ("displayName", .string(principal.displayName)), ("appId", .string(principal.appID)),
                    ]))
            } else if let object = objects[id], wanted(object.type) {
                found.append(
                    .object([
                        (
                            "@odata.type",
                            .string("#microsoft.graph.\(object.type.prefix(1).lowercased() + object.type.dropFirst())")
                        ), ("id", .string(object.id)),
                        ("displayName", .string(object.displayName)),
                    ]))
            } else if wanted("application"), let application = applications[id] {
                found.append(
                    .object([
                        ("@odata.type", .string("#microsoft.graph.application")), ("id", .string(application.id)),
                        ("displayName", .string(application.displayName)), ("appId", .string(application.appID)),
                    ]))
            }
        }
        return .json(
            200, .object([("@odata.context", .string(root + "/$metadata#directoryObjects")), ("value", .array(found))]))
    }
}
