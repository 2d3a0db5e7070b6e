import AuthCrypto
import Foundation
import WireFormat

/// Graph's create-or-update by alternate key (graph-docs `application-upsert` and
/// `serviceprincipal-upsert`, v1.0):
///
/// - `PATCH /applications(uniqueName='…')` and `PATCH /servicePrincipals(appId='…')` with
///   `Prefer: create-if-missing` create the object when no object has that key (201 and the
///   object) and otherwise update it (204, no body).
/// - Without the header the request is an update: 404 when nothing has the key.
/// - `uniqueName` is immutable: a body naming another one is refused (400).
/// - An application needs `displayName` to be created (400 otherwise).
///
/// The existence check and the write happen in one `CloudStore.write`, under the data
/// directory's lock, so two clients racing on the same key (two applies) create one object.
extension GraphRoutes {
    private enum Upsert<Record: Sendable>: Sendable {
        case created(Record)
        case updated
        case missing
        case refused(status: Int, code: String, message: String)
    }

    private var createIfMissing: Bool {
        (request.header("prefer") ?? "").lowercased().split(separator: ",").contains {
            $0.trimmingCharacters(in: .whitespaces) == "create-if-missing"
        }
    }

    func upsertApplication(uniqueName: String) async -> CloudResponse {
        let json: JSONValue
        switch applicationPatchBody() {
        case .success(let body): json = body
        case .failure(let response): return response
        }
        if let named = json["uniqueName"], named.stringValue?.lowercased() != uniqueName.lowercased() {
            return uniqueNameImmutable()
        }
        var keys: [KeyCredentialRecord]?
        if let value = json["keyCredentials"] {
            switch keyCredentials(value) {
            case .success(let records): keys = records
            case .failure(let response): return response
            }
        }
        let create = createIfMissing
        let displayName = json["displayName"]?.stringValue
        let newTags = json["tags"] == nil ? nil : tags(json)
        let now = context.now
        let outcome: Upsert<ApplicationRecord>
        do {
            outcome = try await cloud.store.write { state -> Upsert<ApplicationRecord> in
                if let index = state.applications.firstIndex(where: {
                    $0.uniqueName?.lowercased() == uniqueName.lowercased()
                }) {
                    if let displayName { state.applications[index].displayName = displayName }
                    if let newTags { state.applications[index].tags = newTags }
                    if let keys { state.applications[index].keyCredentials = keys }
                    return .updated
                }
                guard create else { return .missing }
                guard let displayName, !displayName.isEmpty else {
                    return .refused(
                        status: 400, code: "Request_BadRequest", message: "Property 'displayName' is required.")
                }
                var application = Directory.newApplication(
                    displayName: displayName, tags: newTags ?? [], appID: SecureRandom.uuid(), now: now
                ).application
                application.uniqueName = uniqueName
                application.keyCredentials = keys ?? []
                state.applications.append(application)
                return .created(application)
            }
        } catch { return persistenceFailure(error) }
        switch outcome {
        case .created(let application): return .json(201, applicationBody(application, context: true))
        case .updated: return .empty(204)
        case .missing: return notFound(uniqueName)
        case .refused(let status, let code, let message): return error(status, code, message)
        }
    }

    func upsertServicePrincipal(appID: String) async -> CloudResponse {
        guard let json = try? JSONParser.parse(request.body), json.objectValue != nil else {
            return error(400, "Request_BadRequest", "Invalid JSON in the request body.")
        }
        let create = createIfMissing
        let newTags = json["tags"] == nil ? nil : tags(json)
        let displayName = json["displayName"]?.stringValue
        let now = context.now
        let lag = cloud.options.faults?.graphReplicationLag ?? 0
        let outcome: Upsert<ServicePrincipalRecord>
        do {
            outcome = try await cloud.store.write { state -> Upsert<ServicePrincipalRecord> in
                if let index = state.servicePrincipals.firstIndex(where: { $0.appID == appID }) {
                    if let newTags { state.servicePrincipals[index].tags = newTags }
                    if let displayName { state.servicePrincipals[index].displayName = displayName }
                    return .updated
                }
                guard create else { return .missing }
                guard let application = state.applications.first(where: { $0.appID == appID }),
                    application.createdDateTime + lag <= now
                else {
                    return .refused(status: 400, code: "NoBackingApplicationObject", message: appID)
                }
                let principal = ServicePrincipalRecord(
                    id: SecureRandom.uuid(), appID: appID, displayName: displayName ?? application.displayName,
                    tags: newTags ?? application.tags, createdDateTime: now)
                state.servicePrincipals.append(principal)
                return .created(principal)
            }
        } catch { return persistenceFailure(error) }
        switch outcome {
        case .created(let principal): return .json(201, servicePrincipalBody(principal, context: true))
        case .updated: return .empty(204)
        case .missing: return notFound(appID)
        case .refused(_, "NoBackingApplicationObject", _): return noBackingApplication(appID)
        case .refused(let status, let code, let message): return error(status, code, message)
        }
    }

    func uniqueNameImmutable() -> CloudResponse {
        error(
            400, "Request_BadRequest",
            "Property 'uniqueName' is read-only and cannot be changed once set; it identifies the application.")
    }
}
