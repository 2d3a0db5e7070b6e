import AMLAuthCore
import AzureProvider

/// Writes the cloud's record that a password reached its sink (`DeliveryRecord`), right after
/// the delivery succeeded: read the application's tags as they are now, put the record in,
/// PATCH them back. Reading first keeps every other tag (ownership markers, a team's own tags,
/// other credentials' records) as it is.
enum DeliveryRecording {
    static func record(
        _ record: DeliveryRecord, credential: String, applicationID: String, _ directory: any DirectoryService
    ) async throws {
        guard let application = try await directory.application(id: applicationID) else {
            // Graph's own answer for an object its replica does not know: a just-created
            // application may still be replicating (the caller waits that out).
            throw AzureError(
                service: .graph, status: 404, code: "Request_ResourceNotFound",
                message: "application \(applicationID) does not exist (or not yet)", target: "GET /applications")
        }
        let live = Set(application.passwords.map(\.keyID))
        let sameCredential = Set(
            application.passwords.filter { Markers.passwordOwner($0.displayName)?.credential == credential }.map(
                \.keyID)
        )
        let tags = record.applied(to: application.tags, livePasswords: live, sameCredential: sameCredential)
        guard tags != application.tags else { return }
        try await directory.updateApplication(id: applicationID, .tags(tags))
    }
}
