# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The addons_releases filter (module_utils/model/addon_charts.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: addons_releases
short_description: The Helm releases that install the cluster add-ons of the compiled platform
version_added: 0.1.0
description:
- One release per cluster add-on of mode C(install) (C(mas_platform.addons)), in the catalogue's order, each with its
  pinned chart and the values derived from the compiled platform (C(plugins/module_utils/model/addon_charts.py)).
options:
  _input:
    description: The compiled platform, C(mas_platform).
    type: dict
    required: true
  opensearch_admin_secret:
    description: A Secret with the key C(password) for OpenSearch's admin user; needed to install OpenSearch.
    type: str
    default: ""
  values:
    description: Add-on name to chart values merged over the derived ones (maps key by key, anything else replaced).
    type: dict
    default: {}
  chart_dirs:
    description:
    - Add-on name to a directory holding its pinned chart, for a control node that reaches no chart repository. The
      release's C(chart.ref) is then that directory and its C(chart.repo) null.
    type: dict
    default: {}
"""

EXAMPLES = r"""
- name: Install each add-on
  kubernetes.core.helm:
    name: "{{ item.release }}"
    chart_ref: "{{ item.chart.ref }}"
    chart_repo_url: "{{ item.chart.repo or omit }}"
    chart_version: "{{ item.chart.version }}"
    release_namespace: "{{ item.namespace }}"
    values: "{{ item['values'] }}"
  loop: "{{ mas_platform | mas.platform.addons_releases }}"
"""

RETURN = r"""
_value:
  description: One C({name, release, namespace, chart, values}) per add-on the platform installs; C(chart) has
    C(repo), C(name), C(version) and C(ref) (what C(helm) installs, the name or the directory).
  type: list
  elements: dict
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.mas.platform.plugins.module_utils.base import PlatformError
from ansible_collections.mas.platform.plugins.module_utils.model.addon_charts import releases
from ansible_collections.mas.platform.plugins.plugin_utils.filter_input import input_errors


def addons_releases(platform, opensearch_admin_secret="", values=None, chart_dirs=None):
    if not isinstance(platform, dict) or not isinstance(platform.get("addons"), dict):
        raise AnsibleFilterError("addons_releases: expected the compiled platform (mas_platform, with addons), got %s"
                                 % type(platform).__name__)
    with input_errors("addons_releases: mas_platform.addons is not as the preflight compiles it"):
        try:
            return releases(platform, {"opensearch_admin_secret": opensearch_admin_secret, "values": values or {},
                                       "chart_dirs": chart_dirs or {}})
        except PlatformError as exc:
            raise AnsibleFilterError(exc.msg)


class FilterModule(object):
    def filters(self):
        return {"addons_releases": addons_releases}
