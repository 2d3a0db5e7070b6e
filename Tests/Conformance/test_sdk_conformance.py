"""The official Azure Python SDKs against the local cloud. If they cannot use it, it is not
faithful enough to test amlauth against."""
import datetime
import time
import uuid

import msal
import pytest
import requests
from azure.core.exceptions import ResourceExistsError, ResourceNotFoundError
from azure.identity import CertificateCredential, ClientSecretCredential
from azure.mgmt.authorization import AuthorizationManagementClient
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

ARM_SCOPE = "https://management.azure.com/.default"
GRAPH_SCOPE = "https://graph.microsoft.com/.default"
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"


def authority(cloud):
    return cloud["endpoints"]["activeDirectory"]


def bootstrap_credential(cloud):
    return ClientSecretCredential(
        cloud["tenantId"], cloud["bootstrap"]["clientId"], cloud["bootstrap"]["clientSecret"],
        authority=authority(cloud), disable_instance_discovery=True)


def graph(cloud, method, path, **kwargs):
    """One Graph request. Requests on objects made a moment ago wait out replication as real
    clients must (the local cloud runs with graph-lag): 404, and 400 NoBackingApplicationObject
    for a service principal, retried for up to 10 s, as terraform-provider-azuread does
    (applications.go applicationUpdateRetryFunc, service_principal_resource.go)."""
    token = bootstrap_credential(cloud).get_token(GRAPH_SCOPE).token
    deadline = time.time() + 10
    while True:
        response = requests.request(method, cloud["endpoints"]["microsoftGraph"] + "v1.0" + path,
                                    headers={"Authorization": "Bearer " + token}, **kwargs)
        lagging = response.status_code == 404 or "NoBackingApplicationObject" in response.text
        if not lagging or time.time() > deadline:
            return response
        time.sleep(0.2)


def new_principal(cloud, name):
    app = graph(cloud, "POST", "/applications", json={"displayName": name})
    assert app.status_code == 201, app.text
    sp = graph(cloud, "POST", "/servicePrincipals", json={"appId": app.json()["appId"]})
    assert sp.status_code == 201, sp.text
    return app.json(), sp.json()


def test_client_secret_credential_gets_tokens(cloud):
    credential = bootstrap_credential(cloud)
    token = credential.get_token(ARM_SCOPE)
    assert token.token.count(".") == 2
    assert token.expires_on > time.time() + 3000
    assert credential.get_token(GRAPH_SCOPE).token != token.token


def test_wrong_secret_is_reported_with_the_aadsts_code(cloud):
    from azure.core.exceptions import ClientAuthenticationError
    credential = ClientSecretCredential(cloud["tenantId"], cloud["bootstrap"]["clientId"], "wrong",
                                        authority=authority(cloud), disable_instance_discovery=True)
    with pytest.raises(ClientAuthenticationError) as failure:
        credential.get_token(ARM_SCOPE)
    assert "AADSTS7000215" in str(failure.value)


def test_certificate_credential(cloud, tmp_path):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "conformance")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(hours=1))
                   .not_valid_after(now + datetime.timedelta(days=30)).sign(key, hashes.SHA256()))
    pem = tmp_path / "client.pem"
    pem.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
                    + certificate.public_bytes(serialization.Encoding.PEM))
    app, _ = new_principal(cloud, "cert-conformance")
    import base64
    der = base64.b64encode(certificate.public_bytes(serialization.Encoding.DER)).decode()
    patch = graph(cloud, "PATCH", "/applications/" + app["id"],
                  json={"keyCredentials": [{"type": "AsymmetricX509Cert", "usage": "Verify", "key": der}]})
    assert patch.status_code == 204, patch.text
    credential = CertificateCredential(cloud["tenantId"], app["appId"], certificate_path=str(pem),
                                       authority=authority(cloud), disable_instance_discovery=True)
    assert credential.get_token(ARM_SCOPE).token.count(".") == 2


def test_msal_confidential_client(cloud):
    application = msal.ConfidentialClientApplication(
        cloud["bootstrap"]["clientId"], client_credential=cloud["bootstrap"]["clientSecret"],
        authority=authority(cloud) + "/" + cloud["tenantId"], instance_discovery=False)
    result = application.acquire_token_for_client(scopes=[ARM_SCOPE])
    assert "access_token" in result, result
    assert result["token_type"] == "Bearer"


