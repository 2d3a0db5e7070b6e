import AMLAuthCore
import Foundation
import TestSupport
import Testing
import WireFormat

/// `amlauth local-cloud serve` as a process: the cloud file on stdout, clean stop on SIGTERM,
/// data kept across restarts, clear errors.
@Suite(.serialized)
struct LocalCloudCommandTests {
    /// Starts the server, waits for the cloud file, and returns the process with it.
    func serve(_ arguments: [String]) throws -> (Process, JSONValue, Pipe) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Paths.amlauthBinary)
        process.arguments = ["local-cloud", "serve"] + arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        var text = ""
        while !text.contains("\n}\n") {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        return (process, try JSONParser.parse(text), errors)
    }

    @Test func servesPrintsTheCloudFileAndStopsOnSIGTERM() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "amlauth-serve-\(UUID().uuidString)"
        ).path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (process, file, _) = try serve(["--data", directory, "--port", "0"])
        let base = try #require(file["endpoints"]?["activeDirectory"]?.stringValue)
        #expect(base.hasPrefix("https://127.0.0.1:"))
        #expect(file["endpoints"]?["resourceManager"]?.stringValue == base + "/")
        #expect(file["endpoints"]?["microsoftGraph"]?.stringValue == base + "/graph/")
        #expect(file["caCertificate"]?.stringValue?.hasSuffix("/ca.pem") == true)
        #expect(file["bootstrap"]?["clientSecret"]?.stringValue?.count == 40)
        #expect(FileManager.default.fileExists(atPath: directory + "/cloud.json"))
        let keyMode =
            try FileManager.default.attributesOfItem(atPath: directory + "/ca-key.pem")[.posixPermissions] as? Int
        #expect(keyMode == 0o600)
        process.terminate()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)

        let (again, secondFile, _) = try serve(["--data", directory, "--port", "0"])
        #expect(secondFile["tenantId"] == file["tenantId"])
        #expect(secondFile["bootstrap"]?["clientId"] == file["bootstrap"]?["clientId"])
        again.terminate()
        again.waitUntilExit()
        #expect(again.terminationStatus == 0)
    }

    @Test func damagedDataStopsWithAClearMessage() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "amlauth-damaged-\(UUID().uuidString)"
        ).path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (process, _, _) = try serve(["--data", directory])
        process.terminate()
        process.waitUntilExit()
        try "not json".write(toFile: directory + "/state.json", atomically: true, encoding: .utf8)
        let result = try CommandRunner.amlauth(["local-cloud", "serve", "--data", directory])
        #expect(result.status == 1)
        #expect(result.stderr.contains("state.json is damaged"))
        #expect(result.stdout.isEmpty)
    }

    @Test func badFlagsAreUsageErrors() throws {
        let faults = try CommandRunner.amlauth(["local-cloud", "serve", "--data", "/tmp/x", "--faults", "429=7"])
        #expect(faults.status == 64)
        #expect(faults.stderr.contains("a rate is a number from 0 to 1"))
        let help = try CommandRunner.amlauth(["local-cloud", "serve", "--help"])
        #expect(help.stdout.contains("--faults"))
        #expect(help.stdout.contains("cloud file"))
    }
}
