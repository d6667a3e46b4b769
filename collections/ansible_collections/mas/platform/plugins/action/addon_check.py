# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The action of the collection's Kubernetes modules (action/k8s_apply.py): the inventory's
connection settings, once for all of them."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.mas.platform.plugins.action.k8s_apply import ActionModule  # noqa: F401 pylint: disable=unused-import
