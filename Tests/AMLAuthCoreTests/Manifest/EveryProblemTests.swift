import AMLAuthCore
import TestSupport
import Testing

/// One `validate` run reports every problem: a missing or invalid field costs only the rules that
/// need that field, never the whole resource's rules (issue 9).
struct EveryProblemTests {
    static func codes(_ yaml: String) -> [DiagnosticCode] {
        Validate.marked(MarkedText(yaml)).map(\.code)
    }

    @Test func missingEntryScriptDoesNotHideTokenAuthOnACI() {
        let marked = MarkedText(
            """
            apiVersion: amlauth/v1
            kind: Webservice
            metadata: {name: svc-one}
            1️⃣spec:
              workspace: ml-example
              compute_type: ACI
              models: [m:1]
              environment: env:1
              token_auth_enabled: 2️⃣true

            """)
        let diagnostics = Validate.marked(marked)
        let missing = diagnostics.filter { $0.code == .missingField }
        #expect(missing.map(\.message) == ["missing required field 'entry_script' in Webservice spec"])
        #expect(missing.first?.position == marked.position("1️⃣"))
        let tokenAuth = diagnostics.filter { $0.code == .tokenAuthOnACI }
        #expect(tokenAuth.count == 1)
        #expect(tokenAuth.first?.position == marked.position("2️⃣"))
        #expect(diagnostics.contains { $0.code == .aciKeyAuthOff })
    }

    @Test func invalidComputeTypeKeepsTheRulesThatDoNotNeedIt() {
        let codes = Self.codes(Doc.webservice("  compute_type: aks\n  token_clients: [ml-auht]\n"))
        #expect(codes.contains(.invalidEnum))
        #expect(codes.contains(.tokenClientsWithoutTokenAuth))
        #expect(codes.contains(.danglingReference))
        // Nothing that depends on ACI or AKS is guessed.
        #expect(!codes.contains(.computeTargetRequired))
        #expect(!codes.contains(.aciKeyAuthOff))
    }

    @Test func roleAssignmentWithoutScopeStillResolvesAndFlagsItsRole() {
        let codes = Self.codes(
            """
            apiVersion: amlauth/v1
            kind: RoleAssignment
            metadata: {name: r}
            spec:
              principal: {service_principal: ml-auht}
              role: Owner

            """)
        #expect(codes.contains(.missingField))
        #expect(codes.contains(.danglingReference))
        #expect(codes.contains(.privilegedRole))
    }

    @Test func workspaceWithoutResourceGroupStillHasItsNameChecked() {
        let codes = Self.codes(
            "apiVersion: amlauth/v1\nkind: Workspace\nmetadata: {name: ws}\nspec: {location: westeurope}\n")
        #expect(codes.contains(.missingField))
        #expect(codes.contains(.azureMLName))
    }

    @Test func targetWithInvalidCloudStillAppliesItsPolicy() {
        let result = Validate.files([
            (
                "t.yaml",
                """
                apiVersion: amlauth/v1
                kind: Target
                metadata: {name: t}
                spec: {cloud: AzureCloudd, policy: {AMLA003: error, AMLA203: warning}}
                ---
                """ + "\n" + Validate.workspace + "---\n" + Doc.webservice("  compute_type: ACI\n")
            )
        ])
        let diagnostics = result.diagnostics.all
        #expect(diagnostics.contains { $0.code == .invalidEnum })
        #expect(diagnostics.contains { $0.code == .policyOverride })
        #expect(diagnostics.first { $0.code == .aciKeyAuthOff }?.severity == .error)
    }

    /// A field written with an invalid value is unknown, not its default: no rule may build on a
    /// guess (`yes` is not `false`).
    @Test func invalidAuthSettingsAreNotReadAsTheirDefaults() {
        let tokenClients = Self.codes(
            Doc.webservice(
                "  compute_type: AKS\n  compute_target: aks\n  token_auth_enabled: yes\n  token_clients: [ml-auth]\n")
                + "---\n" + Doc.servicePrincipal())
        #expect(tokenClients.contains(.yaml11Boolean))
        #expect(!tokenClients.contains(.tokenClientsWithoutTokenAuth))
        #expect(!tokenClients.contains(.bothAuthModes))
        let keyAuth = Self.codes(
            Doc.webservice("  compute_type: ACI\n  auth_enabled: \"true\"\n  key_rotation: {primary: 1}\n"))
        #expect(keyAuth.contains(.wrongType))
        #expect(!keyAuth.contains(.aciKeyAuthOff))
        #expect(!keyAuth.contains(.keyRotationWithoutKeyAuth))
    }

    @Test func invalidPasswordMaximumIsNotReadAsTheDefault() {
        let result = Validate.files([
            (
                "t.yaml",
                "apiVersion: amlauth/v1\nkind: Target\nmetadata: {name: t}\nspec: {cloud: local, max_password_lifetime: 1year}\n---\n"
                    + Doc.servicePrincipal(
                        spec:
                            "credentials:\n    - {name: ci, type: password, lifetime: 365d, deliver_to: github-output}")
            )
        ])
        let codes = result.diagnostics.all.map(\.code)
        #expect(codes.contains(.invalidDuration))
        #expect(!codes.contains(.passwordLifetime))
    }

    /// A token client's access is unknown while one of its assignments lacks a valid role or scope.
    @Test func tokenClientAccessIsNotGuessedFromAnIncompleteAssignment() {
        let codes = Self.codes(
            Doc.webservice(
                "  compute_type: AKS\n  compute_target: aks\n  token_auth_enabled: true\n  token_clients: [ml-auth]\n")
                + "---\n"
                + Doc.servicePrincipal() + "---\n"
                + "apiVersion: amlauth/v1\nkind: RoleAssignment\nmetadata: {name: r}\nspec:\n  principal: {service_principal: ml-auth}\n  role: Reeder\n  scope: {workspace: ml-example}\n"
        )
        #expect(codes.contains(.unknownRole))
        #expect(!codes.contains(.tokenClientAccess))
    }

    /// Planning sees complete manifests only; drafts stay inside validation.
    @Test func incompleteResourcesStayOutOfTheManifestSet() {
        let result = Validate.files([
            (
                "a.yaml",
                Validate.target + "---\n" + Validate.workspace + "---\n"
                    + "apiVersion: amlauth/v1\nkind: Webservice\nmetadata: {name: svc-one}\nspec: {workspace: ml-example, compute_type: ACI, models: [m:1], environment: e:1}\n"
            )
        ])
        #expect(result.manifests.webservices.isEmpty)
        #expect(result.manifests.declarations.contains { $0.address == ResourceAddress(.webservice, "svc-one") })
        #expect(result.manifests.workspaces.map(\.name) == ["ml-example"])
    }
}
