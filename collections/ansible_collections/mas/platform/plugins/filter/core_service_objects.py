# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The core_service_objects filter (its code is in module_utils/render/core_service.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: core_service_objects
short_description: The Kubernetes objects of one core service
version_added: 0.1.0
description:
  - Renders, from a core service's entry of the compiled platform (C(mas_platform.core_services[name]))
    and the options its role passes, every object of the service but its credentials - a Secret of its
    secret files (which carry the credentials' placeholders), a ServiceAccount (and RBAC where it reads
    the Kubernetes API), a ConfigMap of its configuration files, a headless and a client Service, a
    PodDisruptionBudget, the StatefulSet, and the cluster formation Job, if any.
  - The code and its unit tests are in C(plugins/module_utils/render/core_service.py).
options:
  _input:
    description: The service's entry of the compiled platform.
    type: dict
    required: true
  options:
    description:
      - The core_service role's options without their prefix - C(image), C(image_pull_policy),
        C(image_pull_secrets), C(security), C(container), C(sidecars), C(sidecar_ports), C(udp_ports),
        C(data_path), C(config_path), C(config_files), C(secret_files), C(private_files),
        C(read_only_root_filesystem), C(metrics), C(anti_affinity), C(pod_management_policy),
        C(termination_grace_period), C(rbac), C(formation), C(wait_timeout), C(job_resources).
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: The objects of the broker
  ansible.builtin.set_fact:
    objects: "{{ mas_platform.core_services.rabbitmq | mas.platform.core_service_objects(options) }}"
"""

RETURN = r"""
_value:
  description: The objects, in the order they are applied.
  type: list
  elements: dict
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.mas.platform.plugins.filter.render import plain
from ansible_collections.mas.platform.plugins.module_utils.render.core_service import OptionsError, core_service_objects


def _core_service_objects(spec, options):
    try:
        return core_service_objects(plain(spec), plain(options))
    except OptionsError as exc:
        raise AnsibleFilterError(str(exc))
    except (KeyError, TypeError) as exc:
        raise AnsibleFilterError("core_service_objects: the service's entry or the role's options lack %s" % exc)


class FilterModule(object):
    def filters(self):
        return {"core_service_objects": _core_service_objects}
