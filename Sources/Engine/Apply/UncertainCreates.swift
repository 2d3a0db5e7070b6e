import AMLAuthCore
import AzureProvider

/// The Graph create that nothing makes idempotent (`addPassword`), retried only in a way that
/// cannot leave a duplicate. (Applications are upserted by uniqueName, a PATCH the pipeline
/// repeats freely.)
///
/// The pipeline repeats a POST only when the server said it did nothing (429 or 503 with
/// Retry-After). A 5xx or a broken connection leaves it unknown whether Graph carried the POST
/// out, so before each new attempt this looks for what the lost one would have made: a password
/// carrying the requested displayName is removed, since nobody received its secret. (Graph
/// replicates within seconds, so the look-up waits first; the other creates are safe to repeat as
/// they are: a second service principal, federated credential or service answers 409, handled in
/// their clients.)
struct UncertainCreates {
    let directory: any DirectoryService
    let runtime: Runtime
    /// Attempts per create, the first included; the pipeline retries within each as usual.
    static let attempts = 5

    func addPassword(applicationID: String, displayName: String, endDateTime: Double) async throws
        -> CreatedPassword
    {
        var attempt = 1
        while true {
            let failure: AzureError
            do {
                return try await directory.addPassword(
                    applicationID: applicationID, displayName: displayName, endDateTime: endDateTime)
            } catch {
                failure = error
            }
            guard failure.isRetryable, attempt < Self.attempts else { throw failure }
            try await runtime.sleep(backoff(attempt))
            // The planner gave this password a displayName no live password had: one that
            // carries it now was made by the lost attempt.
            for orphan in try await directory.application(id: applicationID)?.passwords ?? []
            where orphan.displayName == displayName {
                try await directory.removePassword(applicationID: applicationID, keyID: orphan.keyID)
            }
            attempt += 1
        }
    }

    /// azure-core's backoff, `0.8 * 2^(n-1)` s, with full jitter.
    private func backoff(_ attempt: Int) -> Double {
        runtime.random(min(30, 0.8 * Double(1 << min(attempt - 1, 10))))
    }
}
