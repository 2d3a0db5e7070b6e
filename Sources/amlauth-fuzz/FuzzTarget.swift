import Foundation
import ManifestFuzzing

/// libFuzzer's entry point: one input as manifest files (split at NUL bytes), loaded, validated
/// and rendered, every `ManifestProperties` property checked. A broken property stops the process
/// like a crash, so libFuzzer keeps the input that broke it.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    if let violation = ManifestProperties.check(ManifestProperties.files(from: bytes)).first {
        fatalError("amlauth-fuzz: property broken: \(violation)")
    }
    return 0
}

#if FUZZING
    /// libFuzzer's driver (libclang_rt.fuzzer). SwiftPM links an executable's `main` to this
    /// module's `@main`, so the driver is started from there rather than from libFuzzer's own `main`.
    @_silgen_name("LLVMFuzzerRunDriver")
    private func runDriver(
        _ argc: UnsafeMutablePointer<CInt>,
        _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
        _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
    ) -> CInt

    /// Built by `scripts/fuzz.sh` (`-sanitize=fuzzer,address -DFUZZING`): libFuzzer with its own
    /// command line (`-max_total_time`, `-timeout`, corpus directories …).
    @main
    enum Fuzz {
        static func main() {
            var argc = CommandLine.argc
            var argv = CommandLine.unsafeArgv
            exit(runDriver(&argc, &argv, fuzzOneInput))
        }
    }
#else
    /// Built without libFuzzer (the ordinary `swift build`): replays the inputs named on the
    /// command line (files, or directories of them) through the same checks, so a crash file
    /// libFuzzer saved can be rerun under a debugger.
    @main
    enum Replay {
        static func main() {
            var inputs: [String] = []
            for argument in CommandLine.arguments.dropFirst() {
                let entries = try? FileManager.default.contentsOfDirectory(atPath: argument)
                inputs += entries?.sorted().map { argument + "/" + $0 } ?? [argument]
            }
            guard !inputs.isEmpty else {
                FileHandle.standardError.write(Data("usage: amlauth-fuzz FILE|DIRECTORY…\n".utf8))
                exit(2)
            }
            for input in inputs {
                guard let data = FileManager.default.contents(atPath: input) else {
                    FileHandle.standardError.write(Data("amlauth-fuzz: cannot read \(input)\n".utf8))
                    exit(2)
                }
                _ = data.withUnsafeBytes { raw in
                    fuzzOneInput(raw.bindMemory(to: UInt8.self).baseAddress, raw.count)
                }
            }
            print("amlauth-fuzz: \(inputs.count) inputs, every property holds")
        }
    }
#endif
