"""AWS responses in their real shapes (botocore's Stubber validates each one against
the service model), for the unit tests of the AWS modules."""

import datetime

REGION = "eu-west-1"
ACCOUNT = "123456789012"
CLUSTER = "mas-production"
NOW = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)


def cluster(version="1.31", status="ACTIVE", public=True, private=True, cidrs=("0.0.0.0/0",),
            logging=("api", "audit", "authenticator"), mode="API_AND_CONFIG_MAP", tags=None):
    """A DescribeCluster ``cluster`` as EKS returns it."""
    enabled = sorted(logging)
    disabled = sorted({"api", "audit", "authenticator", "controllerManager", "scheduler"} - set(logging))
    return {
        "name": CLUSTER,
        "arn": "arn:aws:eks:%s:%s:cluster/%s" % (REGION, ACCOUNT, CLUSTER),
        "createdAt": NOW,
        "version": version,
        "endpoint": "https://0123456789ABCDEF0123456789ABCDEF.gr7.%s.eks.amazonaws.com" % REGION,
        "roleArn": "arn:aws:iam::%s:role/%s-cluster" % (ACCOUNT, CLUSTER),
        "resourcesVpcConfig": {
            "subnetIds": ["subnet-0a", "subnet-0b"],
            "securityGroupIds": ["sg-0cp"],
            "clusterSecurityGroupId": "sg-0eks",
            "vpcId": "vpc-0123",
            "endpointPublicAccess": public,
            "endpointPrivateAccess": private,
            "publicAccessCidrs": list(cidrs),
        },
        "kubernetesNetworkConfig": {"serviceIpv4Cidr": "172.20.0.0/16", "ipFamily": "ipv4"},
        "logging": {"clusterLogging": ([{"types": enabled, "enabled": True}] if enabled else [])
                    + ([{"types": disabled, "enabled": False}] if disabled else [])},
        "identity": {"oidc": {"issuer": "https://oidc.eks.%s.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
                              % REGION}},
        "status": status,
        "certificateAuthority": {"data": "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t"},
        "platformVersion": "eks.5",
        "tags": tags or {"mas.platform/cluster": CLUSTER},
        "accessConfig": {"authenticationMode": mode},
    }


def update(update_id="upd-1", kind="EndpointAccessUpdate", status="InProgress", errors=None):
    """An EKS ``update`` (Update* responses and DescribeUpdate)."""
    return {"id": update_id, "status": status, "type": kind, "params": [], "createdAt": NOW,
            "errors": errors or []}


def nodegroup(name="gpu", version="1.31", labels=None, taints=None, scaling=(4, 8, 4), update_config=None,
              template=None, status="ACTIVE"):
    """A DescribeNodegroup ``nodegroup`` as EKS returns it."""
    group = {
        "nodegroupName": name,
        "nodegroupArn": "arn:aws:eks:%s:%s:nodegroup/%s/%s/0000" % (REGION, ACCOUNT, CLUSTER, name),
        "clusterName": CLUSTER,
        "version": version,
        "releaseVersion": "%s.0-20260101" % version,
        "createdAt": NOW,
        "modifiedAt": NOW,
        "status": status,
        "capacityType": "ON_DEMAND",
        "scalingConfig": {"minSize": scaling[0], "maxSize": scaling[1], "desiredSize": scaling[2]},
        "instanceTypes": ["g5.12xlarge"],
        "subnets": ["subnet-0a", "subnet-0b"],
        "amiType": "AL2023_x86_64_NVIDIA",
        "nodeRole": "arn:aws:iam::%s:role/%s-node" % (ACCOUNT, CLUSTER),
        "labels": labels if labels is not None else {"node-role": "gpu"},
        "taints": taints if taints is not None else [{"key": "nvidia.com/gpu", "value": "true",
                                                       "effect": "NO_SCHEDULE"}],
        "resources": {"autoScalingGroups": [{"name": "eks-%s-0000" % name}]},
        "health": {"issues": []},
        "updateConfig": update_config or {"maxUnavailable": 1},
        "tags": {"mas.platform/cluster": CLUSTER},
    }
    if template:
        group["launchTemplate"] = template
    else:
        group["diskSize"] = 100
    return group


def addon(name="aws-ebs-csi-driver", version="v1.40.0-eksbuild.1", role=None, status="ACTIVE", config=None):
    item = {
        "addonName": name,
        "clusterName": CLUSTER,
        "status": status,
        "addonVersion": version,
        "health": {"issues": []},
        "addonArn": "arn:aws:eks:%s:%s:addon/%s/%s/0000" % (REGION, ACCOUNT, CLUSTER, name),
        "createdAt": NOW,
        "modifiedAt": NOW,
        "tags": {},
    }
    if role:
        item["serviceAccountRoleArn"] = role
    if config:
        item["configurationValues"] = config
    return item


def addon_versions(name, versions, default, kubernetes="1.31"):
    """DescribeAddonVersions for one add-on and one Kubernetes version."""
    return {"addons": [{"addonName": name, "type": "storage", "addonVersions": [
        {"addonVersion": v, "architecture": ["amd64", "arm64"],
         "compatibilities": [{"clusterVersion": kubernetes, "platformVersions": ["*"], "defaultVersion": v == default}],
         "requiresConfiguration": False}
        for v in versions]}]}


def fails(run_module, module, args, **kwargs):
    """Run ``module``; it must fail_json. Returns the failure's result (msg, ...)."""
    import pytest

    with pytest.raises(Exception) as raised:
        run_module(module, args, **kwargs)
    assert type(raised.value).__name__ == "ModuleFail", "not a fail_json: %r" % raised.value
    return raised.value.result


def closed_endpoint():
    """An http URL on 127.0.0.1 where nothing listens."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return "http://127.0.0.1:%d" % sock.getsockname()[1]
