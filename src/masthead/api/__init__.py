"""masthead's HTTP / WebSocket API (protocol.md): small modules, one idea each.

app.py (routes + middlewares), security.py (token, cookie, Host, Origin), login.py (in-cluster
users: bearer, X-Forwarded-Access-Token, login sessions), errors.py (the error
envelope), context.py (what handlers share), clusters.py, pages.py, live.py, objects.py,
diagnostics.py, static.py (the built web UI).
"""
