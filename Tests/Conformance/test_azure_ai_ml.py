"""azure-ai-ml, the v2 SDK, drives the local cloud's online endpoints unpatched: managed and
Kubernetes endpoints with key, aml_token and aad_token auth, deployments, keys, key regeneration,
tokens, invoke, delete. If the SDK cannot, the local cloud is wrong.

The SDK is pointed at the local cloud the way Azure Stack Hub users point it at theirs:
`ARM_CLOUD_METADATA_URL` names the cloud-metadata document and `MLClient(cloud="AmlauthLocal")`
selects the cloud in it; the credential is azure-identity's ClientSecretCredential against the
local authority. The model and environment of deployments are given as ARM ids, which the SDK
sends as they are (`OperationOrchestrator.get_asset_arm_id`). Their code is uploaded by the SDK
itself: once as the registered code `score:1` (`MLClient._code.create_or_update`), and once from a local
directory as anonymous code (`test_a_deployment_with_local_code_...`): code-version list by hash,
`startPendingUpload`, azure-storage-blob's Put Blob / Get Blob Properties / Set Blob Metadata
through the SAS, and the code-version PUT, all against the local cloud.

Request-shape parity: the shapes the SDK sends for each endpoint operation (from the local cloud's
request log) are kept in Tests/Fixtures/parity/azure-ai-ml-online-endpoints.json. This test fails
when the SDK's shapes differ from the file (set AMLAUTH_UPDATE_PARITY=1 to rewrite it), and the
Swift test OnlineEndpointsParityTests checks that OnlineEndpointsClient sends the same paths,
api-versions and audiences, and no body field the SDK does not send.
"""
import json
import os
import tempfile
import time

import pytest
import requests

from test_azureml_core import amlauth, target_manifest, write_cloud_file

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PARITY_FILE = os.path.join(ROOT, "Tests", "Fixtures", "parity", "azure-ai-ml-online-endpoints.json")


@pytest.fixture(scope="module")
def ml(cloud):
    os.environ["ARM_CLOUD_METADATA_URL"] = cloud["endpoints"]["resourceManager"] + "metadata/endpoints?api-version=2019-05-01"
    from azure.ai.ml import MLClient
    from azure.identity import ClientSecretCredential
    credential = ClientSecretCredential(
        cloud["tenantId"], cloud["bootstrap"]["clientId"], cloud["bootstrap"]["clientSecret"],
        authority=cloud["endpoints"]["activeDirectory"], disable_instance_discovery=True)
    client = MLClient(credential, cloud["subscriptionId"], "ml-rg", "ml-example", cloud="AmlauthLocal")
    # The code every `deployment()` names, uploaded by the SDK as a registered code asset.
    from azure.ai.ml.entities._assets._artifacts.code import Code  # not exported by azure.ai.ml.entities
    source = tempfile.mkdtemp(prefix="amlauth-sdk-code-")
    with open(os.path.join(source, "score.py"), "w") as script:
        script.write("def init():\n    pass\n\n\ndef run(raw):\n    return raw\n")
    client._code.create_or_update(  # azure-ai-ml 1.35.2 keeps CodeOperations private
        Code(name="score", version="1", path=source))
    return client


def workspace_id(cloud):
    return (f"/subscriptions/{cloud['subscriptionId']}/resourceGroups/ml-rg"
            "/providers/Microsoft.MachineLearningServices/workspaces/ml-example")


def deployment(cloud, endpoint, kubernetes=False):
    from azure.ai.ml.entities import CodeConfiguration, KubernetesOnlineDeployment, ManagedOnlineDeployment
    kind = KubernetesOnlineDeployment if kubernetes else ManagedOnlineDeployment
    return kind(
        name="blue", endpoint_name=endpoint,
        model=workspace_id(cloud) + "/models/sklearn-model/versions/1",
        environment=workspace_id(cloud) + "/environments/sklearn-env/versions/2",
        code_configuration=CodeConfiguration(code=workspace_id(cloud) + "/codes/score/versions/1",
                                             scoring_script="score.py"),
        instance_type="Standard_DS3_v2" if not kubernetes else None, instance_count=1)


def local(cloud, method, path):
    response = requests.request(method, cloud["endpoints"]["resourceManager"] + "_local/" + path)
    assert response.status_code in (200, 204), response.text
    return response.json() if response.status_code == 200 else None


def recorded(cloud, action):
    """Runs `action` with an empty request log; returns its result and the ARM requests it sent."""
    local(cloud, "POST", "requests/reset")
    result = action()
    entries = local(cloud, "GET", "requests")["requests"]
    return result, [entry for entry in entries if "/onlineEndpoints" in entry["path"]]


