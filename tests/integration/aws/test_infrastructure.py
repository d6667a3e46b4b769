"""playbooks/deploy.yml, playbooks/plan.yml and playbooks/teardown.yml on
inventories/production, against moto's server: plan on an empty account, apply, plan
again, apply again, teardown, and what remains afterwards. The steps run in this file's
order and share the emulator's state, as an operator's runs would.

deploy.yml and plan.yml run with `--tags infrastructure` (the preflight and the AWS
plays): the emulator's EKS cluster has no Kubernetes API behind it, so the plays after
the cluster's creation have nothing to talk to here; they are tested on the local
cluster."""

import base64
import json
import pathlib
import subprocess
import urllib.parse
import urllib.request

import pytest
import yaml

SPEC = yaml.safe_load((pathlib.Path(__file__).resolve().parents[3] / "inventories/production/group_vars/all/"
                       "infrastructure.yml").read_text())["infrastructure"]
CLUSTER = SPEC["cluster_name"]
ZONES = SPEC["availability_zones"]
PUBLIC = SPEC["networking"]["vpc"]["subnets"]["public"]
PRIVATE = SPEC["networking"]["vpc"]["subnets"]["private"]


def _ours(tags):
    tags = dict((t["Key"], t["Value"]) for t in tags or [])
    return tags.get("mas.platform/cluster") == CLUSTER


def our_vpcs(boto):
    return [v for v in boto("ec2").describe_vpcs()["Vpcs"] if _ours(v.get("Tags"))]


def remains(boto):
    """Everything of the platform that still exists in the account, by kind."""
    ec2, elb, iam, eks = boto("ec2"), boto("elbv2"), boto("iam"), boto("eks")
    found = {
        "vpcs": [v["VpcId"] for v in our_vpcs(boto)],
        "subnets": [s["SubnetId"] for s in ec2.describe_subnets()["Subnets"] if _ours(s.get("Tags"))],
        "nat_gateways": [n["NatGatewayId"] for n in ec2.describe_nat_gateways()["NatGateways"]
                         if n["State"] not in ("deleted", "deleting")],
        "elastic_ips": [a["AllocationId"] for a in ec2.describe_addresses()["Addresses"]],
        "internet_gateways": [g["InternetGatewayId"] for g in ec2.describe_internet_gateways()["InternetGateways"]
                              if _ours(g.get("Tags"))],
        "route_tables": [r["RouteTableId"] for r in ec2.describe_route_tables()["RouteTables"] if _ours(r.get("Tags"))],
        "security_groups": [g["GroupId"] for g in ec2.describe_security_groups()["SecurityGroups"]
                            if _ours(g.get("Tags"))],
        "launch_templates": [t["LaunchTemplateName"] for t in ec2.describe_launch_templates()["LaunchTemplates"]
                             if t["LaunchTemplateName"].startswith(CLUSTER)],
        "load_balancers": [b["LoadBalancerName"] for b in elb.describe_load_balancers()["LoadBalancers"]],
        "target_groups": [g["TargetGroupName"] for g in elb.describe_target_groups()["TargetGroups"]],
        "iam_roles": [r["RoleName"] for r in iam.list_roles()["Roles"] if r["RoleName"].startswith(CLUSTER)],
        "oidc_providers": [p["Arn"] for p in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]],
        "eks_clusters": eks.list_clusters()["clusters"],
    }
    return dict((kind, items) for kind, items in found.items() if items)


def _assert_ok(run, what):
    assert run.returncode == 0, "%s failed:\n%s" % (what, run.output[-6000:])


