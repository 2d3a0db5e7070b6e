"""azureml-core, the v1 SDK the seed documents, drives the local cloud unpatched, on services that
amlauth created: the seed's workflows (keys, rotation, tokens, scoring, update, delete) and a plan
that notices what the SDK changed behind amlauth's back.

The SDK is pointed at the local cloud the way Azure Stack Hub users point it at theirs:
`ARM_CLOUD_METADATA_URL` names the cloud-metadata document (`GET /metadata/endpoints`), which the
local cloud serves, and `AZUREML_CURRENT_CLOUD` selects the cloud in it. `ServicePrincipalAuthentication`
cannot skip msal's instance discovery for a loopback authority, so the tokens come from msal
(`instance_discovery=False`) for the SDK's own audience, `https://management.core.windows.net/`, and
reach the SDK through `ArmTokenAuthentication`.
"""
import importlib
import json
import os
import subprocess
import sys

import msal
import pytest

SDK_AUDIENCE = "https://management.core.windows.net//.default"


def arm_token(cloud, client_id, client_secret):
    application = msal.ConfidentialClientApplication(
        client_id, client_credential=client_secret,
        authority=cloud["endpoints"]["activeDirectory"] + "/" + cloud["tenantId"], instance_discovery=False)
    result = application.acquire_token_for_client(scopes=[SDK_AUDIENCE])
    assert "access_token" in result, result.get("error_description")
    return result["access_token"]


def target_manifest(name):
    """A Target on the cloud file `write_cloud_file` writes, with the tenant and subscription from
    the environment `amlauth()` sets."""
    return ("apiVersion: amlauth/v1\nkind: Target\nmetadata: {name: %s}\nspec:\n  cloud: cloud.json\n"
            "  tenant_id: ${env:AZURE_TENANT_ID}\n  subscription_id: ${env:AZURE_SUBSCRIPTION_ID}\n" % name)


def write_cloud_file(cloud, directory):
    """`directory/cloud.json`: the served local cloud's file, as amlauth reads it."""
    keys = ("name", "endpoints", "caCertificate", "tenantId", "subscriptionId", "bootstrap")
    (directory / "cloud.json").write_text(json.dumps({key: cloud[key] for key in keys}))


MANIFESTS = target_manifest("sdk-oracle") + """\
---
apiVersion: amlauth/v1
kind: Workspace
metadata: {name: ml-example}
spec:
  resource_group: ml-rg
---
apiVersion: amlauth/v1
kind: ServicePrincipal
metadata: {name: sdk-scorer}
spec:
  display_name: sdk-scorer
  credentials:
    - name: ci
      type: password
      lifetime: 90d
      deliver_to: file:secrets/sdk-scorer.json
---
apiVersion: amlauth/v1
kind: RoleAssignment
metadata: {name: sdk-scorer-reads-workspace}
spec:
  principal: {service_principal: sdk-scorer}
  role: Reader
  scope: {workspace: ml-example}
---
apiVersion: amlauth/v1
kind: Webservice
metadata: {name: sdk-aci-keys}
spec:
  workspace: ml-example
  compute_type: ACI
  models: [sklearn-mnist:3]
  entry_script: score.py
  environment: sklearn-env:2
  cpu_cores: 0.5
  memory_gb: 1
  auth_enabled: true
  key_rotation: {primary: 0, secondary: 0}
---
apiVersion: amlauth/v1
kind: Webservice
metadata: {name: sdk-aks-tokens}
spec:
  workspace: ml-example
  compute_type: AKS
  compute_target: aks-cluster-1
  models: [sklearn-mnist:3]
  entry_script: score.py
  environment: sklearn-env:2
  cpu_cores: 1
  memory_gb: 1
  token_auth_enabled: true
  token_clients: [sdk-scorer]
"""


# The seed's scoring script shape: init() once, run(raw_data) per request. amlauth uploads it.
SCORE_PY = """\
import json


def init():
    pass


def run(raw_data):
    return {"received": len(json.loads(raw_data)["data"])}
"""


