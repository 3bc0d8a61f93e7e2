"""The session server: websockets hub, SQLite event store, SSH gateway.

The method's rules are not here (they live in :mod:`kompsesjon.method`); the
server authenticates, orders, stores and fans out.
"""
