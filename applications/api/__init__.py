"""The REST API's endpoints about parks and applications. Energy data and results are in
``accounting.api``; ``applications.api.urls`` mounts both under ``/api/``. The plumbing they share
(errors, parameters, pagination, throttling, docs) is in ``zcparks.api``; who the caller is, tokens
and idempotent writes in the park kernel, ``applications.kernel``."""
