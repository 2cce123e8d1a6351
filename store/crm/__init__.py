"""Storage of CRM-history personas (workflow ``crm_persona``, issue 17): a tenant's contacts
and their history in the import's JSON form, and the versions of each contact's persona with
users' ratings.

Every read and write takes the tenant: another tenant's contact or persona is never found.
"""

from store.crm.contacts import CrmContactRepository, ImportOutcome
from store.crm.personas import CrmPersonaRepository

__all__ = ["CrmContactRepository", "CrmPersonaRepository", "ImportOutcome"]
