"""Interactive login for people (issue 14 item 6), checked with the official clients:

- msal's `PublicClientApplication` runs the device-code flow against the local cloud exactly as
  `az login --use-device-code` and azure-identity's `DeviceCodeCredential` do (they delegate to it),
  then `acquire_token_silent` exchanges the refresh token for another audience;
- azureml-core's `Workspace.from_config()` reads the `config.json` a `workspace-config:` sink wrote.
"""
import base64
import threading

import msal
import pytest
import requests

from test_azureml_core import amlauth, arm_token, sdk, target_manifest, write_cloud_file  # noqa: F401 (sdk is a fixture)

AZURE_CLI = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"
ARM = "https://management.azure.com/.default"
GRAPH = "https://graph.microsoft.com/.default"


def approve(cloud, flow, action="approve"):
    owner = cloud["bootstrap"]["clientId"] + ":" + cloud["bootstrap"]["clientSecret"]
    answer = requests.post(flow["verification_uri"], data={"user_code": flow["user_code"], "action": action},
                           headers={"Authorization": "Basic " + base64.b64encode(owner.encode()).decode()})
    assert answer.status_code == 200, answer.text


def application(cloud):
    return msal.PublicClientApplication(
        AZURE_CLI, authority=cloud["endpoints"]["activeDirectory"] + "/" + cloud["tenantId"],
        instance_discovery=False)


def test_msal_device_flow_then_silent_refresh_for_graph(cloud):
    app = application(cloud)
    flow = app.initiate_device_flow(scopes=[ARM])
    assert "user_code" in flow, flow
    assert flow["user_code"] in flow["message"] and flow["verification_uri"] in flow["message"]
    # The person approves while msal polls (every `interval` seconds).
    threading.Timer(1.5, approve, args=(cloud, flow)).start()
    result = app.acquire_token_by_device_flow(flow)
    assert "access_token" in result, result
    assert result["id_token_claims"]["preferred_username"].startswith("amlauth-user@")
    account = app.get_accounts()[0]
    assert account["home_account_id"] == result["id_token_claims"]["oid"] + "." + cloud["tenantId"]
    # A token for another audience, from the cached refresh token (grant_type=refresh_token).
    graph = app.acquire_token_silent([GRAPH], account=account, force_refresh=True)
    assert graph and "access_token" in graph, graph


@pytest.mark.parametrize("action,error", [("decline", "authorization_declined"), ("expire", "expired_token")])
def test_msal_device_flow_declined_or_expired(cloud, action, error):
    app = application(cloud)
    flow = app.initiate_device_flow(scopes=[ARM])
    approve(cloud, flow, action)
    assert app.acquire_token_by_device_flow(flow).get("error") == error


WORKSPACE_ONLY = target_manifest("workspace-config") + """\
---
apiVersion: amlauth/v1
kind: Workspace
metadata: {name: ml-example}
spec:
  resource_group: ml-rg
  deliver_to: workspace-config:.azureml/config.json
"""


def test_workspace_from_config_reads_the_workspace_config_sink(cloud, sdk, tmp_path):  # noqa: F811
    write_cloud_file(cloud, tmp_path)
    (tmp_path / "amlauth.yaml").write_text(WORKSPACE_ONLY)
    result = amlauth(cloud, tmp_path, "apply", ".", "--auto-approve")
    assert result.returncode == 0, result.stdout + result.stderr
    core, authentication, _ = sdk
    auth = authentication.ArmTokenAuthentication(
        arm_token(cloud, cloud["bootstrap"]["clientId"], cloud["bootstrap"]["clientSecret"]), cloud="AmlauthLocal")
    ws = core.Workspace.from_config(path=str(tmp_path / ".azureml" / "config.json"), auth=auth)
    assert (ws.name, ws.resource_group, ws.subscription_id) == ("ml-example", "ml-rg", cloud["subscriptionId"])