def amlauth(cloud, directory, *arguments):
    binary = os.environ.get("AMLAUTH_BIN")
    environment = {key: value for key, value in os.environ.items() if not key.startswith("AZURE_")}
    environment.update(NO_COLOR="1", AZURE_TENANT_ID=cloud["tenantId"], AZURE_SUBSCRIPTION_ID=cloud["subscriptionId"],
                       AZURE_CLIENT_ID=cloud["bootstrap"]["clientId"],
                       AZURE_CLIENT_SECRET=cloud["bootstrap"]["clientSecret"])
    return subprocess.run([binary, *arguments], cwd=directory, env=environment, capture_output=True, text=True,
                          timeout=300)


@pytest.fixture(scope="module")
def applied(cloud, tmp_path_factory):
    """The manifests above, applied by amlauth to the served local cloud."""
    directory = tmp_path_factory.mktemp("sdk-oracle")
    write_cloud_file(cloud, directory)
    (directory / "amlauth.yaml").write_text(MANIFESTS)
    (directory / "score.py").write_text(SCORE_PY)
    result = amlauth(cloud, directory, "apply", ".", "--auto-approve")
    assert result.returncode == 0, result.stdout + result.stderr
    return directory


@pytest.fixture(scope="module")
def sdk(cloud, tmp_path_factory):
    """azureml.core, imported with the local cloud selected (the SDK reads the metadata at import)."""
    config = tmp_path_factory.mktemp("azure-config")
    os.environ["ARM_CLOUD_METADATA_URL"] = cloud["endpoints"]["resourceManager"] + "metadata/endpoints?api-version=2019-05-01"
    os.environ["AZUREML_CURRENT_CLOUD"] = "AmlauthLocal"
    os.environ["AZURE_CONFIG_DIR"] = str(config)
    os.environ["SSL_CERT_FILE"] = cloud["caCertificate"]  # urllib, for the metadata document
    for name in [name for name in sys.modules if name.startswith("azureml")]:
        del sys.modules[name]
    core = importlib.import_module("azureml.core")
    authentication = importlib.import_module("azureml.core.authentication")
    webservice = importlib.import_module("azureml.core.webservice")
    return core, authentication, webservice


def workspace(cloud, sdk, client_id, client_secret):
    core, authentication, _ = sdk
    auth = authentication.ArmTokenAuthentication(arm_token(cloud, client_id, client_secret), cloud="AmlauthLocal")
    return core.Workspace.get("ml-example", auth=auth, subscription_id=cloud["subscriptionId"], resource_group="ml-rg")


def owner_workspace(cloud, sdk):
    return workspace(cloud, sdk, cloud["bootstrap"]["clientId"], cloud["bootstrap"]["clientSecret"])


def test_workspace_get_finds_the_workspace(cloud, sdk):
    ws = owner_workspace(cloud, sdk)
    assert ws.name == "ml-example"
    assert ws.resource_group == "ml-rg"
    assert ws.subscription_id == cloud["subscriptionId"]


def test_webservice_list_and_get_see_what_amlauth_created(cloud, sdk, applied):
    _, _, webservice = sdk
    ws = owner_workspace(cloud, sdk)
    names = {service.name for service in webservice.Webservice.list(ws)}
    assert {"sdk-aci-keys", "sdk-aks-tokens"} <= names
    aci = webservice.Webservice(ws, "sdk-aci-keys")
    assert isinstance(aci, webservice.AciWebservice)
    assert aci.auth_enabled is True
    assert aci.compute_type == "ACI"
    aks = webservice.Webservice(ws, "sdk-aks-tokens")
    assert isinstance(aks, webservice.AksWebservice)
    assert aks.token_auth_enabled is True
    assert aks.auth_enabled is False
    # amlauth's ownership markers are ordinary kvTags to the SDK.
    assert any(key.startswith("amlauth") for key in aci.tags)


