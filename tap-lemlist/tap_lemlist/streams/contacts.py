"""The CRM side: contacts, contact lists, companies and custom field definitions."""

from __future__ import annotations

import typing as t

from typing_extensions import override

from tap_core.paging import records_in
from tap_lemlist.client import LemlistStream

if t.TYPE_CHECKING:
    import requests

# lemlist serves up to 500 contacts or companies per page.
CRM_PAGE_SIZE = 500


class ContactsStream(LemlistStream):
    """``GET /contacts``: contacts, their values (custom ones too) in the ``fields`` JSON column."""

    name = "contacts"
    path = "/contacts"
    primary_keys = ("_id",)
    paging = "offset"
    page_size = CRM_PAGE_SIZE
    records_keys = ("data", "contacts")
    total_key = "total"


class ContactListsStream(LemlistStream):
    """``GET /contacts/lists``."""

    name = "contact_lists"
    path = "/contacts/lists"
    primary_keys = ("_id",)
    records_keys = ("data", "lists")


class CompaniesStream(LemlistStream):
    """``GET /companies``, oldest first so pages stay put while companies are added."""

    name = "companies"
    path = "/companies"
    primary_keys = ("_id",)
    paging = "offset"
    page_size = CRM_PAGE_SIZE
    records_keys = ("data", "companies")
    total_key = "total"
    fixed_params = {"sortBy": "createdAt", "sortOrder": "asc"}  # noqa: RUF012


class FieldsStream(LemlistStream):
    """``GET /fields``: the field definitions of contacts and companies.

    The answer groups them by entity, ``{success, data: {contact: [...], company: [...]}}``;
    each row gets its group as ``entity`` (a flat list is read too).
    """

    name = "fields"
    path = "/fields"
    primary_keys = ("entity", "name")
    records_keys = ("data", "fields")

    @override
    def records_of(self, response: requests.Response) -> list[dict[str, t.Any]]:
        payload = self.payload(response)
        groups = payload.get("data") if isinstance(payload, dict) else None
        if not isinstance(groups, dict):
            return super().records_of(response)
        endpoint = self.endpoint_of(response)
        return [
            {**field, "entity": entity}
            for entity, fields in groups.items()
            for field in records_in(fields, f"{endpoint} (data.{entity})")
        ]
