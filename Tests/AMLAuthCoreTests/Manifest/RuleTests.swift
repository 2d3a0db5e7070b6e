import AMLAuthCore
import Foundation
import TestSupport
import Testing
import YAMLSource

/// One rule, one marked manifest: the diagnostic with `code` must stand at `1️⃣`.
struct RuleCase: Sendable, CustomTestStringConvertible {
    var name: String
    var yaml: String
    var code: DiagnosticCode
    var message: String
    var testDescription: String { "\(code.rawValue) \(name)" }

    init(_ name: String, _ code: DiagnosticCode, _ message: String, _ yaml: String) {
        self.name = name
        self.code = code
        self.message = message
        self.yaml = yaml
    }
}

struct RuleTests {
    static func sp(spec: String = "display_name: x") -> String { Doc.servicePrincipal(spec: spec) }

    static let cases: [RuleCase] = [
        RuleCase("document must be a mapping", .notAManifest, "must be a mapping", "1️⃣- just\n- a list\n"),
        RuleCase(
            "unsupported apiVersion", .apiVersion, "unsupported apiVersion",
            "apiVersion: 1️⃣amlauth/v2\nkind: Workspace\nmetadata: {name: w}\nspec: {resource_group: r}\n"),
        RuleCase(
            "foreign document skipped", .foreignDocument,
            "not an amlauth manifest (apiVersion 'apps/v1', kind 'Deployment')",
            "1️⃣apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: scorer}\nspec: {replicas: 2}\n"),
        RuleCase(
            "secret inside free text", .literalSecret, "text holding a secret ('DB_PASSWORD=…')",
            Doc.webservice("  compute_type: ACI\n  description: 1️⃣\"connects with DB_PASSWORD=s3cr3t-v4lue\"\n")),
        RuleCase(
            "unknown kind", .unknownKind, "unknown kind",
            "apiVersion: amlauth/v1\nkind: 1️⃣Webservise\nmetadata: {name: w}\nspec: {}\n"),
        RuleCase(
            "unknown spec field", .unknownField, "unknown field 'auth_enable'",
            Doc.webservice("  compute_type: ACI\n  1️⃣auth_enable: true\n")),
        RuleCase(
            "unknown top-level field", .unknownField, "unknown top-level field",
            "apiVersion: amlauth/v1\nkind: Workspace\nmetadata: {name: w}\nspec: {resource_group: r}\n1️⃣labels: {}\n"),
        RuleCase(
            "missing required spec field", .missingField, "missing required field 'compute_type'",
            "apiVersion: amlauth/v1\nkind: Webservice\nmetadata: {name: svc}\n1️⃣spec:\n  workspace: ml-example\n  models: [m:1]\n  entry_script: s.py\n  environment: e:1\n"
        ),
        RuleCase(
            "null required field", .missingField, "has no value",
            "apiVersion: amlauth/v1\nkind: Workspace\nmetadata: {name: w}\nspec: {1️⃣resource_group: }\n"),
        RuleCase(
            "wrong type", .wrongType, "must be a number", Doc.webservice("  compute_type: ACI\n  cpu_cores: 1️⃣lots\n")),
        RuleCase(
            "boolean in a string field", .wrongType, "not the boolean true",
            "apiVersion: amlauth/v1\nkind: Workspace\nmetadata: {name: w}\nspec: {resource_group: 1️⃣true}\n"),
        RuleCase(
            "quoted boolean", .wrongType, "must be true or false",
            Doc.webservice("  compute_type: ACI\n  auth_enabled: 1️⃣\"true\"\n")),
        RuleCase(
            "enum value", .invalidEnum, "'aks' is not a valid compute_type", Doc.webservice("  compute_type: 1️⃣aks\n")),
        RuleCase(
            "bad duration", .invalidDuration, "'90days' is not a duration",
            sp(spec: "credentials:\n    - {name: ci, type: password, lifetime: 1️⃣90days, deliver_to: github-output}")),
        RuleCase(
            "bad GUID", .invalidGUID, "is not a GUID",
            "apiVersion: amlauth/v1\nkind: RoleAssignment\nmetadata: {name: r}\nspec:\n  principal: {object_id: 1️⃣not-a-guid, type: User}\n  role: Reader\n  scope: {subscription: true}\n"
        ),
        RuleCase(
            "bad ARM ID", .invalidResourceID, "is not an Azure resource ID",
            "apiVersion: amlauth/v1\nkind: RoleAssignment\nmetadata: {name: r}\nspec:\n  principal: {object_id: 7f3c2a10-5b1e-4c55-9d2e-0a6b8c9d1e2f, type: User}\n  role: Reader\n  scope: {id: 1️⃣subscriptions/abc}\n"
        ),
        RuleCase(
            "YAML 1.1 boolean", .yaml11Boolean, "'yes' is not a boolean in YAML 1.2",
            Doc.webservice("  compute_type: ACI\n  auth_enabled: 1️⃣yes\n")),
        RuleCase(
            "invalid name", .invalidName, "is not a valid name",
            "apiVersion: amlauth/v1\nkind: Workspace\nmetadata: {name: 1️⃣\"bad name!\"}\nspec: {resource_group: r}\n"),
        RuleCase(
            "out of range", .outOfRange, "must be greater than 0",
            Doc.webservice("  compute_type: ACI\n  memory_gb: 1️⃣0\n")),
        RuleCase(
            "negative key generation", .outOfRange, "at least 0",
            Doc.webservice("  compute_type: ACI\n  auth_enabled: true\n  key_rotation: {primary: 1️⃣-1}\n")),
        RuleCase(
            "empty models list", .outOfRange, "at least 1 item",
            "apiVersion: amlauth/v1\nkind: Webservice\nmetadata: {name: svc}\nspec:\n  workspace: ml-example\n  compute_type: ACI\n  models: 1️⃣[]\n  entry_script: s.py\n  environment: e:1\n"
        ),
        RuleCase(
            "invalid sink", .invalidSink, "is not a secret sink",
            sp(spec: "credentials:\n    - {name: ci, type: password, deliver_to: 1️⃣stdout}")),
        RuleCase(
            "invalid issuer", .invalidFormat, "is not an https:// URL",
            sp(spec: "federated_credentials:\n    - {name: gh, issuer: 1️⃣http://example.test, subject: s}")),
        RuleCase(
            "invalid model reference", .invalidFormat, "is not name:version",
            Doc.webservice("  compute_type: ACI\n").replacingFirst("models: [m:1]", with: "models: [1️⃣m]")),
        RuleCase(
            "malformed interpolation", .invalidFormat, "not a valid interpolation",
            "apiVersion: amlauth/v1\nkind: Workspace\nmetadata: {name: w}\nspec: {resource_group: 1️⃣\"${AZURE_RG}\"}\n"),
        RuleCase(
            "scope with two forms", .exactlyOneOf, "exactly one of",
            "apiVersion: amlauth/v1\nkind: RoleAssignment\nmetadata: {name: r}\nspec:\n  principal: {service_principal: ml-auth}\n  role: Reader\n  1️⃣scope: {workspace: ml-example, subscription: true}\n---\n"
                + sp()),
        RuleCase(
            "unknown role", .unknownRole, "neither a built-in role",
            "apiVersion: amlauth/v1\nkind: RoleAssignment\nmetadata: {name: r}\nspec:\n  principal: {service_principal: ml-auth}\n  role: 1️⃣Reeder\n  scope: {workspace: ml-example}\n---\n"
                + sp()),
        RuleCase(
            "duplicate name", .duplicateName, "duplicate ServicePrincipal name 'ml-auth'",
            sp() + "---\napiVersion: amlauth/v1\nkind: ServicePrincipal\nmetadata: {name: 1️⃣ml-auth}\nspec: {}\n"),
        RuleCase(
            "dangling reference", .danglingReference, "no ServicePrincipal named 'ml-auht'",
            "apiVersion: amlauth/v1\nkind: RoleAssignment\nmetadata: {name: r}\nspec:\n  principal: {service_principal: 1️⃣ml-auht}\n  role: Reader\n  scope: {workspace: ml-example}\n---\n"
                + sp()),
        RuleCase(
            "second target", .targetCount, "exactly one Target",
            "apiVersion: amlauth/v1\nkind: 1️⃣Target\nmetadata: {name: other}\nspec: {cloud: local}\n"),
        RuleCase(
            "env in a setting", .envNotAllowed, "not allowed in 'compute_target'",
            Doc.webservice("  compute_type: AKS\n  compute_target: 1️⃣${env:AKS}\n")),
        RuleCase(
            "unset env", .envUnset, "'NOT_SET_ANYWHERE' is not set",
            "apiVersion: amlauth/v1\nkind: Workspace\nmetadata: {name: w}\nspec: {resource_group: 1️⃣\"${env:NOT_SET_ANYWHERE}\"}\n"
        ),
        RuleCase(
            "literal secret key", .literalSecret, "'client_secret' holds a literal secret",
            sp(
                spec:
                    "credentials:\n    - name: ci\n      type: password\n      deliver_to: github-output\n      1️⃣client_secret: hunter2"
            )),
        RuleCase(
            "client secret shaped value", .literalSecret, "looks like an Entra client secret",
            sp(spec: "display_name: 1️⃣abc8Q~aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456_-x")),
        RuleCase(
            "duplicate credential", .duplicateItem, "duplicate credential name 'ci'",
            sp(
                spec:
                    "credentials:\n    - {name: ci, type: password, deliver_to: github-output}\n    - {name: 1️⃣ci, type: password, deliver_to: \"file:b.json\"}"
            )),
        RuleCase(
            "duplicate role triple", .duplicateRoleAssignment, "same role to the same principal",
            "apiVersion: amlauth/v1\nkind: RoleAssignment\nmetadata: {name: a}\nspec: {principal: {service_principal: ml-auth}, role: Reader, scope: {workspace: ml-example}}\n---\napiVersion: amlauth/v1\nkind: 1️⃣RoleAssignment\nmetadata: {name: b}\nspec: {principal: {service_principal: ml-auth}, role: acdd72a7-3385-48ef-bd42-f606fba81ae7, scope: {workspace: ml-example}}\n---\n"
                + sp()),
        RuleCase(
            "certificate with lifetime", .credentialShape, "'lifetime' does not apply to a certificate",
            sp(spec: "credentials:\n    - {name: c, type: certificate, certificate_file: c.pem, 1️⃣lifetime: 90d}")),
        RuleCase(
            "renew before lifetime", .renewBeforeLifetime, "must be shorter than lifetime",
            sp(
                spec:
                    "credentials:\n    - {name: ci, type: password, lifetime: 30d, renew_before: 1️⃣30d, deliver_to: github-output}"
            )),
        RuleCase(
            "two audiences", .federatedCredential, "exactly one audience",
            sp(
                spec:
                    "federated_credentials:\n    - {name: gh, issuer: \"https://x.test\", subject: s, audiences: 1️⃣[a, b]}"
            )),
        RuleCase(
            "override of a non-policy code", .policyOverride, "is not a policy check",
            "apiVersion: amlauth/v1\nkind: Target\nmetadata: {name: t}\nspec: {cloud: local, policy: {1️⃣AMLA203: warning}}\n"
        ),
        RuleCase(
            "token auth on ACI", .tokenAuthOnACI, "AKS only",
            Doc.webservice("  compute_type: ACI\n  auth_enabled: true\n  token_auth_enabled: 1️⃣true\n")),
        RuleCase(
            "both auth modes", .bothAuthModes, "cannot both be on",
            Doc.webservice(
                "  compute_type: AKS\n  compute_target: aks\n  auth_enabled: 1️⃣true\n  token_auth_enabled: true\n")),
        RuleCase(
            "AKS without compute target", .computeTargetRequired, "needs 'compute_target'",
            Doc.webservice("  compute_type: 1️⃣AKS\n")),
        RuleCase(
            "ACI with compute target", .computeTargetForbidden, "does not apply to ACI",
            Doc.webservice("  compute_type: ACI\n  auth_enabled: true\n  1️⃣compute_target: aks\n")),
        RuleCase(
            "key rotation without key auth", .keyRotationWithoutKeyAuth, "key auth is off",
            Doc.webservice(
                "  compute_type: AKS\n  compute_target: aks\n  token_auth_enabled: true\n  key_rotation: 1️⃣{primary: 1}\n"
            )),
        RuleCase(
            "service name", .azureMLName, "not a valid Azure ML web service name",
            Doc.webservice("  compute_type: ACI\n  auth_enabled: true\n", name: "Svc_1").replacingFirst(
                "{name: Svc_1}", with: "{name: 1️⃣Svc_1}")),
        RuleCase(
            "token clients without token auth", .tokenClientsWithoutTokenAuth, "has no effect",
            Doc.webservice("  compute_type: ACI\n  auth_enabled: true\n  token_clients: 1️⃣[ml-auth]\n") + "---\n" + sp()),
        RuleCase(
            "privileged role", .privilegedRole, "granted 'Contributor'",
            "apiVersion: amlauth/v1\nkind: RoleAssignment\nmetadata: {name: r}\nspec:\n  principal: {service_principal: ml-auth}\n  role: 1️⃣Contributor\n  scope: {workspace: ml-example}\n---\n"
                + sp()),
        RuleCase(
            "token client without role", .tokenClientAccess, "needs Reader",
            Doc.webservice(
                "  compute_type: AKS\n  compute_target: aks\n  token_auth_enabled: true\n  token_clients: [1️⃣ml-auth]\n")
                + "---\n" + sp()),
        RuleCase(
            "ACI without key auth", .aciKeyAuthOff, "anyone who finds its URL", Doc.webservice("  compute_type: 1️⃣ACI\n")
        ),
        RuleCase(
            "password lifetime", .passwordLifetime, "longer than the policy maximum of 180d",
            sp(spec: "credentials:\n    - {name: ci, type: password, lifetime: 1️⃣365d, deliver_to: github-output}")),
        RuleCase(
            "v1 end of support", .v1EndOfSupport, "are out of support",
            "apiVersion: amlauth/v1\nkind: 1️⃣Webservice\nmetadata: {name: svc}\nspec: {workspace: ml-example, compute_type: ACI, auth_enabled: true, models: [m:1], entry_script: s.py, environment: e:1}\n"
        ),
        RuleCase(
            "aad_token on Kubernetes", .endpointAuthMode, "'aad_token' works on managed endpoints only",
            "apiVersion: amlauth/v1\nkind: OnlineEndpoint\nmetadata: {name: ep}\nspec: {workspace: ml-example, compute: aks-1, auth_mode: 1️⃣aad_token}\n"
        ),
        RuleCase(
            "traffic to no deployment", .trafficDeployment, "'green', which is not a deployment of endpoint 'ep'",
            "apiVersion: amlauth/v1\nkind: OnlineEndpoint\nmetadata: {name: ep}\nspec: {workspace: ml-example, traffic: {blue: 0, 1️⃣green: 0}}\n---\napiVersion: amlauth/v1\nkind: OnlineDeployment\nmetadata: {name: ep-blue}\nspec: {endpoint: ep, name: blue, model: m:1}\n"
        ),
        RuleCase(
            "traffic sum", .trafficSum, "traffic sums to 90%",
            "apiVersion: amlauth/v1\nkind: OnlineEndpoint\nmetadata: {name: ep}\nspec: {workspace: ml-example, traffic: 1️⃣{blue: 90}}\n---\napiVersion: amlauth/v1\nkind: OnlineDeployment\nmetadata: {name: ep-blue}\nspec: {endpoint: ep, name: blue, model: m:1}\n"
        ),
        RuleCase(
            "operation form", .invalidAction, "is not an Azure operation",
            "apiVersion: amlauth/v1\nkind: RoleDefinition\nmetadata: {name: r}\nspec: {actions: [1️⃣token/action], assignable_scopes: [{subscription: true}]}\n"
        ),
        RuleCase(
            "ambiguous role", .ambiguousRole, "names more than one role",
            "apiVersion: amlauth/v1\nkind: RoleDefinition\nmetadata: {name: tr}\nspec: {actions: ['*/read'], assignable_scopes: [{subscription: true}]}\n---\napiVersion: amlauth/v1\nkind: RoleDefinition\nmetadata: {name: tr2}\nspec: {role_name: TR, actions: ['*/read'], assignable_scopes: [{subscription: true}]}\n---\napiVersion: amlauth/v1\nkind: RoleAssignment\nmetadata: {name: ra}\nspec: {principal: {object_id: ce2ce14e-85d7-4629-bdbc-454d0519d987, type: User}, role: 1️⃣tr, scope: {subscription: true}}\n"
        ),
        RuleCase(
            "outside assignable scopes", .assignableScope, "may not be assigned at the subscription",
            "apiVersion: amlauth/v1\nkind: RoleDefinition\nmetadata: {name: tr}\nspec: {actions: ['*/read'], assignable_scopes: [{workspace: ml-example}]}\n---\napiVersion: amlauth/v1\nkind: RoleAssignment\nmetadata: {name: ra}\nspec: {principal: {object_id: ce2ce14e-85d7-4629-bdbc-454d0519d987, type: User}, role: tr, scope: 1️⃣{subscription: true}}\n"
        ),
        RuleCase(
            "built-in role name", .roleNameTaken, "is the name of the built-in role 'Owner'",
            "apiVersion: amlauth/v1\nkind: RoleDefinition\nmetadata: {name: tr}\nspec: {role_name: 1️⃣owner, actions: ['*/read'], assignable_scopes: [{subscription: true}]}\n"
        ),
        RuleCase(
            "code without scoring_script", .codeAndScoringScript, "'code' needs 'scoring_script'",
            "apiVersion: amlauth/v1\nkind: OnlineEndpoint\nmetadata: {name: ep}\nspec: {workspace: ml-example}\n---\napiVersion: amlauth/v1\nkind: OnlineDeployment\nmetadata: {name: ep-blue}\nspec: {endpoint: ep, name: blue, model: m:1, code: 1️⃣src}\n"
        ),
        RuleCase(
            "keys_from on a token endpoint", .keysFromAuthMode, "but this endpoint uses 'aml_token', which has no keys",
            "apiVersion: amlauth/v1\nkind: OnlineEndpoint\nmetadata: {name: ep}\nspec: {workspace: ml-example, auth_mode: aml_token, keys_from: 1️⃣{webservice: legacy}}\n"
        ),
        RuleCase(
            "keys_from a keyless service", .keysFromWithoutKeyAuth, "names Webservice/open-aci, which has no key auth",
            "apiVersion: amlauth/v1\nkind: OnlineEndpoint\nmetadata: {name: ep}\nspec: {workspace: ml-example, keys_from: {webservice: 1️⃣open-aci}}\n---\napiVersion: amlauth/v1\nkind: Webservice\nmetadata: {name: open-aci}\nspec: {workspace: ml-example, compute_type: ACI, models: [m:1], entry_script: s.py, environment: e:1}\n"
        ),
    ]