def test_keys_rotate_and_score_through_the_sdk(cloud, sdk, applied):
    _, _, webservice = sdk
    service = webservice.Webservice(owner_workspace(cloud, sdk), "sdk-aci-keys")
    primary, secondary = service.get_keys()
    assert primary and secondary and primary != secondary
    assert service.run(json.dumps({"data": [1]}))["auth"] == "key"
    service.regen_key("Primary")
    new_primary, same_secondary = service.get_keys()
    assert new_primary != primary
    assert same_secondary == secondary
    service.regen_key("Secondary")
    assert service.get_keys()[1] != secondary
    # The SDK's session still holds the old primary key: run() retries with the new one after a 401.
    assert service.run(json.dumps({"data": [2]}))["auth"] == "key"


def test_a_reader_token_client_gets_a_token_and_scores(cloud, sdk, applied):
    _, _, webservice = sdk
    credentials = json.loads((applied / "secrets" / "sdk-scorer.json").read_text())
    ws = workspace(cloud, sdk, credentials["clientId"], credentials["clientSecret"])
    service = webservice.Webservice(ws, "sdk-aks-tokens")
    token = service.get_access_token()
    assert token.access_token.count(".") == 2
    assert service.run(json.dumps({"data": [3]}))["auth"] == "token"


def test_plan_reports_what_the_sdk_changed(cloud, sdk, applied):
    _, _, webservice = sdk
    service = webservice.Webservice(owner_workspace(cloud, sdk), "sdk-aci-keys")
    service.update(auth_enabled=False)
    assert webservice.Webservice(owner_workspace(cloud, sdk), "sdk-aci-keys").auth_enabled is False
    plan = amlauth(cloud, applied, "plan", ".", "--detailed-exitcode")
    assert plan.returncode == 2, plan.stdout + plan.stderr
    assert "sdk-aci-keys" in plan.stdout
    assert "auth_enabled" in plan.stdout
    applied_again = amlauth(cloud, applied, "apply", ".", "--auto-approve")
    assert applied_again.returncode == 0, applied_again.stdout + applied_again.stderr
    assert webservice.Webservice(owner_workspace(cloud, sdk), "sdk-aci-keys").auth_enabled is True


def test_plan_reports_token_auth_the_sdk_turned_off(cloud, sdk, applied):
    _, _, webservice = sdk
    service = webservice.Webservice(owner_workspace(cloud, sdk), "sdk-aks-tokens")
    service.update(token_auth_enabled=False, auth_enabled=True)
    changed = webservice.Webservice(owner_workspace(cloud, sdk), "sdk-aks-tokens")
    assert (changed.token_auth_enabled, changed.auth_enabled) == (False, True)
    plan = amlauth(cloud, applied, "plan", ".", "--detailed-exitcode")
    assert plan.returncode == 2, plan.stdout + plan.stderr
    assert "sdk-aks-tokens" in plan.stdout
    assert "token_auth_enabled" in plan.stdout and "auth_enabled" in plan.stdout
    applied_again = amlauth(cloud, applied, "apply", ".", "--auto-approve")
    assert applied_again.returncode == 0, applied_again.stdout + applied_again.stderr
    restored = webservice.Webservice(owner_workspace(cloud, sdk), "sdk-aks-tokens")
    assert (restored.token_auth_enabled, restored.auth_enabled) == (True, False)


def test_delete_through_the_sdk_is_seen_by_the_next_plan(cloud, sdk, applied):
    _, _, webservice = sdk
    ws = owner_workspace(cloud, sdk)
    webservice.Webservice(ws, "sdk-aks-tokens").delete()
    assert "sdk-aks-tokens" not in {service.name for service in webservice.Webservice.list(ws)}
    plan = amlauth(cloud, applied, "plan", ".", "--detailed-exitcode")
    assert plan.returncode == 2, plan.stdout + plan.stderr
    assert "sdk-aks-tokens" in plan.stdout


# Request-shape parity: the SDK and amlauth perform the same operation on the same service, and the
# local cloud's request log (shapes only: method, path, api-version, query names, body key paths,
# token audience) shows what each sent. amlauth may send fewer optional fields, never other ones.

ARM_AUDIENCES = {"https://management.core.windows.net/", "https://management.azure.com/"}


