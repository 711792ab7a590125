"""``flush``, able to empty the append-only history tables.

Django's ``flush`` empties every table; Django's test framework runs it after
each transactional test. History tables refuse DELETE (and TRUNCATE), so this
override holds the history maintenance switch for the one connection doing the
flush (see drafting.history.guard). It is the only code that sets the switch.
"""

from django.core.management.commands import flush
from django.db import connections

from drafting.history import guard as history_guard


class Command(flush.Command):
    def handle(self, **options):
        with history_guard.maintenance(connections[options["database"]]):
            return super().handle(**options)
