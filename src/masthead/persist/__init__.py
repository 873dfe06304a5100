"""SQLite persistence (architecture §2.7): one WAL database file in the data dir, written by one
thread in batched transactions, read through `asyncio.to_thread`.

- `db.py`: `Database` (writer thread, bounded queue, reads, migrations by version number).
- `schema.py`: the migrations, in order (event history, metrics rollups, action
  audit, warm-start snapshots).
"""