def parity_manifests(secondary_generation=0, with_aks=True):
    text = (MANIFESTS.replace("sdk-oracle", "sdk-parity").replace("sdk-aci-keys", "parity-aci")
            .replace("sdk-aks-tokens", "parity-aks").replace("sdk-scorer", "parity-scorer")
            .replace("secondary: 0", f"secondary: {secondary_generation}"))
    if not with_aks:
        text = text[:text.index("---\napiVersion: amlauth/v1\nkind: Webservice\nmetadata: {name: parity-aks}")]
    return text


@pytest.fixture(scope="module")
def parity(cloud, tmp_path_factory):
    directory = tmp_path_factory.mktemp("sdk-parity")
    write_cloud_file(cloud, directory)
    (directory / "amlauth.yaml").write_text(parity_manifests())
    (directory / "score.py").write_text(SCORE_PY)
    result = amlauth(cloud, directory, "apply", ".", "--auto-approve")
    assert result.returncode == 0, result.stdout + result.stderr
    return directory


def local(cloud, method, path):
    import requests
    response = requests.request(method, cloud["endpoints"]["resourceManager"] + "_local/" + path)
    assert response.status_code in (200, 204), response.text
    return response.json() if response.status_code == 200 else None


def recorded(cloud, action, method, path_suffix):
    """Runs `action` with an empty request log; the requests it sent that match."""
    local(cloud, "POST", "requests/reset")
    action()
    entries = local(cloud, "GET", "requests")["requests"]
    return [entry for entry in entries if entry["method"] == method and entry["path"].endswith(path_suffix)]


def assert_same_shape(sdk_sent, amlauth_sent, audiences=None):
    assert sdk_sent and amlauth_sent, (sdk_sent, amlauth_sent)
    theirs, ours = sdk_sent[0], amlauth_sent[0]
    assert ours["path"] == theirs["path"]
    assert ours["apiVersion"] == theirs["apiVersion"]
    assert set(ours["query"]) <= set(theirs["query"]), (ours["query"], theirs["query"])
    assert set(ours["body"]) <= set(theirs["body"]), (ours["body"], theirs["body"])
    if audiences is None:
        assert ours["audience"] == theirs["audience"]
    else:
        assert {ours["audience"], theirs["audience"]} <= audiences


def test_parity_workspace_read(cloud, sdk, parity):
    theirs = recorded(cloud, lambda: owner_workspace(cloud, sdk), "GET", "/workspaces/ml-example")
    ours = recorded(cloud, lambda: amlauth(cloud, parity, "plan", "."), "GET", "/workspaces/ml-example")
    # ARM accepts both of its audiences; amlauth asks for management.azure.com/ as azure-identity and
    # the Terraform providers do, the v1 SDK for management.core.windows.net/.
    assert_same_shape(theirs, ours, audiences=ARM_AUDIENCES)


def test_parity_service_list(cloud, sdk, parity):
    _, _, webservice = sdk
    ws = owner_workspace(cloud, sdk)
    theirs = recorded(cloud, lambda: webservice.Webservice.list(ws), "GET", "/ml-example/services")
    ours = recorded(cloud, lambda: amlauth(cloud, parity, "plan", "."), "GET", "/ml-example/services")
    assert_same_shape(theirs, ours)


def test_parity_list_keys(cloud, sdk, parity):
    _, _, webservice = sdk
    service = webservice.Webservice(owner_workspace(cloud, sdk), "parity-aci")
    theirs = recorded(cloud, service.get_keys, "POST", "/services/parity-aci/listkeys")
    ours = recorded(cloud, lambda: amlauth(cloud, parity, "keys", "parity-aci", "--show", "--target", "."),
                    "POST", "/services/parity-aci/listkeys")
    assert_same_shape(theirs, ours)


def test_parity_service_token(cloud, sdk, parity):
    _, _, webservice = sdk
    service = webservice.Webservice(owner_workspace(cloud, sdk), "parity-aks")
    theirs = recorded(cloud, service.get_access_token, "POST", "/services/parity-aks/token")
    ours = recorded(cloud, lambda: amlauth(cloud, parity, "token", "parity-aks", "--target", "."),
                    "POST", "/services/parity-aks/token")
    assert_same_shape(theirs, ours)


