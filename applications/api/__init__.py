"""The REST API (issue 7): shared authentication, errors, throttling and idempotency, the token
service, and the endpoints about parks and applications. Energy data and results are in
``accounting.api``; ``applications.api.urls`` mounts both under ``/api/``."""
