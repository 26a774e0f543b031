"""I/O only: the ASGI app, TLS, auth, logs, and the connection driver."""