def test_parity_regenerate_key(cloud, sdk, parity):
    _, _, webservice = sdk
    service = webservice.Webservice(owner_workspace(cloud, sdk), "parity-aci")
    theirs = recorded(cloud, lambda: service.regen_key("Secondary"), "POST", "/services/parity-aci/regenerateKeys")
    (parity / "amlauth.yaml").write_text(parity_manifests(secondary_generation=1))
    ours = recorded(cloud, lambda: amlauth(cloud, parity, "apply", ".", "--auto-approve"),
                    "POST", "/services/parity-aci/regenerateKeys")
    # The SDK sends `keyValue: null` when no key is given; amlauth leaves the optional field out.
    assert_same_shape(theirs, ours)


def test_parity_update_auth(cloud, sdk, parity):
    _, _, webservice = sdk
    service = webservice.Webservice(owner_workspace(cloud, sdk), "parity-aci")
    theirs = recorded(cloud, lambda: service.update(auth_enabled=False), "PATCH", "/services/parity-aci")
    ours = recorded(cloud, lambda: amlauth(cloud, parity, "apply", ".", "--auto-approve"),
                    "PATCH", "/services/parity-aci")
    # Before its PATCH the SDK POSTs the same patch to `services/validate`; amlauth's plan is its
    # validation. Inside a git checkout the SDK also adds `/properties/azureml.git.*` provenance.
    assert "replace /authEnabled" in theirs[0]["body"]
    assert ours[0]["body"] == ["replace /authEnabled"]
    assert_same_shape(theirs, ours)


def test_parity_delete(cloud, sdk, parity):
    _, _, webservice = sdk
    ws = owner_workspace(cloud, sdk)
    theirs = recorded(cloud, webservice.Webservice(ws, "parity-aks").delete, "DELETE", "/services/parity-aks")
    recreated = amlauth(cloud, parity, "apply", ".", "--auto-approve")
    assert recreated.returncode == 0, recreated.stdout + recreated.stderr
    (parity / "amlauth.yaml").write_text(parity_manifests(secondary_generation=1, with_aks=False))
    ours = recorded(cloud, lambda: amlauth(cloud, parity, "apply", ".", "--prune", "--auto-approve"),
                    "DELETE", "/services/parity-aks")
    assert_same_shape(theirs, ours)


# Service creation (fidelity audit D1), the seed's own workflow: `Model.deploy` with an
# `InferenceConfig` (entry script + registered environment) and `AciWebservice` /
# `AksWebservice.deploy_configuration`, unpatched. The SDK uploads the script to the storage host it
# rebuilds from the artifact service's SAS URL (`{account}.blob.{suffix}`, azureml/_file_utils/
# upload.py); the local cloud's suffix is `localhost`, and Python reaches those names through the
# local cloud's CONNECT proxy (conftest sets HTTPS_PROXY, as a corporate network would).

def body_keys(entry):
    """A logged body's key paths, with the free-form maps (`kvTags`, `properties`) as one key:
    their keys are data, not shape."""
    return {key.split(".", 1)[0] if key.startswith(("kvTags.", "properties.")) else key for key in entry["body"]}


def create_manifests():
    return (parity_manifests().replace("sdk-parity", "sdk-create").replace("parity-aci", "create-aci")
            .replace("parity-aks", "create-aks").replace("parity-scorer", "create-scorer"))


@pytest.fixture(scope="module")
def created(cloud, tmp_path_factory):
    """amlauth creating one ACI and one AKS service, with the request log of that apply."""
    directory = tmp_path_factory.mktemp("sdk-create")
    write_cloud_file(cloud, directory)
    (directory / "amlauth.yaml").write_text(create_manifests())
    (directory / "score.py").write_text(SCORE_PY)
    local(cloud, "POST", "requests/reset")
    result = amlauth(cloud, directory, "apply", ".", "--auto-approve")
    assert result.returncode == 0, result.stdout + result.stderr
    return directory, local(cloud, "GET", "requests")["requests"]