def test_authorization_management_client_role_assignments(cloud):
    client = AuthorizationManagementClient(
        bootstrap_credential(cloud), cloud["subscriptionId"], base_url=cloud["endpoints"]["resourceManager"],
        credential_scopes=[ARM_SCOPE])
    _, sp = new_principal(cloud, "rbac-conformance")
    scope = f"/subscriptions/{cloud['subscriptionId']}/resourceGroups/ml-rg/providers/Microsoft.MachineLearningServices/workspaces/ml-example"
    name = str(uuid.uuid4())
    parameters = {
        "role_definition_id": f"/subscriptions/{cloud['subscriptionId']}/providers/Microsoft.Authorization/roleDefinitions/{READER}",
        "principal_id": sp["id"], "principal_type": "ServicePrincipal",
    }
    created = client.role_assignments.create(scope, name, parameters)
    assert created.name == name
    assert created.principal_id == sp["id"]
    listed = list(client.role_assignments.list_for_scope(scope, filter=f"principalId eq '{sp['id']}'"))
    assert [item.name for item in listed] == [name]
    assert client.role_assignments.get(scope, name).role_definition_id.endswith(READER)
    with pytest.raises(ResourceExistsError):
        client.role_assignments.create(scope, str(uuid.uuid4()), parameters)
    reader = next(iter(client.role_definitions.list(scope, filter="roleName eq 'Reader'")))
    assert reader.name == READER
    client.role_assignments.delete(scope, name)
    with pytest.raises(ResourceNotFoundError):
        client.role_assignments.get(scope, name)


def mms_session(cloud):
    """Finds the model-management host the way azureml-core does: workspace → discovery."""
    token = bootstrap_credential(cloud).get_token(ARM_SCOPE).token
    headers = {"Authorization": "Bearer " + token}
    workspace_id = f"subscriptions/{cloud['subscriptionId']}/resourceGroups/ml-rg/providers/Microsoft.MachineLearningServices/workspaces/ml-example"
    workspace = requests.get(cloud["endpoints"]["resourceManager"] + workspace_id, params={"api-version": "2022-05-01"}, headers=headers)
    assert workspace.status_code == 200, workspace.text
    discovery = requests.get(workspace.json()["properties"]["discoveryUrl"])  # no Authorization header
    assert discovery.status_code == 200
    base = discovery.json()["modelmanagement"] + "/modelmanagement/v1.0/" + workspace_id
    return base, headers


def wait_for(operation_url, headers):
    for _ in range(10):
        state = requests.get(operation_url, headers=headers).json()["state"]
        if state in ("Succeeded", "Failed", "Cancelled", "TimedOut"):
            return state
    return state


def uploaded_image_request(base, headers, container):
    """The scoring script uploaded as azureml-core's `upload_dependency` does it (the artifact
    service's batch metadata POST, then a BlockBlob PUT to the returned content URI), and the
    image request that names it (`driverProgram`, `assets`) with a registered environment."""
    artifacts = base.replace("/modelmanagement/v1.0/", "/artifact/v2.0/", 1)
    made = requests.post(artifacts + "/artifacts/batch/metadata/LocalUpload/" + container,
                         json={"paths": [{"path": "score.py"}]}, headers=headers)
    assert made.status_code == 200, made.text
    body = made.json()
    content_uri = body["artifactContentInformation"]["score.py"]["contentUri"]
    put = requests.put(content_uri, data=b"def init():\n    pass\n\ndef run(data):\n    return data\n",
                       headers={"x-ms-blob-type": "BlockBlob"})
    assert put.status_code == 201, put.text
    artifact_id = body["artifacts"]["score.py"]["artifactId"]
    return {"driverProgram": "score.py", "modelIds": ["sklearn-mnist:3"],
            "assets": [{"id": "score.py", "url": "aml://artifact/" + artifact_id, "mimeType": "application/octet-stream"}],
            "environmentReference": {"name": "sklearn-env", "version": "2"}}


def test_model_management_key_auth_like_azureml_core(cloud):
    base, headers = mms_session(cloud)
    payload = {"name": "sdk-aci", "computeType": "ACI", "authEnabled": True, "kvTags": {"team": "ml"},
               "containerResourceRequirements": {"cpu": 0.5, "memoryInGB": 1},
               "environmentImageRequest": uploaded_image_request(base, headers, "5a6b7c8d")}
    created = requests.post(base + "/services", json=payload, headers=headers)
    assert created.status_code == 202, created.text
    operation_id = created.headers["Operation-Location"].split("/")[-1]
    assert wait_for(base + "/operations/" + operation_id, headers) == "Succeeded"
    service = requests.get(base + "/services/sdk-aci", params={"expand": "true"}, headers=headers).json()
    for field in ("computeType", "createdTime", "description", "kvTags", "name", "properties", "appInsightsEnabled",
                  "authEnabled", "cname", "containerResourceRequirements", "location", "publicIp", "scoringUri",
                  "sslCertificate", "sslEnabled", "sslKey"):
        assert field in service, field
    keys = requests.post(base + "/services/sdk-aci/listkeys", headers=headers).json()
    scoring = service["scoringUri"]
    assert requests.post(scoring, json={"data": [1]}).status_code == 401
    assert requests.post(scoring, json={"data": [1]}, headers={"Authorization": "Bearer " + keys["primaryKey"]}).status_code == 200
    regenerated = requests.post(base + "/services/sdk-aci/regenerateKeys", json={"keyType": "Primary"}, headers=headers)
    assert regenerated.status_code == 202
    assert requests.post(scoring, json={}, headers={"Authorization": "Bearer " + keys["primaryKey"]}).status_code == 401
    assert requests.post(scoring, json={}, headers={"Authorization": "Bearer " + keys["secondaryKey"]}).status_code == 200


