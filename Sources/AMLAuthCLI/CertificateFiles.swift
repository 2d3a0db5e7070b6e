import AMLAuthCore
import Foundation
import YAMLSource

/// Reads each certificate credential's `certificate_file` (relative to the manifest that names it):
/// it must hold a PEM certificate and no private key, since private keys never go near a manifest.
enum CertificateFiles {
    struct Result {
        var diagnostics: [Diagnostic] = []
        /// DER by `<principal>/<credential>`, for the plan.
        var certificates: [String: [UInt8]] = [:]
    }

    static func check(_ manifests: ManifestSet, workingDirectory: String) -> Result {
        var result = Result()
        for principal in manifests.servicePrincipals {
            for credential in principal.credentials {
                guard case .certificate(let file?) = credential.kind else { continue }
                let location = credential.value["certificate_file"]?.location ?? principal.source.location
                let manifestDirectory = (ManifestFiles.absolute(location.file, in: workingDirectory) as NSString)
                    .deletingLastPathComponent
                let path = file.hasPrefix("/") ? file : manifestDirectory + "/" + file
                guard let data = FileManager.default.contents(atPath: path) else {
                    result.diagnostics.append(
                        Diagnostic(
                            .certificateFile, "cannot read certificate_file '\(file)'", at: location,
                            hint: "the path is relative to this manifest's directory"))
                    continue
                }
                let text = String(decoding: data, as: UTF8.self)
                if PEM.containsPrivateKey(text) {
                    result.diagnostics.append(
                        Diagnostic(
                            .certificateFile,
                            "'\(file)' holds a private key; a manifest may name only a public certificate",
                            at: location,
                            hint:
                                "keep the private key out of the repository and give amlauth the certificate alone (openssl x509 -in key-and-cert.pem -out cert.pem)"
                        ))
                    continue
                }
                guard let der = PEM.blocks(text, label: "CERTIFICATE").first else {
                    result.diagnostics.append(
                        Diagnostic(
                            .certificateFile, "'\(file)' holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
                            at: location))
                    continue
                }
                result.certificates["\(principal.name)/\(credential.name)"] = der
            }
        }
        return result
    }
}
