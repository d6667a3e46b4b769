# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""IAM OpenID Connect providers (the EKS cluster's issuer, for service account roles)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.mas.platform.plugins.module_utils.aws.common import (
    tag_changes,
    tag_dict_to_list,
    tag_list_to_dict,
)
from ansible_collections.mas.platform.plugins.module_utils.base import PlatformError, diff_result


def issuer_path(url):
    """'https://oidc.eks.eu-west-1.amazonaws.com/id/ABC/' -> 'oidc.eks.eu-west-1.amazonaws.com/id/ABC':
    the form IAM uses in provider ARNs and in trust policy condition keys."""
    url = (url or "").strip()
    if not url.startswith("https://"):
        raise PlatformError("url: %r is not an https:// OIDC issuer URL" % url)
    return url[len("https://"):].rstrip("/")


def find_provider(api, url):
    """(arn, provider) of the provider for ``url``, or (None, None)."""
    path = issuer_path(url)
    listed = api.call("iam", "list_open_id_connect_providers", "OIDC provider %s" % path)
    for entry in listed.get("OpenIDConnectProviderList") or []:
        arn = entry["Arn"]
        if arn.split(":oidc-provider/", 1)[-1] == path:
            found = api.find("iam", "get_open_id_connect_provider", "OIDC provider %s" % path,
                             OpenIDConnectProviderArn=arn)
            if found:
                return arn, found
    return None, None


def provider_view(provider):
    if not provider:
        return {}
    return dict(client_ids=sorted(provider.get("ClientIDList") or []),
                thumbprints=sorted(provider.get("ThumbprintList") or []),
                tags=tag_list_to_dict(provider.get("Tags")))


def ensure_oidc_provider(module, api):
    params = module.params
    path = issuer_path(params["url"])
    resource = "OIDC provider %s" % path
    arn, current = find_provider(api, params["url"])
    before = provider_view(current)
    if params["state"] == "absent":
        if not arn:
            return diff_result(False, {}, {}, arn=None, issuer=path)
        if not module.check_mode:
            api.call("iam", "delete_open_id_connect_provider", resource, OpenIDConnectProviderArn=arn)
        return diff_result(True, before, {}, arn=arn, issuer=path)
    desired = dict(client_ids=sorted(set(params["client_ids"])),
                   thumbprints=sorted(set(params["thumbprints"] or [])) if params["thumbprints"] is not None
                   else before.get("thumbprints", []),
                   tags=params["tags"] or {})
    if not arn:
        if module.check_mode:
            return diff_result(True, {}, desired, arn=None, issuer=path)
        request = dict(Url="https://" + path, ClientIDList=desired["client_ids"], Tags=tag_dict_to_list(desired["tags"]))
        if desired["thumbprints"]:
            request["ThumbprintList"] = desired["thumbprints"]
        arn = api.call("iam", "create_open_id_connect_provider", resource, **request)["OpenIDConnectProviderArn"]
        return diff_result(True, {}, provider_view(api.call("iam", "get_open_id_connect_provider", resource,
                                                            OpenIDConnectProviderArn=arn)), arn=arn, issuer=path)
    add = [c for c in desired["client_ids"] if c not in before["client_ids"]]
    remove = [c for c in before["client_ids"] if c not in desired["client_ids"]]
    thumbprints = desired["thumbprints"] != before["thumbprints"]
    to_set, to_remove = tag_changes(before["tags"], desired["tags"], params["purge_tags"])
    changed = bool(add or remove or thumbprints or to_set or to_remove)
    after = dict(desired, tags=dict(before["tags"], **to_set))
    for key in to_remove:
        after["tags"].pop(key, None)
    if not changed or module.check_mode:
        return diff_result(changed, before, after if changed else before, arn=arn, issuer=path)
    for client_id in add:
        api.call("iam", "add_client_id_to_open_id_connect_provider", resource, OpenIDConnectProviderArn=arn,
                 ClientID=client_id)
    for client_id in remove:
        api.call("iam", "remove_client_id_from_open_id_connect_provider", resource, OpenIDConnectProviderArn=arn,
                 ClientID=client_id)
    if thumbprints:
        api.call("iam", "update_open_id_connect_provider_thumbprint", resource, OpenIDConnectProviderArn=arn,
                 ThumbprintList=desired["thumbprints"])
    if to_set:
        api.call("iam", "tag_open_id_connect_provider", resource, OpenIDConnectProviderArn=arn,
                 Tags=tag_dict_to_list(to_set))
    if to_remove:
        api.call("iam", "untag_open_id_connect_provider", resource, OpenIDConnectProviderArn=arn, TagKeys=to_remove)
    current = api.call("iam", "get_open_id_connect_provider", resource, OpenIDConnectProviderArn=arn)
    return diff_result(True, before, provider_view(current), arn=arn, issuer=path)
