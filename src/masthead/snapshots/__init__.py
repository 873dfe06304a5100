"""Warm-start snapshots (architecture §2.7): projected rows with their resourceVersion kept in
SQLite, so a relaunch shows the last-known rows at once, marked stale, while reflectors
reconcile.

- `codec.py`: rows ↔ compact bytes (msgpack chunks, zlib), the row-layout digest, value sharing.
- `kinds.py`: what a snapshot's `row_schema` records of discovery (layout, kind, scope,
  version): rebuilds its projection, and a browse view before live discovery answers.
- `store.py`: `SnapshotStore` — the `snapshots` table, per-snapshot and total caps, counters.
- `warm.py`: `WarmStart` — restore at connect (per context and user identity), periodic and
  shutdown saves.
"""
