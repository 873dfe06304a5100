"""Feeds (architecture §2.4): what the API layer streams besides view windows.

- `events_history.py`: every Event persisted to SQLite (dedup by uid + count), queries, and
  resumable followers for the SSE events stream.
- `metrics.py`: the demand-driven metrics.k8s.io poller, its availability state, the latest
  usage per pod/node (overlay), short in-memory history and SQLite rollups.
- `logs.py`: pod log followers for one container up to a whole workload, merged by time.
"""
