"""gunicorn's settings for zcparks behind nginx (deploy/systemd/zcparks-web.service)."""

bind = "127.0.0.1:8000"
# Sync workers: 2 per core plus one is gunicorn's advice; the pages are database-bound.
workers = 5
worker_class = "sync"
# Longer than the slowest page (a dossier ZIP), shorter than nginx's proxy_read_timeout.
timeout = 60
graceful_timeout = 30
# Recycle workers now and then so that a slow leak never grows.
max_requests = 2000
max_requests_jitter = 200
# nginx on the same machine sets X-Forwarded-Proto; trust it from there only.
forwarded_allow_ips = "127.0.0.1"
# Access lines carry the request id that nginx made and Django echoed (X-Request-ID).
accesslog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms rid=%({x-request-id}o)s'
errorlog = "-"
