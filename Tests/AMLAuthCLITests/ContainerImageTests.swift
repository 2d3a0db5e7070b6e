import Foundation
import TestSupport
import Testing

/// The Dockerfile and `scripts/docker-build.sh`. Building the image needs a container runtime
/// (`scripts/test.sh` runs the script, which builds and smoke-tests it when one is usable); these
/// check what holds everywhere: the script skips with a reason and exit 0 when no runtime is usable,
/// and the runtime stage installs only the libraries the release binary loads.
struct ContainerImageTests {
    /// Runs `scripts/docker-build.sh` with `environment` (PATH first) and returns status and stdout.
    static func dockerBuild(_ environment: [String: String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [Paths.packageRoot + "/scripts/docker-build.sh"]
        var env = environment
        env["PATH"] = env["PATH"] ?? ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        process.environment = env
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    @Test func skipsWithAReasonWithoutARuntime() throws {
        let result = try Self.dockerBuild(["CONTAINER_RUNTIME": "amlauth-no-such-runtime"])
        #expect(result.status == 0)
        #expect(
            result.output
                == "docker-build: skipped: no container runtime (looked for amlauth-no-such-runtime on PATH)\n")
    }

    /// A docker client whose daemon is not running (as on the machine this was written on) is not
    /// a runtime: skipped, with what `docker info` said.
    @Test func skipsWithAReasonWhenTheRuntimeCannotRun() throws {
        let bin = FileManager.default.temporaryDirectory.appendingPathComponent("amlauth-bin-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: bin) }
        let client = """
            #!/bin/sh
            echo "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?" >&2
            exit 1
            """
        try client.write(toFile: bin + "/docker", atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: bin + "/docker")

        let result = try Self.dockerBuild(["PATH": bin + ":/usr/bin:/bin", "CONTAINER_RUNTIME": "docker"])
        #expect(result.status == 0)
        #expect(result.output.hasPrefix("docker-build: skipped: docker is installed but not usable"))
        #expect(result.output.contains("Cannot connect to the Docker daemon"))
    }

    @Test func runtimeStageInstallsOnlyTheThreeLibrariesAndCACertificates() throws {
        let dockerfile = try Paths.read("Dockerfile")
        let stages = dockerfile.components(separatedBy: "\nFROM ")
        #expect(stages.count == 3, "a builder stage and a runtime stage")
        let builder = try #require(stages.dropFirst().first)
        #expect(builder.hasPrefix("swift:6.3-bookworm AS builder"))
        #expect(builder.contains("scripts/release.sh"))
        let runtime = try #require(stages.last)
        #expect(runtime.hasPrefix("debian:bookworm-slim"))
        let install = try #require(runtime.range(of: "--no-install-recommends"))
        let packages = runtime[install.upperBound...].prefix { $0 != "&" }
            .split(whereSeparator: { $0 == " " || $0 == "\\" || $0 == "\n" }).map(String.init)
        #expect(packages == ["libcurl4", "libyaml-0-2", "libssl3", "ca-certificates"])
        #expect(runtime.contains("USER amlauth"), "not root")

        let ignored = try Paths.read(".dockerignore").split(separator: "\n").map(String.init)
        for entry in [".git", ".build", "**/.secrets", "**/.amlauth"] {
            #expect(ignored.contains(entry), "the build context leaves out \(entry)")
        }
    }
}