def shape(entries, method, suffix, cloud=None):
    """The first request of that method whose path ends so, with ids made generic. azure-ai-ml asks
    for tokens for the cloud's resource-manager URL (`{resourceManager}/.default`), which is this
    local cloud's origin; it is recorded as `{resourceManager}`."""
    for entry in entries:
        if entry["method"] == method and entry["path"].endswith(suffix):
            path = entry["path"]
            path = path[path.index("/providers/"):]
            audience = entry["audience"]
            if audience and audience.startswith("https://127.0.0.1:"):
                audience = "{resourceManager}"
            return {"method": method, "path": path, "apiVersion": entry["apiVersion"],
                    "query": sorted(entry["query"]), "body": sorted(entry["body"]), "audience": audience}
    raise AssertionError(f"no {method} …{suffix} among {[(e['method'], e['path']) for e in entries]}")


def invoke(ml, tmp_path, name, deployment_name=None):
    request = tmp_path / "request.json"
    request.write_text(json.dumps({"data": [[1, 2, 3]]}))
    return json.loads(ml.online_endpoints.invoke(endpoint_name=name, request_file=str(request),
                                                 deployment_name=deployment_name))


def test_managed_key_endpoint_lifecycle(cloud, ml, tmp_path):
    from azure.ai.ml.entities import EndpointAuthKeys, ManagedOnlineEndpoint
    from azure.core.exceptions import ResourceNotFoundError
    shapes = {}
    started = time.time()
    created, sent = recorded(cloud, lambda: ml.online_endpoints.begin_create_or_update(
        ManagedOnlineEndpoint(name="sdk-key", auth_mode="key", tags={"made-by": "azure-ai-ml"})).result())
    shapes["put_endpoint"] = shape(sent, "PUT", "/onlineEndpoints/sdk-key")
    assert created.provisioning_state == "Succeeded"
    assert created.scoring_uri.endswith("/inference/westeurope/sdk-key/score")
    endpoint, sent = recorded(cloud, lambda: ml.online_endpoints.get("sdk-key"))
    shapes["get_endpoint"] = shape(sent, "GET", "/onlineEndpoints/sdk-key")
    shapes["list_deployments"] = shape(sent, "GET", "/onlineEndpoints/sdk-key/deployments")
    assert endpoint.auth_mode == "key" and endpoint.tags == {"made-by": "azure-ai-ml"}
    listed, sent = recorded(cloud, lambda: list(ml.online_endpoints.list()))
    shapes["list_endpoints"] = shape(sent, "GET", "/onlineEndpoints")
    assert "sdk-key" in [item.name for item in listed]
    keys, sent = recorded(cloud, lambda: ml.online_endpoints.get_keys("sdk-key"))
    shapes["list_keys"] = shape(sent, "POST", "/onlineEndpoints/sdk-key/listKeys")
    assert isinstance(keys, EndpointAuthKeys) and keys.primary_key and keys.secondary_key != keys.primary_key

    # No deployment takes traffic yet: Azure's 404.
    from azure.core.exceptions import HttpResponseError
    with pytest.raises(HttpResponseError) as failure:
        invoke(ml, tmp_path, "sdk-key")
    assert failure.value.status_code == 404

    made, sent = recorded(cloud, lambda: ml.online_deployments.begin_create_or_update(
        deployment(cloud, "sdk-key"), skip_script_validation=True).result())
    shapes["put_deployment"] = shape(sent, "PUT", "/onlineEndpoints/sdk-key/deployments/blue")
    assert made.provisioning_state == "Succeeded"
    endpoint = ml.online_endpoints.get("sdk-key")
    assert endpoint.traffic == {"blue": 0}
    endpoint.traffic = {"blue": 100}
    ml.online_endpoints.begin_create_or_update(endpoint).result()
    answer = invoke(ml, tmp_path, "sdk-key")
    assert answer["deployment"] == "blue" and answer["input"] == {"data": [[1, 2, 3]]}
    assert invoke(ml, tmp_path, "sdk-key", deployment_name="blue")["deployment"] == "blue"

    # azure-ai-ml 1.35.2 sends the key it just listed as `keyValue` (`_regenerate_online_keys`), so
    # the key Azure keeps is the one it had: the local cloud does as asked.
    _, sent = recorded(cloud, lambda: ml.online_endpoints.begin_regenerate_keys("sdk-key", key_type="secondary").result())
    shapes["regenerate_keys"] = shape(sent, "POST", "/onlineEndpoints/sdk-key/regenerateKeys")
    assert ml.online_endpoints.get_keys("sdk-key").secondary_key == keys.secondary_key

    _, sent = recorded(cloud, lambda: ml.online_endpoints.begin_delete(name="sdk-key").result())
    shapes["delete_endpoint"] = shape(sent, "DELETE", "/onlineEndpoints/sdk-key")
    with pytest.raises(ResourceNotFoundError):
        ml.online_endpoints.get("sdk-key")
    print(f"managed key endpoint lifecycle through azure-ai-ml: {time.time() - started:.1f} s")
    check_parity(cloud, "key", shapes)


