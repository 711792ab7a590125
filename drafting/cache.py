"""The shared cache: Django's database cache with a counter that holds across processes.

Per-user rates (drafting.limits) count requests in ``CACHES["default"]``, a table
in the application's own database, so every gunicorn worker on every host sees
the same counts with nothing but the database to run. Django's DatabaseCache
inherits ``incr`` from BaseCache, which reads, adds and writes back with ``set``:
two processes can both read 5 and both write 6, and ``set`` replaces the entry's
expiry with the default timeout (five minutes), so an hourly counter would be
forgotten after five quiet minutes. ``incr`` here locks the row (SELECT ... FOR
UPDATE on PostgreSQL; SQLite's IMMEDIATE transactions let one writer in at a
time), adds in the same transaction and leaves the expiry alone.
"""

from __future__ import annotations

import base64
import pickle

from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.db import connections, models, router, transaction
from django.utils import timezone


class DatabaseCache(DjangoDatabaseCache):
    """Django's DatabaseCache (same table, same encoding) with an atomic ``incr``."""

    def incr(self, key: str, delta: int = 1, version: int | None = None) -> int:
        """Add ``delta`` to the number stored at ``key`` and return the sum.

        Atomic across processes and keeps the entry's expiry. Raises ValueError when
        the key is missing or expired (as every Django cache does).
        """
        key = self.make_and_validate_key(key, version=version)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        quote = connection.ops.quote_name
        table = quote(self._table)
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        # The table name comes from settings, never from a request; values are parameters.
        select = (
            f"SELECT {quote('value')}, {quote('expires')} FROM {table} "  # noqa: S608
            f"WHERE {quote('cache_key')} = %s{lock}"
        )
        update = f"UPDATE {table} SET {quote('value')} = %s WHERE {quote('cache_key')} = %s"  # noqa: S608
        with transaction.atomic(using=db), connection.cursor() as cursor:
            cursor.execute(select, [key])
            row = cursor.fetchone()
            if row is None or self._expired(row[1], connection):
                raise ValueError(f"Key '{key}' not found.")
            # The same encoding as DatabaseCache's own get/set: rows only this application writes.
            value = pickle.loads(base64.b64decode(connection.ops.process_clob(row[0]).encode()))  # noqa: S301
            value += delta
            encoded = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
            cursor.execute(update, [encoded, key])
        return value

    @staticmethod
    def _expired(expires, connection) -> bool:
        """Whether a raw ``expires`` column value lies in the past (converted as Django does)."""
        expression = models.Expression(output_field=models.DateTimeField())
        for converter in connection.ops.get_db_converters(
            expression
        ) + expression.get_db_converters(connection):
            expires = converter(expires, expression, connection)
        return expires < timezone.now()