@pytest.fixture(scope="module")
def deployed(cloud, sdk, tmp_path_factory):
    """The seed's `Model.deploy`, once to ACI with key auth and once to AKS with token auth, each
    with the request log of its deployment."""
    from azureml.core.compute import ComputeTarget
    from azureml.core.model import InferenceConfig, Model
    core, _, webservice = sdk
    ws = owner_workspace(cloud, sdk)
    directory = tmp_path_factory.mktemp("sdk-deploy")
    (directory / "score.py").write_text(SCORE_PY)
    here = os.getcwd()
    os.chdir(directory)  # the seed's `InferenceConfig(entry_script="score.py")` is relative
    try:
        model = Model(ws, "sklearn-mnist", version=3)
        inference_config = InferenceConfig(entry_script="score.py",
                                           environment=core.Environment.get(ws, "sklearn-env", "2"))
        local(cloud, "POST", "requests/reset")
        aci = Model.deploy(workspace=ws, name="seed-aci", models=[model], inference_config=inference_config,
                           deployment_config=webservice.AciWebservice.deploy_configuration(
                               cpu_cores=1, memory_gb=1, auth_enabled=True))
        aci.wait_for_deployment(show_output=False)
        aci_log = local(cloud, "GET", "requests")["requests"]
        local(cloud, "POST", "requests/reset")
        aks = Model.deploy(workspace=ws, name="seed-aks", models=[model], inference_config=inference_config,
                           deployment_config=webservice.AksWebservice.deploy_configuration(
                               token_auth_enabled=True, auth_enabled=False),
                           deployment_target=ComputeTarget(ws, "aks-cluster-1"))
        aks.wait_for_deployment(show_output=False)
        aks_log = local(cloud, "GET", "requests")["requests"]
    finally:
        os.chdir(here)
    return {"ws": ws, "ACI": (aci, aci_log), "AKS": (aks, aks_log)}


def test_the_sdk_finds_and_registers_environments(cloud, sdk):
    core, _, _ = sdk
    ws = owner_workspace(cloud, sdk)
    environment = core.Environment.get(ws, "sklearn-env", "2")
    assert (environment.name, environment.version) == ("sklearn-env", "2")
    registered = core.Environment("sdk-registered-env").register(ws)
    assert registered.name == "sdk-registered-env" and registered.version == "1"
    assert core.Environment.get(ws, "sdk-registered-env").version == "1"


def test_the_sdk_finds_registered_models(cloud, sdk):
    from azureml.core.model import Model
    from azureml.exceptions import WebserviceException
    ws = owner_workspace(cloud, sdk)
    latest = Model(ws, "sklearn-mnist")
    assert (latest.id, latest.version) == ("sklearn-mnist:3", 3)
    assert Model(ws, "sklearn-mnist", version=2).id == "sklearn-mnist:2"
    assert Model(ws, id="sklearn-mnist:1").version == 1
    with pytest.raises(WebserviceException, match="ModelNotFound"):
        Model(ws, "no-such-model", version=1)


def test_model_deploy_to_aci_with_keys_scores(cloud, sdk, deployed):
    service, _ = deployed["ACI"]
    assert service.state == "Healthy"
    assert service.compute_type == "ACI" and service.auth_enabled is True
    assert [model.id for model in service.models] == ["sklearn-mnist:3"]
    primary, secondary = service.get_keys()
    assert primary and secondary and primary != secondary
    assert service.run(json.dumps({"data": [1, 2]})) == {"service": "seed-aci", "auth": "key", "input": {"data": [1, 2]}}
    service.regen_key("Primary")
    assert service.get_keys()[0] != primary
    assert service.run(json.dumps({"data": [3]}))["auth"] == "key"


def test_model_deploy_to_aks_with_tokens_scores(cloud, sdk, deployed):
    service, _ = deployed["AKS"]
    assert service.state == "Healthy"
    assert service.compute_type == "AKS" and service.token_auth_enabled is True and service.auth_enabled is False
    token, refresh_by = service.get_token()
    assert token.count(".") == 2 and refresh_by
    assert service.run(json.dumps({"data": [4]}))["auth"] == "token"


