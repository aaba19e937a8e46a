"""Observability: request ids, structured logs, Prometheus metrics and Sentry.

Everything an operator watches is wired here, outside domain/: the domain code
logs and records events as before, and the adapters (job queue, loaders, the
GraphQL schema's extensions, ASGI middleware) attach the request context.
See docs/observability.md.
"""
