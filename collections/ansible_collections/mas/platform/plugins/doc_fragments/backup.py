# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Options of the backup modules: the store, the repository password and the platform
(argument spec: module_utils/backup/options.py REPOSITORY_SPEC and WAIT_ARGUMENT_SPEC),
and the sources (SOURCES_SPEC)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # The store, the password, the platform: REPOSITORY_SPEC; and WAIT_ARGUMENT_SPEC.
    DOCUMENTATION = r"""
options:
  store:
    description:
      - The S3 store of the backups (C(backup_procedures.store) of the platform spec).
      - The restic repository is C(s3://<bucket>/<prefix>/restic); the dump Jobs hand their
        archives over through C(s3://<bucket>/<prefix>/staging/).
      - restic reads the region and credentials of these options from its environment; when
        none are given it finds them itself (environment, profile, web identity such as IRSA,
        instance role).
    type: dict
    required: true
    suboptions:
      bucket:
        description: The bucket. It must exist.
        type: str
        required: true
      prefix:
        description: The prefix of the repository and the staging area, such as C(platform).
        type: str
        required: true
      server_side_encryption:
        description:
          - Server-side encryption of the objects these modules write with boto3 (the staging
            area, restored model files). C(aws:kms) uses O(store.kms_key_id) (or the bucket's
            default KMS key when that is not given).
          - restic writes the repository's objects with the bucket's default encryption; everything
            in them is already encrypted by restic before upload.
        type: str
        choices: [AES256, "aws:kms"]
        default: AES256
      kms_key_id:
        description: The KMS key of C(aws:kms) encryption (an ARN, key id or alias); setting it implies C(aws:kms).
        type: str
      region:
        description:
          - The AWS region of the bucket. When not given, E(AWS_REGION) or E(AWS_DEFAULT_REGION).
        type: str
        aliases: [aws_region]
      endpoint_url:
        description:
          - URL of the S3 API instead of AWS's, for example a VPC endpoint or an S3 API
            emulator in tests. When not given, E(AWS_ENDPOINT_URL_S3), then E(AWS_ENDPOINT_URL).
        type: str
        aliases: [aws_endpoint_url]
      access_key:
        description:
          - AWS access key ID. When neither this nor O(store.profile) is given, boto3's own
            chain is used (environment, shared config, web identity such as IRSA, instance role).
        type: str
        aliases: [aws_access_key_id]
      secret_key:
        description: AWS secret access key. Never logged or returned.
        type: str
        aliases: [aws_secret_access_key]
      session_token:
        description: Session token of temporary credentials. Never logged or returned.
        type: str
        aliases: [aws_session_token]
      profile:
        description: Named profile of the shared AWS configuration files.
        type: str
        aliases: [aws_profile]
      validate_certs:
        description: Verify the TLS certificate of the S3 endpoint (restic's C(--insecure-tls) when false).
        type: bool
        default: true
  encryption_key:
    description:
      - The password of the restic repository. restic encrypts the repository's master key with it
        (scrypt); the master key encrypts and authenticates every blob, tree, index and snapshot.
        Required. Use a long random value (C(openssl rand -base64 32)) and keep it in Vault, not
        beside the backups; without it no backup can be read.
      - When not given, the E(MAS_BACKUP_ENCRYPTION_KEY) environment variable is used. It reaches
        restic through the environment of its process, never its command line, and is never returned.
    type: str
  platform:
    description:
      - The platform's name (C(infrastructure.cluster_name)). Snapshots are tagged C(platform=<name>)
        and taken as restic host C(<name>); a restore refuses a snapshot of another platform, and
        retention applies to this platform's snapshots only.
    type: str
    required: true
  wait:
    description:
      - On restore, wait until the restored Deployments and StatefulSets have rolled out
        before validating.
      - Jobs (dumps, restores, uploads) are always waited for.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait for each Job, scale and rollout, and for each restic call (restic retries an
        unreachable store for a long time), before failing.
    type: int
    default: 600
requirements:
  - boto3 (Python library)
  - restic 0.17 or newer on the PATH
"""

    # The sources: SOURCES_SPEC.
    SOURCES = r"""
options:
  kubernetes:
    description: Which Kubernetes objects are the platform's state (component C(kubernetes)).
    type: dict
    default: {}
    suboptions:
      namespaces:
        description:
          - The namespaces whose objects are backed up (the spec's C(environment_config.namespaces)).
          - On restore, only objects of these namespaces are restored (all when empty).
        type: list
        elements: str
        default: []
      label_selector:
        description:
          - Label selector of the platform's objects. On restore it filters the backup's objects too.
        type: str
        default: app.kubernetes.io/part-of=mas-platform
      kinds:
        description:
          - The kinds, as C(apiVersion/Kind) (such as C(apps/v1/Deployment)). By default a
            backup takes workloads, autoscalers, ConfigMaps, Secrets, Services, accounts, RBAC,
            network policies, disruption budgets, quotas, limit ranges, CronJobs, namespaces.
          - On restore, only objects of these kinds are restored (all when not given).
        type: list
        elements: str
  redis:
    description: The Redis whose keys are backed up (component C(redis)).
    type: dict
    default: {}
    suboptions:
      url:
        description:
          - C(redis://host:port) or C(rediss://host:port) (TLS). In cluster mode, any node of the cluster.
          - When not given, E(REDIS_URL).
        type: str
      username:
        description: ACL user. When not given, E(REDIS_USERNAME).
        type: str
      password:
        description: Password. When not given, E(REDIS_PASSWORD). Never logged or returned.
        type: str
      cluster:
        description: Redis Cluster (every primary is scanned, and writes go to the slot's owner).
        type: bool
        default: false
      batch_size:
        description: Keys per pipelined batch.
        type: int
        default: 500
      delete_extra_keys:
        description: On restore, delete the keys that exist now and are not in the backup.
        type: bool
        default: false
      timeout:
        description: Seconds one call may take.
        type: int
        default: 30
  rabbitmq:
    description:
      - The RabbitMQ management API whose definitions are backed up (component C(rabbitmq)).
        Exporting and importing all definitions needs a user with the C(administrator) tag.
    type: dict
    default: {}
    suboptions:
      api_url:
        description: URL of the management API. When not given, E(RABBITMQ_API_URL).
        type: str
      username:
        description: User of the management API. When not given, E(RABBITMQ_USERNAME).
        type: str
      password:
        description: Password of O(rabbitmq.username). When not given, E(RABBITMQ_PASSWORD).
        type: str
      vhost:
        description: Not used (definitions are those of every vhost); part of the shared connection options.
        type: str
        default: /
      validate_certs:
        description: Verify the management API's TLS certificate.
        type: bool
        default: true
      ca_cert:
        description: CA bundle for the management API. When not given, E(RABBITMQ_CA_CERT).
        type: path
      timeout:
        description: Seconds one HTTP call may take.
        type: int
        default: 30
      exclude_policies:
        description:
          - Policies left out of the backup, so that a restore never brings them back, the
            intake gate of M(mas.platform.rabbitmq_task_intake) by default.
        type: list
        elements: str
        default: [mas-intake-pause, mas-intake-pause-arming]
  consul:
    description:
      - The Consul whose state is snapshotted (component C(consul)) - C(GET /v1/snapshot), as
        C(consul snapshot save) does; restored with C(PUT /v1/snapshot), which replaces the
        servers' whole state (KV, ACLs, sessions, catalog).
    type: dict
    default: {}
    suboptions:
      url:
        description: Consul's HTTP API, such as C(http://consul.core-services:8500). When not given, E(CONSUL_HTTP_ADDR).
        type: str
      token:
        description:
          - ACL token with C(acl = "write") (snapshots need it). When not given, E(CONSUL_HTTP_TOKEN).
            Never logged or returned.
        type: str
      validate_certs:
        description: Verify Consul's TLS certificate.
        type: bool
        default: true
      ca_cert:
        description: CA bundle for Consul. When not given, E(CONSUL_CACERT).
        type: path
      timeout:
        description: Seconds one HTTP call (a snapshot) may take.
        type: int
        default: 300
  prometheus:
    description: The Prometheus whose TSDB is snapshotted (component C(prometheus), kind C(metrics)).
    type: dict
    default: {}
    suboptions:
      url:
        description:
          - URL of one Prometheus server (not a load-balanced Service, as the snapshot is written to
            that server's volume), started with C(--web.enable-admin-api).
        type: str
      username:
        description: User for basic authentication.
        type: str
      password:
        description: Password for basic authentication. Never logged or returned.
        type: str
      validate_certs:
        description: Verify Prometheus' TLS certificate.
        type: bool
        default: true
      ca_cert:
        description: CA bundle for Prometheus.
        type: path
      timeout:
        description: Seconds the snapshot call may take.
        type: int
        default: 300
      skip_head:
        description: Leave out the data still in memory (the last two hours or so).
        type: bool
        default: false
      data_dir:
        description:
          - Prometheus' C(--storage.tsdb.path) as seen from where the module runs. When given,
            the snapshot is read from there; when not, a Job on the Prometheus pod's node
            uploads it (O(prometheus.job)).
        type: path
      restore_dir:
        description:
          - On restore, the directory the snapshot's blocks are written to, the data
            directory of a stopped Prometheus, or a new one to start Prometheus on.
        type: path
      job:
        description: Where the upload Job finds the snapshot when O(prometheus.data_dir) is not given.
        type: dict
        default: {}
        suboptions:
          namespace:
            description: Namespace of the Prometheus pod.
            type: str
            default: monitoring
          pod:
            description: The Prometheus pod that O(prometheus.url) reaches.
            type: str
            default: prometheus-0
          claim:
            description: That pod's data volume claim.
            type: str
            default: data-prometheus-0
          data_path:
            description: Where the data volume is mounted (C(--storage.tsdb.path)).
            type: str
            default: /prometheus
          image:
            description: An image with C(sh) and C(tar) that runs as the Prometheus user.
            type: str
            default: prom/prometheus:v2.45.0
  models:
    description:
      - The learning pipeline's model registry (component C(models), kind C(model_registry)),
        an S3 prefix, read and written with the O(store) credentials.
    type: dict
    default: {}
    suboptions:
      bucket:
        description: The registry's bucket (C(backup_procedures.model_registry.source.bucket)).
        type: str
      prefix:
        description: The registry's prefix in that bucket.
        type: str
        default: ""
  mongodb:
    description: How the MongoDB dump and restore Jobs reach MongoDB (component C(mongodb)).
    type: dict
    default: {}
    suboptions:
      namespace:
        description: Namespace of MongoDB, where the Jobs run.
        type: str
        default: core-services
      image:
        description: Image with mongodump, mongorestore and mongosh (MongoDB's own image has them).
        type: str
        default: mongo:6.0.0
      hosts:
        description: The replica set's members as the Jobs reach them (C(host:port), comma-separated); one name that resolves to all of them is enough.
        type: str
        default: mongodb-headless.core-services.svc:27017
      replica_set:
        description: The replica set's name.
        type: str
        default: rs0
      credentials_secret:
        description: The Secret with the user and password the Jobs connect with (the mongodb role's C(mongodb-credentials)).
        type: str
        default: mongodb-credentials
      username_key:
        description: Key of the user name in O(mongodb.credentials_secret).
        type: str
        default: root-username
      password_key:
        description: Key of the password in O(mongodb.credentials_secret).
        type: str
        default: root-password
  neo4j:
    description: How the Neo4j dump and load Jobs reach Neo4j (component C(neo4j)).
    type: dict
    default: {}
    suboptions:
      namespace:
        description: Namespace of Neo4j, where the Jobs run.
        type: str
        default: core-services
      statefulset:
        description: The Neo4j StatefulSet, scaled to 0 while the community edition dumps or loads.
        type: str
        default: neo4j
      claim:
        description: The data volume claim of the Neo4j pod.
        type: str
        default: data-neo4j-0
      database:
        description: The database to dump and load.
        type: str
        default: neo4j
      image:
        description: Image with neo4j-admin and cypher-shell.
        type: str
        default: neo4j:5.11.0-community
      edition:
        description:
          - C(community) dumps and loads with the server stopped; C(enterprise) takes an
            online backup from O(neo4j.backup_address).
        type: str
        choices: [community, enterprise]
        default: community
      backup_address:
        description: The enterprise edition's backup listener.
        type: str
        default: neo4j.core-services:6362
      bolt_url:
        description: Bolt URL for the counts after a restore.
        type: str
        default: neo4j://neo4j.core-services:7687
      credentials_secret:
        description: The Secret with the password of O(neo4j.username) (the neo4j role's C(neo4j-credentials)).
        type: str
        default: neo4j-credentials
      username:
        description: The user the check Job connects with.
        type: str
        default: neo4j
      password_key:
        description: Key of the password in O(neo4j.credentials_secret).
        type: str
        default: password
  jobs:
    description: What the dump, restore and upload Jobs share.
    type: dict
    default: {}
    suboptions:
      service_account:
        description:
          - ServiceAccount of the Jobs, allowed to read and write the store's staging prefix
            (on EKS through IRSA), in each namespace the Jobs run in.
        type: str
        default: mas-backup
      transfer_image:
        description: Image of the aws CLI, which moves dumps between the Jobs and the store.
        type: str
        default: amazon/aws-cli:2.17.0
      ttl_seconds_after_finished:
        description: How long a finished Job is kept (a failed one is kept for its log).
        type: int
        default: 86400
requirements:
  - redis (Python library, for the C(redis) component)
  - kubernetes (Python library, for the C(kubernetes), C(mongodb), C(neo4j) components)
"""