def test_kubernetes_aml_token_endpoint(cloud, ml, tmp_path):
    from azure.ai.ml.entities import EndpointAuthToken, KubernetesOnlineEndpoint
    shapes = {}
    created = ml.online_endpoints.begin_create_or_update(
        KubernetesOnlineEndpoint(name="sdk-k8s", compute="aks-cluster-1", auth_mode="aml_token")).result()
    assert created.provisioning_state == "Succeeded"
    assert created.compute.lower().endswith("/computes/aks-cluster-1")
    token, sent = recorded(cloud, lambda: ml.online_endpoints.get_keys("sdk-k8s"))
    shapes["token"] = shape(sent, "POST", "/onlineEndpoints/sdk-k8s/token")
    assert isinstance(token, EndpointAuthToken) and token.access_token.count(".") == 2
    assert token.expiry_time_utc > time.time()
    ml.online_deployments.begin_create_or_update(deployment(cloud, "sdk-k8s", kubernetes=True),
                                                 skip_script_validation=True).result()
    endpoint = ml.online_endpoints.get("sdk-k8s")
    endpoint.traffic = {"blue": 100}
    ml.online_endpoints.begin_create_or_update(endpoint).result()
    assert invoke(ml, tmp_path, "sdk-k8s")["deployment"] == "blue"
    # Scoring refuses a request without the token.
    scoring = ml.online_endpoints.get("sdk-k8s").scoring_uri
    assert requests.post(scoring, json={"data": []}).status_code == 401
    ml.online_endpoints.begin_delete(name="sdk-k8s").result()
    check_parity(cloud, "aml_token", shapes)


def test_kubernetes_endpoint_refuses_aad_token(cloud, ml):
    from azure.ai.ml.entities import KubernetesOnlineEndpoint
    from azure.core.exceptions import HttpResponseError
    with pytest.raises(HttpResponseError) as failure:
        ml.online_endpoints.begin_create_or_update(
            KubernetesOnlineEndpoint(name="sdk-k8s-aad", compute="aks-cluster-1", auth_mode="aad_token")).result()
    assert failure.value.status_code == 400
    assert "AADToken" in str(failure.value)


def test_managed_aad_token_endpoint_scores_with_an_entra_token(cloud, ml, tmp_path):
    """The SDK fetches an Entra token for https://ml.azure.com itself; the owner holds score/action."""
    from azure.ai.ml.entities import ManagedOnlineEndpoint
    ml.online_endpoints.begin_create_or_update(ManagedOnlineEndpoint(name="sdk-aad", auth_mode="aad_token")).result()
    ml.online_deployments.begin_create_or_update(deployment(cloud, "sdk-aad"), skip_script_validation=True).result()
    endpoint = ml.online_endpoints.get("sdk-aad")
    endpoint.traffic = {"blue": 100}
    ml.online_endpoints.begin_create_or_update(endpoint).result()
    assert invoke(ml, tmp_path, "sdk-aad")["deployment"] == "blue"
    ml.online_endpoints.begin_delete(name="sdk-aad").result()


def check_parity(cloud, name, shapes):
    stored = json.load(open(PARITY_FILE)) if os.path.exists(PARITY_FILE) else {}
    if os.environ.get("AMLAUTH_UPDATE_PARITY") == "1":
        stored[name] = shapes
        os.makedirs(os.path.dirname(PARITY_FILE), exist_ok=True)
        with open(PARITY_FILE, "w") as file:
            json.dump(stored, file, indent=2, sort_keys=True)
            file.write("\n")
        return
    assert stored.get(name) == shapes, (
        "azure-ai-ml now sends other request shapes than Tests/Fixtures/parity/azure-ai-ml-online-endpoints.json "
        "records; rerun with AMLAUTH_UPDATE_PARITY=1 and check OnlineEndpointsClient against the new file")


ADOPT_MANIFESTS = target_manifest("sdk-adopt") + """\
---
apiVersion: amlauth/v1
kind: Workspace
metadata: {name: ml-example}
spec: {resource_group: ml-rg}
---
apiVersion: amlauth/v1
kind: OnlineEndpoint
metadata: {name: sdk-made}
spec:
  workspace: ml-example
  compute: managed
  auth_mode: aml_token
"""