class TestInfrastructure(object):

    def test_plan_on_an_empty_account_changes_nothing(self, run_playbook, boto):
        assert remains(boto) == {}
        run = run_playbook("plan.yml", "--check", "--diff", "--tags", "infrastructure")
        _assert_ok(run, "check mode on an empty account")
        assert run.stats["changed"] > 0
        assert "will be created on apply" in run.output
        assert remains(boto) == {}

    def test_apply_creates_the_network(self, run_playbook, boto, kubeconfig_path):
        run = run_playbook("deploy.yml", "--tags", "infrastructure")
        _assert_ok(run, "first apply")
        assert run.stats["changed"] > 0
        ec2 = boto("ec2")
        (vpc,) = our_vpcs(boto)
        assert vpc["CidrBlock"] == SPEC["networking"]["vpc"]["cidr"]
        subnets = ec2.describe_subnets(Filters=[dict(Name="vpc-id", Values=[vpc["VpcId"]])])["Subnets"]
        by_cidr = dict((s["CidrBlock"], dict((t["Key"], t["Value"]) for t in s["Tags"])) for s in subnets)
        assert sorted(by_cidr) == sorted(PUBLIC + PRIVATE)
        for cidr in PUBLIC:
            assert by_cidr[cidr]["kubernetes.io/role/elb"] == "1"
        for cidr in PRIVATE:
            assert by_cidr[cidr]["kubernetes.io/role/internal-elb"] == "1"
            assert by_cidr[cidr]["kubernetes.io/cluster/%s" % CLUSTER] == "shared"
        zones = dict((s["CidrBlock"], s["AvailabilityZone"]) for s in subnets)
        for index, zone in enumerate(ZONES):
            assert zones[PUBLIC[index]] == zones[PRIVATE[index]] == zone
        nats = [n for n in ec2.describe_nat_gateways()["NatGateways"] if n["State"] == "available"]
        expected = len(ZONES) if SPEC["networking"]["vpc"].get("nat_gateways", "one_per_az") == "one_per_az" else 1
        assert len(nats) == expected
        # Each private subnet routes to the NAT gateway of its own zone.
        subnet_zone = dict((s["SubnetId"], s["AvailabilityZone"]) for s in subnets)
        nat_zone = dict((n["NatGatewayId"], subnet_zone[n["SubnetId"]]) for n in nats)
        for table in ec2.describe_route_tables(Filters=[dict(Name="vpc-id", Values=[vpc["VpcId"]])])["RouteTables"]:
            default = [r for r in table["Routes"] if r.get("DestinationCidrBlock") == "0.0.0.0/0"]
            for association in table.get("Associations") or []:
                if association.get("SubnetId") and default:
                    zone = subnet_zone[association["SubnetId"]]
                    if default[0].get("NatGatewayId"):
                        assert nat_zone[default[0]["NatGatewayId"]] == zone
                    else:
                        assert default[0]["GatewayId"].startswith("igw-")

    def test_apply_creates_security_groups_with_only_the_needed_ports(self, boto):
        (vpc,) = our_vpcs(boto)
        groups = boto("ec2").describe_security_groups(
            Filters=[dict(Name="vpc-id", Values=[vpc["VpcId"]])])["SecurityGroups"]
        by_name = dict((g["GroupName"], g) for g in groups)
        ids = dict((name.replace(CLUSTER + "-", ""), g["GroupId"]) for name, g in by_name.items())

        def ingress(name):
            rules = set()
            for permission in by_name["%s-%s" % (CLUSTER, name)]["IpPermissions"]:
                sources = [p["GroupId"] for p in permission.get("UserIdGroupPairs") or []]
                sources += [r["CidrIp"] for r in permission.get("IpRanges") or []]
                for source in sources:
                    rules.add((permission["IpProtocol"], permission.get("FromPort"), permission.get("ToPort"), source))
            return rules

        assert ingress("control-plane") == {("tcp", 443, 443, ids["nodes"])}
        assert ingress("external-lb") == {("tcp", 80, 80, "0.0.0.0/0"), ("tcp", 443, 443, "0.0.0.0/0")}
        assert ingress("internal-lb") == {("tcp", 443, 443, SPEC["networking"]["vpc"]["cidr"])}
        assert ingress("nodes") == {
            ("-1", None, None, ids["nodes"]),
            ("tcp", 443, 443, ids["control-plane"]), ("tcp", 1025, 65535, ids["control-plane"]),
            ("tcp", 80, 80, ids["external-lb"]), ("tcp", 443, 443, ids["external-lb"]),
            ("tcp", 443, 443, ids["internal-lb"]),
        }

    def test_apply_creates_the_load_balancers(self, boto):
        elb = boto("elbv2")
        balancers = dict((b["LoadBalancerName"], b) for b in elb.describe_load_balancers()["LoadBalancers"])
        assert sorted(balancers) == ["%s-external" % CLUSTER, "%s-internal" % CLUSTER]
        external, internal = balancers["%s-external" % CLUSTER], balancers["%s-internal" % CLUSTER]
        assert (external["Scheme"], internal["Scheme"]) == ("internet-facing", "internal")
        assert external["Type"] == "network" and len(external["SecurityGroups"]) == 1
        ports = sorted(listener["Port"] for listener in elb.describe_listeners(
            LoadBalancerArn=external["LoadBalancerArn"])["Listeners"])
        assert ports == [80, 443]
        groups = dict((g["TargetGroupName"], g) for g in elb.describe_target_groups()["TargetGroups"])
        assert sorted(groups) == ["%s-ext-443" % CLUSTER, "%s-ext-80" % CLUSTER, "%s-int-443" % CLUSTER]
        assert all(g["TargetType"] == "ip" for g in groups.values())

    def test_apply_creates_the_cluster_and_node_groups(self, boto):
        eks, iam = boto("eks"), boto("iam")
        kubernetes = SPEC["kubernetes"]
        cluster = eks.describe_cluster(name=CLUSTER)["cluster"]
        assert cluster["version"] == str(kubernetes["version"])
        vpc = cluster["resourcesVpcConfig"]
        assert vpc["endpointPrivateAccess"] is kubernetes["endpoint_access"]["private"]
        assert vpc["endpointPublicAccess"] is kubernetes["endpoint_access"]["public"]
        assert len(vpc["subnetIds"]) == len(PRIVATE)
        assert cluster["roleArn"].endswith(":role/%s-cluster" % CLUSTER)
        policies = [p["PolicyArn"] for p in iam.list_attached_role_policies(
            RoleName="%s-cluster" % CLUSTER)["AttachedPolicies"]]
        assert policies == ["arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"]
        groups = eks.list_nodegroups(clusterName=CLUSTER)["nodegroups"]
        assert sorted(groups) == sorted(kubernetes["node_groups"])
        effects = {"NoSchedule": "NO_SCHEDULE", "NoExecute": "NO_EXECUTE", "PreferNoSchedule": "PREFER_NO_SCHEDULE"}
        for name, spec in kubernetes["node_groups"].items():
            group = eks.describe_nodegroup(clusterName=CLUSTER, nodegroupName=name)["nodegroup"]
            assert group["amiType"] == spec.get("ami_type", "AL2023_x86_64_STANDARD")
            assert group["instanceTypes"] == [spec["instance_type"]]
            assert group["scalingConfig"] == dict(minSize=spec["count"], maxSize=spec.get("max_count", spec["count"]),
                                                  desiredSize=spec["count"])
            assert group["labels"] == dict({"node-role": spec.get("role", name)}, **(spec.get("labels") or {}))
            assert group["taints"] == [dict(key=t["key"], value=str(t["value"]), effect=effects[t["effect"]])
                                       for t in spec.get("taints") or []]
            assert group["version"] == cluster["version"]
        providers = iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]
        issuer = cluster["identity"]["oidc"]["issuer"].replace("https://", "")
        assert [p["Arn"].split(":oidc-provider/")[1] for p in providers] == [issuer]

    def test_apply_writes_a_kubeconfig_whose_token_sts_accepts(self, kubeconfig_path, aws_env):
        config = yaml.safe_load(kubeconfig_path.read_text())
        assert config["current-context"] == CLUSTER
        (user,) = [u["user"] for u in config["users"] if u["name"] == CLUSTER]
        command = [user["exec"]["command"]] + user["exec"]["args"]
        credential = json.loads(subprocess.run(command, env=aws_env, stdout=subprocess.PIPE, check=True,
                                               universal_newlines=True).stdout)
        token = credential["status"]["token"]
        assert token.startswith("k8s-aws-v1.")
        data = token[len("k8s-aws-v1."):]
        url = base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)).decode()
        query = urllib.parse.parse_qs(urllib.parse.urlparse(url).query)
        assert query["Action"] == ["GetCallerIdentity"]
        assert "x-k8s-aws-id" in query["X-Amz-SignedHeaders"][0].split(";")
        # Signed by the environment's credentials for STS in the cluster's region. (moto's
        # server checks no signature and routes a query-signed GET to S3, so replaying the
        # URL to it would prove nothing; the unit tests compare it with boto3's own.)
        parsed = urllib.parse.urlparse(url)
        assert "%s://%s" % (parsed.scheme, parsed.netloc) == aws_env["AWS_ENDPOINT_URL"]
        credential = query["X-Amz-Credential"][0].split("/")
        assert (credential[0], credential[2], credential[3]) == ("testing", SPEC["region"], "sts")

    def test_plan_after_apply_reports_no_change(self, run_playbook):
        run = run_playbook("plan.yml", "--check", "--diff", "--tags", "infrastructure")
        _assert_ok(run, "check mode after apply")
        assert run.stats["changed"] == 0, "tasks that would change: %s" % run.changed()

    def test_second_apply_changes_nothing(self, run_playbook, boto):
        before = remains(boto)
        run = run_playbook("deploy.yml", "--tags", "infrastructure")
        _assert_ok(run, "second apply")
        assert run.stats["changed"] == 0, "tasks that changed: %s" % run.changed()
        assert remains(boto) == before

    def test_teardown_refuses_without_confirmation(self, run_playbook, boto):
        before = remains(boto)
        run = run_playbook("teardown.yml", "-e", "teardown_confirm=something-else")
        assert run.returncode != 0
        assert "teardown_confirm=%s" % CLUSTER in run.output
        assert remains(boto) == before

    def test_teardown_leaves_nothing_behind(self, run_playbook, boto):
        run = run_playbook("teardown.yml", "-e", "teardown_confirm=%s" % CLUSTER)
        _assert_ok(run, "teardown")
        assert run.stats["changed"] > 0
        assert remains(boto) == {}

    def test_teardown_again_changes_nothing(self, run_playbook, boto):
        run = run_playbook("teardown.yml", "-e", "teardown_confirm=%s" % CLUSTER)
        _assert_ok(run, "second teardown")
        assert run.stats["changed"] == 0, "tasks that changed: %s" % run.changed()


@pytest.fixture(autouse=True, scope="module")
def _fresh_account(moto_endpoint):
    """Start from an empty account (moto's own default VPC aside)."""
    request = urllib.request.Request(moto_endpoint + "/moto-api/reset", method="POST")
    urllib.request.urlopen(request, timeout=10).read()
