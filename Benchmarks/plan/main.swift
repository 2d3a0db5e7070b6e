// Plan-time cost against the local cloud over loopback TLS, in one process:
//   amlauth-plan-benchmark [sizes…]              role assignments on an empty directory (100 1000 10000)
//   amlauth-plan-benchmark steady [latency-ms…]  200 principals × 5 roles already applied (0 100)
//   amlauth-plan-benchmark first [latency-ms…]   the same set planned against an empty cloud (0 20 100)
//   amlauth-plan-benchmark memory [principals]   peak RSS of one first plan of principals × 5 roles (200)
//   amlauth-plan-benchmark transport             100 GETs one after another and 8 at a time
//   amlauth-plan-benchmark throttled [scale] [n]  apply n (1000) role assignments at ARM's limit (scale 0.1)
// Build once: swift build -c release --scratch-path .build-release --product amlauth-plan-benchmark
import Foundation

let arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first {
case "steady":
    let latencies = arguments.dropFirst().compactMap { Double($0) }
    try await SteadyStateCase.run(latencies: latencies.isEmpty ? [0, 100] : latencies)
case "first":
    let latencies = arguments.dropFirst().compactMap { Double($0) }
    try await FirstPlanCase.run(latencies: latencies.isEmpty ? [0, 20, 100] : latencies)
case "memory":
    try await FirstPlanCase.memory(principals: arguments.dropFirst().compactMap { Int($0) }.first ?? 200)
case "transport":
    try await TransportCase.run()
case "throttled":
    let numbers = arguments.dropFirst().compactMap { Double($0) }
    try await ThrottledApplyCase.run(
        scale: numbers.first ?? 0.1, count: numbers.count > 1 ? Int(numbers[1]) : 1_000)
default:
    try await AssignmentsCase.run(arguments.compactMap { Int($0) })
}

/// Seconds in a duration.
func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}