def test_model_deploy_uploads_the_script_to_the_workspace_storage_host(cloud, sdk, deployed):
    _, log = deployed["ACI"]
    batch = [entry for entry in log if entry["method"] == "POST" and "/artifacts/batch/metadata/LocalUpload/" in entry["path"]]
    # Two files, as `_handle_assets` uploads them: the generated driver wrapper, then the script.
    assert len(batch) == 2, batch
    blobs = [entry for entry in log if entry["host"].endswith(".blob.localhost")]
    assert [entry["method"] for entry in blobs] == ["PUT", "HEAD", "PUT", "HEAD"], blobs
    assert all(entry["path"].startswith("/azureml/LocalUpload/") for entry in blobs)
    assert all(entry["audience"] is None for entry in blobs), "the SAS URL is its own authorization"


def test_parity_entry_script_upload(cloud, sdk, created, deployed):
    _, theirs_log = deployed["ACI"]
    _, ours_log = created
    theirs = [entry for entry in theirs_log if entry["method"] == "POST" and "/artifacts/batch/metadata/LocalUpload/" in entry["path"]]
    ours = [entry for entry in ours_log if entry["method"] == "POST" and "/artifacts/batch/metadata/LocalUpload/" in entry["path"]]
    assert theirs and ours, "both upload the entry script before creating the service"
    # Same route up to the container, which is the SDK's random 8 characters and amlauth's
    # content digest (`amlauth-<16 hex>`), so the service's asset URL says what it runs.
    assert ours[0]["path"].rsplit("/", 1)[0] == theirs[0]["path"].rsplit("/", 1)[0]
    assert ours[0]["path"].rsplit("/", 1)[1].startswith("amlauth-")
    assert ours[0]["apiVersion"] == theirs[0]["apiVersion"]
    assert ours[0]["body"] == theirs[0]["body"] == ["paths[].path"]
    assert ours[0]["audience"] == theirs[0]["audience"]
    # Both put the bytes to the workspace's storage account host with the SAS alone. The SDK then
    # reads the blob's properties to compare sizes; amlauth trusts the 201.
    their_put = [entry for entry in theirs_log if entry["method"] == "PUT" and entry["host"].endswith(".blob.localhost")]
    our_put = [entry for entry in ours_log if entry["method"] == "PUT" and entry["host"].endswith(".blob.localhost")]
    assert their_put and our_put
    assert our_put[0]["host"] == their_put[0]["host"]
    assert our_put[0]["path"].startswith("/azureml/LocalUpload/amlauth-")
    assert set(our_put[0]["query"]) <= set(their_put[0]["query"])
    assert our_put[0]["audience"] is None and their_put[0]["audience"] is None


@pytest.mark.parametrize("compute_type", ["ACI", "AKS"])
def test_parity_service_create(cloud, sdk, created, deployed, compute_type):
    _, theirs_log = deployed[compute_type]
    _, ours_log = created
    theirs = [entry for entry in theirs_log if entry["method"] == "POST" and entry["path"].endswith("/services")]
    assert len(theirs) == 1, theirs
    ours = [entry for entry in ours_log if entry["method"] == "POST" and entry["path"].endswith("/services")
            and ("computeName" in entry["body"]) == (compute_type == "AKS")]
    assert len(ours) == 1, ours
    theirs, ours = theirs[0], ours[0]
    assert ours["path"] == theirs["path"] and ours["apiVersion"] == theirs["apiVersion"]
    assert ours["audience"] == theirs["audience"]
    their_keys, our_keys = body_keys(theirs), body_keys(ours)
    # The one deliberate difference: the SDK sends the full serialized Environment inline,
    # amlauth a registered one by reference (the REST model's `environmentReference`,
    # azureml/_restclient/models/environment_image_request.py line 40), since it manages no
    # environment definitions. Everything else amlauth sends, the SDK sends too.
    reference = {"environmentImageRequest.environmentReference.name",
                 "environmentImageRequest.environmentReference.version"}
    assert reference <= our_keys
    assert our_keys - reference <= their_keys, sorted(our_keys - reference - their_keys)
    for key in ("environmentImageRequest.driverProgram", "environmentImageRequest.assets[].id",
                "environmentImageRequest.assets[].url", "environmentImageRequest.assets[].mimeType",
                "environmentImageRequest.modelIds[]"):
        assert key in our_keys and key in their_keys, key
    assert any(key.startswith("environmentImageRequest.environment.") for key in their_keys)
    assert not any(key.startswith("environmentImageRequest.environment.") for key in our_keys)


