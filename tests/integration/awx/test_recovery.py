"""backup.yml and recovery.yml as AWX jobs, on the session's platform, with moto's S3.

The backup job (its template's survey: a system_state backup, pruned) stores the
platform's Kubernetes objects as one restic snapshot; an agent is then lost; the recovery job launched as a
check job (the template lets the operator choose job type check: assess, change nothing)
names what is missing and restores nothing. No secret of the credentials (AWS keys, the
backup encryption key) appears in what AWX shows of either job.
"""

import uuid

from awx_jobs import survey_answers
from runbook_platform import TEST_LABEL

LOST = "coordinator_agent"


def test_backup_then_recovery_assessment(jobs, platform, template_vars, credentials_env, secrets, moto):
    bucket = "mas-awx-%s" % uuid.uuid4().hex[:10]
    moto.client().create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    extra = dict(
        template_vars,
        backup_procedures=dict(platform.spec["backup_procedures"],
                               store={"bucket": bucket, "prefix": "platform", "region": "eu-west-1",
                                      "endpoint_url": moto.url}),
        backup_components=["kubernetes"],
        backup_kubernetes_namespaces=sorted(platform.ns.values()),
        backup_kubernetes_label_selector="app.kubernetes.io/part-of=mas-platform,%s=%s" % (TEST_LABEL, platform.prefix),
    )
    kind, namespace, name = platform.workloads()[LOST]

    playbook, answers = survey_answers("mas.platform backup", backup_kind="system_state", backup_wait_timeout=300)
    backup = jobs.launch(playbook, extra_vars=dict(extra, **answers), envvars=credentials_env)
    backup.assert_successful(changed=True)
    taken = backup.result("Take the backup")
    assert taken["backup"]["kind"] == "system_state"
    assert taken["components"]["kubernetes"]["kinds"]["Deployment"] == len(platform.agents)
    snapshots = moto.client().list_objects_v2(Bucket=bucket, Prefix="platform/restic/snapshots/")
    assert snapshots.get("KeyCount") == 1, snapshots
    backup.assert_no_secret(secrets)

    platform.dynamic.resources.get(api_version="apps/v1", kind=kind).delete(name=name, namespace=namespace)
    try:
        platform.wait(lambda: name not in [d.metadata.name for d in platform.dynamic.resources.get(
            api_version="apps/v1", kind=kind).get(namespace=namespace).items], "the agent to be gone")
        playbook, answers = survey_answers("mas.platform recovery", recovery_scenario="system_failure",
                                           recovery_backup="latest", backup_wait_timeout=300)
        assessed = jobs.launch(playbook, extra_vars=dict(extra, **answers), envvars=credentials_env, check=True,
                               diff=True)
        assert assessed.status == "successful" and assessed.rc == 0, assessed.explain()
        assert assessed.failures() == [], assessed.explain()
        assessment = assessed.result("Assess the damage (what is missing or differs from the backup)")
        assert assessment["backup"]["id"] == taken["backup"]["id"]
        assert assessment["plan"]["kubernetes"]["create"] == ["%s/%s/%s" % (kind, namespace, name)], assessment["plan"]
        # Check mode: the restore reports what it would do, and does nothing.
        restore = assessed.result("Recover the agents' state (replicas, HPA bounds, configuration)")
        assert restore["changed"], restore
        assert name not in [d.metadata.name for d in platform.dynamic.resources.get(
            api_version="apps/v1", kind=kind).get(namespace=namespace).items]
        assessed.assert_no_secret(secrets)
    finally:
        platform.deploy()
