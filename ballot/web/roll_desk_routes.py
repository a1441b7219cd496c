"""The roll and account pages, gathered for the app (one line there, so other page sets
can be added beside them without touching the same lines)."""

from __future__ import annotations

from ballot.web.account_pages import AccountPages
from ballot.web.my_account_pages import MyAccountPages
from ballot.web.roll_import_pages import RollImportPages
from ballot.web.roll_pages import RollPages

ROLL_ACCOUNT_PAGES = [RollPages, RollImportPages, AccountPages, MyAccountPages]