def test_amlauth_imports_and_adopts_what_model_deploy_created(cloud, sdk, deployed, tmp_path):
    """The migration path from the seed's workflow: `amlauth import` writes the services
    `Model.deploy` made, naming the user's script (not the SDK's generated driver wrapper), and
    `plan --adopt` compares that script by content, so it shows only the adoption."""
    write_cloud_file(cloud, tmp_path)
    (tmp_path / "target.yaml").write_text(target_manifest("sdk-adopt"))
    workspace_id = (f"/subscriptions/{cloud['subscriptionId']}/resourceGroups/ml-rg/providers/"
                    "Microsoft.MachineLearningServices/workspaces/ml-example")
    imported = amlauth(cloud, tmp_path, "import", "--target", ".", "--workspace", workspace_id,
                       "--output", "imported.yaml")
    assert imported.returncode == 0, imported.stdout + imported.stderr
    text = (tmp_path / "imported.yaml").read_text()
    for name in ("seed-aci", "seed-aks"):
        block = text[text.index(f'name: "{name}"'):]
        block = block[:block.index("---")] if "---" in block else block
        assert 'entry_script: "score.py"' in block, block
        assert 'environment: "sklearn-env:2"' in block and '"sklearn-mnist:3"' in block, block
    (tmp_path / "score.py").write_text(SCORE_PY)
    plan = amlauth(cloud, tmp_path, "plan", ".", "--adopt", "--detailed-exitcode")
    assert plan.returncode == 2, plan.stdout + plan.stderr
    assert "<= Webservice/seed-aci" in plan.stdout and "<= Webservice/seed-aks" in plan.stdout
    assert "entry_script" not in plan.stdout, "the same script, read back from the artifact store"
    adopted = amlauth(cloud, tmp_path, "apply", ".", "--adopt", "--auto-approve")
    assert adopted.returncode == 0, adopted.stdout + adopted.stderr
    clean = amlauth(cloud, tmp_path, "plan", ".", "--detailed-exitcode")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    (tmp_path / "score.py").write_text(SCORE_PY + "# changed\n")
    changed = amlauth(cloud, tmp_path, "plan", ".", "--detailed-exitcode")
    assert changed.returncode == 2, changed.stdout + changed.stderr
    assert changed.stdout.count('entry_script: "score.py (sha256:') == 2, changed.stdout


def test_the_sdk_deletes_what_it_deployed(cloud, sdk, deployed):
    _, _, webservice = sdk
    ws = deployed["ws"]
    for compute_type in ("ACI", "AKS"):
        service, _ = deployed[compute_type]
        service.delete()
    assert not {"seed-aci", "seed-aks"} & {service.name for service in webservice.Webservice.list(ws)}


def test_services_amlauth_created_score_and_the_sdk_deletes_them(cloud, sdk, created):
    _, _, webservice = sdk
    ws = owner_workspace(cloud, sdk)
    aci = webservice.Webservice(ws, "create-aci")
    assert aci.run(json.dumps({"data": [1]}))["auth"] == "key"
    aks = webservice.Webservice(ws, "create-aks")
    aks.get_access_token()
    assert aks.run(json.dumps({"data": [1]}))["auth"] == "token"
    for service in (aci, aks):
        service.delete()
    assert not {"create-aci", "create-aks"} & {service.name for service in webservice.Webservice.list(ws)}