    @Test(arguments: cases)
    func reportsAtTheMarker(_ rule: RuleCase) throws {
        let marked = MarkedText(rule.yaml)
        let diagnostics = Validate.marked(marked)
        let matching = diagnostics.filter { $0.code == rule.code }
        let found = try #require(
            matching.first, "no \(rule.code.rawValue) among: \(diagnostics.map { "\($0.code.rawValue) \($0.message)" })"
        )
        #expect(matching.count == 1)
        #expect(found.position == marked.position("1️⃣"))
        #expect(found.location?.file == "m.yaml")
        #expect(found.message.contains(rule.message), "\(found.message)")
        #expect(found.severity == rule.code.defaultSeverity)
    }

    @Test func everyValidateTimeCodeHasARuleCase() {
        let covered = Set(Self.cases.map(\.code))
        // Read at the edge from files (`Tests/Fixtures/invalid/` covers them).
        let cliOnly: Set<DiagnosticCode> = [.unreadableInput, .certificateFile, .codeDirectory, .entryScriptFile]
        let yamlOnly: Set<DiagnosticCode> = [.yamlSyntax, .duplicateKey, .expansionLimit, .unsupportedYAML]
        let missing = DiagnosticCode.allCases.filter {
            !$0.needsLiveState && !covered.contains($0) && !cliOnly.contains($0) && !yamlOnly.contains($0)
        }
        #expect(missing.isEmpty, "codes without a rule case: \(missing.map(\.rawValue))")
    }
}

extension String {
    func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = range(of: target) else { return self }
        return replacingCharacters(in: range, with: replacement)
    }
}
