/// Independent calls in flight together, with their results in a fixed order: what the reads of a
/// plan use so that a plan costs a few round trips of latency, not one per request, and still comes
/// out byte for byte the same.
public enum Concurrently {
    /// Calls in flight at once by default: the transport's transfer slots
    /// (`CurlTransportConfiguration.maxConcurrentTransfers`).
    public static let defaultLimit = 8

    /// `transform` applied to every input, at most `limit` at a time, results in input order. After
    /// a failure no further call starts; the calls in flight finish, and the failure of the earliest
    /// input is thrown, so which error a run reports does not depend on timing.
    public static func map<Input: Sendable, Output: Sendable, Failure: Error>(
        _ inputs: [Input], limit: Int = defaultLimit,
        _ transform: @escaping @Sendable (Input) async throws(Failure) -> Output
    ) async throws(Failure) -> [Output] {
        if inputs.count == 1 { return [try await transform(inputs[0])] }
        var results: [Output?] = Array(repeating: nil, count: inputs.count)
        let failure: Failure? = await withTaskGroup(of: (Int, Result<Output, Failure>).self) { group in
            var next = 0
            var failure: (index: Int, error: Failure)?
            func start(_ index: Int) {
                let input = inputs[index]
                group.addTask { (index, await capture { () async throws(Failure) in try await transform(input) }) }
            }
            while next < min(max(1, limit), inputs.count) {
                start(next)
                next += 1
            }
            while let (index, result) = await group.next() {
                switch result {
                case .success(let output): results[index] = output
                case .failure(let error):
                    if failure.map({ index < $0.index }) ?? true { failure = (index, error) }
                }
                if failure == nil, next < inputs.count {
                    start(next)
                    next += 1
                }
            }
            return failure?.error
        }
        if let failure { throw failure }
        return results.map { $0! }
    }

    /// `body`'s outcome as a value, so that calls started with `async let` keep their typed error.
    public static func capture<Output, Failure: Error>(_ body: () async throws(Failure) -> Output) async -> Result<
        Output, Failure
    > {
        do throws(Failure) {
            return .success(try await body())
        } catch {
            return .failure(error)
        }
    }
}
