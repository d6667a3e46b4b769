# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The startup and shutdown procedures: the runbooks' contract with the spec.

Each step of ``startup_procedures``/``shutdown_procedures`` is something the startup or
shutdown playbook implements. This module knows which steps exist and what each starts
or stops, so that the preflight can say when a procedure names a step no runbook has,
leaves a core service or an agent out (the seed starts no database), or orders them
so that agents run without the services they need.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.mas.platform.plugins.module_utils.spec.kubernetes import phase_order
from ansible_collections.mas.platform.plugins.module_utils.spec.schema import index_path, key_path

MONITORING_STACK = ("prometheus", "alertmanager", "grafana")
DATABASES = ("mongodb", "neo4j", "redis")

# Steps with irregular names -> the core services or agents they start or stop. Other
# steps are <verb>_<name> with a verb of the procedure and the name of a service or agent.
STARTUP_STEPS = {
    "start_service_registry": ("consul",),
    "initialize_message_broker": ("rabbitmq",),
    "deploy_monitoring_stack": MONITORING_STACK,
    "start_databases": DATABASES,
    "deploy_coordinator": ("coordinator_agent",),
    "scale_task_executors": ("task_executor",),
}
SHUTDOWN_STEPS = {
    "stop_message_broker": ("rabbitmq",),
    "shutdown_monitoring_stack": MONITORING_STACK,
    "stop_service_registry": ("consul",),
    "stop_databases": DATABASES,
    "stop_coordinator": ("coordinator_agent",),
    "scale_down_executors": ("task_executor",),
}
STARTUP_VERBS = ("deploy", "start", "initialize", "scale")
SHUTDOWN_VERBS = ("stop", "shutdown", "scale_down")

# Steps that check or prepare rather than start or stop something.
STARTUP_CHECKS = (
    "verify_cluster_health", "check_storage_availability", "validate_network_connectivity",
    "validate_agent_communication", "check_system_metrics", "verify_learning_pipeline",
)
# Shutdown steps that must run before anything stops: nothing new admitted, nothing lost.
SHUTDOWN_DRAIN = ("pause_task_acceptance", "complete_active_tasks", "save_system_state")
SHUTDOWN_CHECKS = SHUTDOWN_DRAIN + ("verify_resource_cleanup", "check_data_persistence", "validate_shutdown_completion")


def _targets(step, table, verbs, names):
    if step in table:
        return table[step]
    for verb in verbs:
        if step.startswith(verb + "_") and step[len(verb) + 1:] in names:
            return (step[len(verb) + 1:],)
    return None


def _steps(procedure, key):
    """(step, path) in execution order."""
    for phase in phase_order(procedure):
        for index, step in enumerate(procedure[phase]):
            if step is not None:
                yield step, index_path(key_path(key, phase), index)


def runbook_plan(procedure, starting, known):
    """The steps of a procedure as the startup (``starting``) or shutdown runbook runs
    them, in the phases' order: ``[{phase, step, check, targets}]``. ``targets`` are the
    names of ``known`` (the deployed plan's services and agents) that the step starts or
    stops: [] for a check, None for a step that no runbook implements (which the
    preflight refuses)."""
    table, verbs, checks = ((STARTUP_STEPS, STARTUP_VERBS, STARTUP_CHECKS) if starting
                            else (SHUTDOWN_STEPS, SHUTDOWN_VERBS, SHUTDOWN_CHECKS))
    known = set(known)
    plan = []
    for phase in phase_order(procedure):
        for step in procedure[phase] or []:
            if step is None:
                continue
            if step in checks:
                plan.append(dict(phase=phase, step=step, check=True, targets=[]))
                continue
            targets = _targets(step, table, verbs, known)
            plan.append(dict(phase=phase, step=step, check=False,
                             targets=None if targets is None else [t for t in targets if t in known]))
    return plan


def check_procedures(cleaned, agents, services, findings):
    service_names = [name for phase in (cleaned.get("core_services") or {}).values() for name in phase]
    agent_names = [a.name for a in agents]
    agent_rank = dict((a.name, a.phase_rank) for a in agents)
    for key, table, verbs, checks, starting in (
            ("startup_procedures", STARTUP_STEPS, STARTUP_VERBS, STARTUP_CHECKS, True),
            ("shutdown_procedures", SHUTDOWN_STEPS, SHUTDOWN_VERBS, SHUTDOWN_CHECKS, False)):
        procedure = cleaned.get(key)
        if procedure is None:
            continue
        known = set(service_names) | set(agent_names)
        order = []
        for step, path in _steps(procedure, key):
            if step in checks:
                order.append((step, path))
                continue
            targets = _targets(step, table, verbs, known)
            if targets is None:
                findings.error(path, "no runbook implements the step %r: use one of %s, or <%s>_<service or agent>" % (
                    step, ", ".join(sorted(set(checks) | set(table))), "|".join(verbs)))
                continue
            order.extend((target, path) for target in targets if target in known)
        _check_coverage(key, order, service_names, agent_names, starting, findings)
        _check_order(order, set(service_names), agent_rank, starting, findings)


def _check_coverage(key, order, service_names, agent_names, starting, findings):
    covered = set(target for target, _path in order)
    verb = "starts" if starting else "stops"
    for kind, names in (("core service", service_names), ("agent", agent_names)):
        missing = [n for n in names if n not in covered]
        if missing:
            hint = ""
            if set(missing) & set(DATABASES):
                hint = " (add %s)" % ("start_databases" if starting else "stop_databases")
            findings.error(key, "no step %s the %s%s %s%s" % (verb, kind, "" if len(missing) == 1 else "s", ", ".join(missing), hint))


def _check_order(order, services, agent_rank, starting, findings):
    """Startup: services before agents, agents in deployment order; shutdown: the reverse,
    and nothing stops before the drain steps (pause, complete, save) ran."""
    handled = []
    last_rank = None
    drained = set()
    for target, path in order:
        if not starting and target in SHUTDOWN_DRAIN:
            drained.add(target)
            continue
        if target in services:
            running = [a for a in agent_rank if a not in handled]
            if starting and handled:
                findings.error(path, "starts %s after the agent %s: agents need the core services running" % (target, handled[0]))
            elif not starting and running:
                findings.error(path, "stops %s while the agents %s still run: stop the agents first" % (target, ", ".join(running)))
        elif target in agent_rank:
            rank = agent_rank[target]
            if last_rank is not None and (rank < last_rank if starting else rank > last_rank):
                findings.warning(path, "%s %s out of deployment_sequence order" % ("starts" if starting else "stops", target))
            last_rank = rank
            handled.append(target)
        else:
            continue
        if not starting and len(drained) < len(SHUTDOWN_DRAIN):
            missing = [s for s in SHUTDOWN_DRAIN if s not in drained]
            findings.error(path, "stops %s before %s: tasks could be lost" % (target, ", ".join(missing)))
            drained.update(missing)  # say it once
