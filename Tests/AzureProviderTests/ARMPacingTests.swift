import AMLAuthCore
import AzureProvider
import Testing

/// The pacer as a pure value: its decisions against a simulated ARM bucket on a simulated clock.
struct ARMPacingTests {
    static let limits = ARMThrottleLimits(
        reads: .init(size: 250, refillPerSecond: 25), writes: .init(size: 20, refillPerSecond: 10),
        deletes: .init(size: 20, refillPerSecond: 10))

    @Test func oneRequestGoesAloneUntilTheServerReports() {
        var pacing = ARMPacing(limits: Self.limits, operation: .writes, now: 0)
        guard case .go(let first) = pacing.take(now: 0) else {
            Issue.record("the first request goes")
            return
        }
        #expect(pacing.take(now: 0) == .wait(0.1), "the level is unknown while the first is in flight")
        pacing.observe(first, remaining: 3, globalRemaining: nil, now: 0.01)
        var admitted = 0
        while case .go = pacing.take(now: 0.01) { admitted += 1 }
        #expect(admitted == 3, "exactly what the server said is left")
        #expect(pacing.take(now: 0.01) == .wait(0.1), "then one token's refill: 0.1 s at 10/s")
    }

    @Test func theReportWinsOverTheModel() {
        var pacing = ARMPacing(limits: Self.limits, operation: .writes, now: 0)
        guard case .go(let first) = pacing.take(now: 0) else { return }
        pacing.observe(first, remaining: 19, globalRemaining: nil, now: 0)
        guard case .go(let second) = pacing.take(now: 0), case .go(let third) = pacing.take(now: 0) else { return }
        // Another client emptied the bucket: the second's answer says 0 while the third is out.
        pacing.observe(second, remaining: 0, globalRemaining: nil, now: 0)
        #expect(pacing.level == -1, "the third may still be counted after that report")
        #expect(pacing.take(now: 0) == .wait(0.2))
        pacing.observe(third, remaining: 0, globalRemaining: nil, now: 0.1)
        #expect(pacing.take(now: 0.1) == .wait(0.2), "still conservative: the second may be counted after the third")
    }

    @Test func theGlobalBucketAlsoHoldsRequests() {
        var pacing = ARMPacing(limits: Self.limits, operation: .writes, now: 0)
        guard case .go(let first) = pacing.take(now: 0) else { return }
        pacing.observe(first, remaining: 19, globalRemaining: 0, now: 0)
        #expect(pacing.take(now: 0) == .wait(1.0 / 150), "other principals used the subscription's bucket")
    }

    @Test func aThrottledAnswerHoldsEveryRequestUntilRetryAfter() {
        var pacing = ARMPacing(limits: Self.limits, operation: .writes, now: 0)
        guard case .go(let first) = pacing.take(now: 0) else { return }
        pacing.throttled(first, retryAfter: 5, now: 1)
        #expect(pacing.take(now: 1) == .wait(5))
        #expect(pacing.heldUntil == 6)
        guard case .go = pacing.take(now: 6.1) else {
            Issue.record("a request goes once Retry-After has passed and a token is back")
            return
        }
    }

    @Test func aServerWithoutReportsIsPacedByTheModel() {
        var pacing = ARMPacing(limits: Self.limits, operation: .writes, now: 0)
        guard case .go(let first) = pacing.take(now: 0) else { return }
        pacing.observe(first, remaining: nil, globalRemaining: nil, now: 0)
        var admitted = 0
        while case .go = pacing.take(now: 0) { admitted += 1 }
        #expect(admitted == 19, "the documented bucket, less the first request")
    }

    // MARK: Against a simulated ARM