def test_model_management_token_auth_like_azureml_core(cloud):
    base, headers = mms_session(cloud)
    payload = {"name": "sdk-aks", "computeType": "AKS", "computeName": "aks-cluster-1", "authEnabled": False,
               "aadAuthEnabled": True, "environmentImageRequest": uploaded_image_request(base, headers, "9e8d7c6b")}
    created = requests.post(base + "/services", json=payload, headers=headers)
    assert created.status_code == 202, created.text
    assert wait_for(created.headers["Operation-Location"], headers) == "Succeeded"
    token = requests.post(base + "/services/sdk-aks/token", headers=headers).json()
    assert set(token) >= {"accessToken", "tokenType", "refreshAfter", "expiryOn"}
    scoring = requests.get(base + "/services/sdk-aks", headers=headers).json()["scoringUri"]
    answer = requests.post(scoring, json={"data": [2]}, headers={"Authorization": "Bearer " + token["accessToken"]})
    assert answer.status_code == 200
    assert answer.json()["auth"] == "token"
    assert requests.post(scoring, json={}).status_code == 401


SECRETS_OFFICER = "b86a8fe4-44ce-4948-aee5-eccb2c155cd7"


def test_keyvault_secrets_client_sets_and_reads_with_rbac(cloud):
    """azure-keyvault-secrets drives the local vault through its own pipeline as it drives a real
    one: the unauthenticated first request, the challenge naming https://vault.azure.net, a token
    for that resource, then RBAC by data role (Owner alone is refused with Key Vault's 403).

    Known difference: local vaults are paths on one origin (`…/keyvault/ml-vault/`), while the
    SDK's models accept only `https://{vault-host}/secrets/{name}/{version}` ids, so past the 403
    the calls go through the client's `send_request` (same pipeline, no model parsing)."""
    from azure.core.exceptions import HttpResponseError
    from azure.core.rest import HttpRequest
    from azure.keyvault.secrets import SecretClient

    # The vault lives on 127.0.0.1, not under vault.azure.net: the SDK's check that the challenge's
    # resource matches the vault's domain must be switched off, as for any private endpoint alias.
    client = SecretClient(cloud["endpoints"]["keyVault"] + "ml-vault", bootstrap_credential(cloud),
                          api_version="7.4", verify_challenge_resource=False)
    with pytest.raises(HttpResponseError) as refused:
        client.set_secret("conformance", "first", tags={"amlauth-key-id": "k1"})
    assert refused.value.status_code == 403
    assert refused.value.error.code == "Forbidden"
    assert "Microsoft.KeyVault/vaults/secrets/setSecret/action" in refused.value.error.message

    authorization = AuthorizationManagementClient(
        bootstrap_credential(cloud), cloud["subscriptionId"], base_url=cloud["endpoints"]["resourceManager"],
        credential_scopes=[ARM_SCOPE])
    owner = graph(cloud, "GET", f"/servicePrincipals(appId='{cloud['bootstrap']['clientId']}')").json()["id"]
    vault = f"/subscriptions/{cloud['subscriptionId']}/resourceGroups/ml-rg/providers/Microsoft.KeyVault/vaults/ml-vault"
    authorization.role_assignments.create(vault, str(uuid.uuid4()), {
        "role_definition_id": f"/subscriptions/{cloud['subscriptionId']}/providers/Microsoft.Authorization/roleDefinitions/{SECRETS_OFFICER}",
        "principal_id": owner, "principal_type": "ServicePrincipal",
    })

    def put(value, key_id):
        response = client.send_request(HttpRequest(
            "PUT", "/secrets/conformance", params={"api-version": "7.4"},
            json={"value": value, "contentType": "text/plain", "tags": {"amlauth-key-id": key_id}}))
        assert response.status_code == 200, response.text()
        return response.json()

    first = put("first", "k1")
    second = put("second", "k2")
    assert first["id"].rsplit("/", 1)[0] == second["id"].rsplit("/", 1)[0]
    assert first["id"] != second["id"]
    assert second["attributes"]["enabled"] is True
    current = client.send_request(HttpRequest("GET", "/secrets/conformance", params={"api-version": "7.4"})).json()
    assert current["value"] == "second" and current["tags"] == {"amlauth-key-id": "k2"}
    missing = client.send_request(HttpRequest("GET", "/secrets/absent", params={"api-version": "7.4"}))
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "SecretNotFound"