def test_an_endpoint_the_sdk_made_is_an_unowned_object_to_adopt(cloud, ml, tmp_path):
    """Issue 11 item 6: an endpoint created with begin_create_or_update outside amlauth shows in
    `amlauth plan` as an unowned object (blocked until adopted), `--adopt` plans its adoption, and
    after `apply --adopt` the plan is clean and the SDK sees amlauth's markers as tags."""
    from azure.ai.ml.entities import ManagedOnlineEndpoint
    ml.online_endpoints.begin_create_or_update(ManagedOnlineEndpoint(name="sdk-made", auth_mode="aml_token")).result()
    write_cloud_file(cloud, tmp_path)
    (tmp_path / "amlauth.yaml").write_text(ADOPT_MANIFESTS)

    plan = amlauth(cloud, tmp_path, "plan", ".")
    assert plan.returncode == 1, plan.stdout + plan.stderr
    assert "OnlineEndpoint/sdk-made: an online endpoint named 'sdk-made' exists but amlauth does not own it" in plan.stdout

    adopting = amlauth(cloud, tmp_path, "plan", ".", "--adopt", "--detailed-exitcode")
    assert adopting.returncode == 2, adopting.stdout + adopting.stderr
    assert "<= OnlineEndpoint/sdk-made" in adopting.stdout

    applied = amlauth(cloud, tmp_path, "apply", ".", "--adopt", "--auto-approve")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    clean = amlauth(cloud, tmp_path, "plan", ".", "--detailed-exitcode")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    tags = ml.online_endpoints.get("sdk-made").tags
    assert tags.get("amlauth.target") == "sdk-adopt" and tags.get("amlauth.name") == "sdk-made", tags


CODE_MANIFESTS = target_manifest("sdk-code") + """\
---
apiVersion: amlauth/v1
kind: Workspace
metadata: {name: ml-example}
spec: {resource_group: ml-rg}
---
apiVersion: amlauth/v1
kind: OnlineEndpoint
metadata: {name: sdk-code}
spec:
  workspace: ml-example
  compute: managed
  auth_mode: key
  adopt: true
---
apiVersion: amlauth/v1
kind: OnlineDeployment
metadata: {name: sdk-code-blue}
spec:
  endpoint: sdk-code
  name: blue
  model: sklearn-model:1
  code: src
  scoring_script: score.py
"""


def test_a_deployment_with_local_code_is_uploaded_by_the_sdk_and_amlauth_takes_it_over(cloud, ml, tmp_path):
    """Issue 11 item 1: the SDK uploads a local code directory (anonymous code: random name,
    version 1, the content hash in properties), and the deployment names it. amlauth, given the
    same directory, computes the SDK's content hash, plans to move the deployment to the code
    version its hash names (reading the SDK's code as `name:1`), applies, and converges."""
    from azure.ai.ml.entities import CodeConfiguration, ManagedOnlineDeployment, ManagedOnlineEndpoint
    source = tmp_path / "src"
    source.mkdir()
    (source / "score.py").write_text("def init():\n    pass\n\n\ndef run(raw):\n    return raw\n")
    ml.online_endpoints.begin_create_or_update(ManagedOnlineEndpoint(name="sdk-code", auth_mode="key")).result()
    ml.online_deployments.begin_create_or_update(ManagedOnlineDeployment(
        name="blue", endpoint_name="sdk-code", model=workspace_id(cloud) + "/models/sklearn-model/versions/1",
        code_configuration=CodeConfiguration(code=str(source), scoring_script="score.py"),
        instance_type="Standard_DS3_v2", instance_count=1), skip_script_validation=True).result()
    made = ml.online_deployments.get(name="blue", endpoint_name="sdk-code")
    sdk_code = ml._code.get(*made.code_configuration.code.split("/codes/")[1].split("/versions/"))
    from azure.ai.ml._utils._asset_utils import get_content_hash
    assert sdk_code.properties["hash_sha256"] == get_content_hash(str(source))

    write_cloud_file(cloud, tmp_path)
    (tmp_path / "amlauth.yaml").write_text(CODE_MANIFESTS)
    plan = amlauth(cloud, tmp_path, "plan", ".", "--detailed-exitcode")
    assert plan.returncode == 2, plan.stdout + plan.stderr
    assert "sha256:" + get_content_hash(str(source))[:12] in plan.stdout, plan.stdout
    applied = amlauth(cloud, tmp_path, "apply", ".", "--auto-approve")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    clean = amlauth(cloud, tmp_path, "plan", ".", "--detailed-exitcode")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    moved = ml.online_deployments.get(name="blue", endpoint_name="sdk-code").code_configuration
    assert moved.code.endswith("/codes/" + get_content_hash(str(source)) + "/versions/1"), moved.code
    assert moved.scoring_script == "score.py"