    /// Runs `total` writes with `parallelism` workers against a server bucket, each request
    /// `latency` seconds there and back; returns the time the last one finished and the 429s.
    static func simulate(
        total: Int, parallelism: Int, latency: Double, server: ARMThrottleLimits.Bucket,
        serverStartLevel: Double? = nil, pacer: ARMThrottleLimits = limits
    ) -> (seconds: Double, throttled: Int) {
        enum Event {
            case ready(Int)
            case arrive(Int, ARMPacing.Ticket)
            case answer(Int, ARMPacing.Ticket, remaining: Int?, retryAfter: Double?)
        }
        var queue: [(time: Double, order: Int, event: Event)] = (0..<parallelism).map { (0, $0, .ready($0)) }
        var order = parallelism
        var pacing = ARMPacing(limits: pacer, operation: .writes, now: 0)
        var (level, updated) = (serverStartLevel ?? server.size, 0.0)
        var (unsent, done, throttled, finished) = (total, 0, 0, 0.0)
        func schedule(_ time: Double, _ event: Event) {
            order += 1
            queue.append((time, order, event))
        }
        while done < total,
            let next = queue.indices.min(by: { (queue[$0].time, queue[$0].order) < (queue[$1].time, queue[$1].order) })
        {
            let (now, _, event) = queue.remove(at: next)
            switch event {
            case .ready(let worker):
                guard unsent > 0 else { continue }
                switch pacing.take(now: now) {
                case .go(let ticket):
                    unsent -= 1
                    schedule(now + latency / 2, .arrive(worker, ticket))
                case .wait(let seconds): schedule(now + seconds, .ready(worker))
                }
            case .arrive(let worker, let ticket):
                level = min(server.size, level + (now - updated) * server.refillPerSecond)
                updated = now
                if level >= 1 {
                    level -= 1
                    schedule(now + latency / 2, .answer(worker, ticket, remaining: Int(level), retryAfter: nil))
                } else {
                    let wait = (1 - level) / server.refillPerSecond
                    schedule(now + latency / 2, .answer(worker, ticket, remaining: 0, retryAfter: wait))
                }
            case .answer(let worker, let ticket, let remaining, let retryAfter):
                if let retryAfter {
                    throttled += 1
                    unsent += 1
                    pacing.throttled(ticket, retryAfter: retryAfter, now: now)
                } else {
                    done += 1
                    finished = now
                    pacing.observe(ticket, remaining: remaining, globalRemaining: nil, now: now)
                }
                schedule(now, .ready(worker))
            }
        }
        return (finished, throttled)
    }

    @Test(arguments: [1, 8, 64])
    func paceAtTheBucketsLimitWithoutTrippingIt(parallelism: Int) {
        let result = Self.simulate(
            total: 200, parallelism: parallelism, latency: 0.02, server: Self.limits.writes)
        let minimum = (200.0 - 20) / 10
        #expect(result.throttled == 0, "no 429 at parallelism \(parallelism)")
        #expect(result.seconds <= minimum * 1.1, "\(result.seconds) s against the minimum \(minimum) s")
    }

    @Test func aBucketOthersHalfUsedIsFoundBeforeItRunsDry() {
        let result = Self.simulate(
            total: 100, parallelism: 16, latency: 0.02, server: Self.limits.writes, serverStartLevel: 3)
        #expect(result.throttled == 0)
        #expect(result.seconds <= (100.0 - 3) / 10 * 1.1)
    }

    @Test func aServerFasterThanAssumedIsNeverOverrun() {
        let result = Self.simulate(
            total: 100, parallelism: 8, latency: 0.02, server: .init(size: 20, refillPerSecond: 20))
        #expect(result.throttled == 0)
        #expect(result.seconds <= (100.0 - 20) / 10 * 1.1, "no slower than the assumed rate")
    }

    @Test func aServerSlowerThanAssumedThrottlesRarelyAndConverges() {
        let result = Self.simulate(
            total: 100, parallelism: 8, latency: 0.02, server: .init(size: 20, refillPerSecond: 5))
        // Assuming twice the real refill, about every other paced request meets an empty bucket;
        // each 429 holds all requests for its Retry-After, so the apply still converges.
        #expect(result.throttled <= 60, "about one 429 per two requests past the bucket, no storm")
        #expect(result.seconds < (100.0 - 20) / 5 * 1.5)
    }
}
