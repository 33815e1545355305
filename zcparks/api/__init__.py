"""API plumbing with no models, shared by the endpoints of both apps: one error shape
(``errors``), path parameters and the raw JSON body (``parameters``), strict pagination
(``pagination``), rate limits (``throttling``) and the documentation page (``docs``). Who the
caller is, tokens and idempotent writes belong to the park kernel (``applications.kernel``); the
endpoints to ``applications.api`` and ``accounting.api``."""
