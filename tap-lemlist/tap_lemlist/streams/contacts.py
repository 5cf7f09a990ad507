"""The CRM side: contacts, contact lists, companies and custom field definitions."""

from __future__ import annotations

from tap_lemlist.client import LemlistStream

# lemlist serves up to 500 contacts or companies per page.
CRM_PAGE_SIZE = 500


class ContactsStream(LemlistStream):
    """``GET /contacts``: contacts with their custom ``fields``."""

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
    """``GET /fields``: custom field definitions of contacts and companies."""

    name = "fields"
    path = "/fields"
    primary_keys = ("_id",)
    records_keys = ("data", "fields")
