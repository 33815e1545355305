"""`STORAGES["private"]` from the parsed environment (zcparks/environment.py): a local folder,
or an S3-compatible bucket when ZCP_S3_BUCKET is set (zcparks/storage.py has both backends).

Imports nothing: settings.py and the tests build the same entry from the same variables.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def private_storage(env: Mapping[str, Any]) -> dict[str, Any]:
    if not env["ZCP_S3_BUCKET"]:
        return {"BACKEND": "zcparks.storage.LocalPrivateStorage"}
    endpoint = env["ZCP_S3_ENDPOINT_URL"] or None
    return {
        "BACKEND": "zcparks.storage.PrivateS3Storage",
        "OPTIONS": {
            "bucket_name": env["ZCP_S3_BUCKET"],
            "endpoint_url": endpoint,
            "region_name": env["ZCP_S3_REGION"] or None,
            "access_key": env["ZCP_S3_ACCESS_KEY_ID"] or None,
            "secret_key": env["ZCP_S3_SECRET_ACCESS_KEY"] or None,
            # Stores other than AWS (MinIO, Ceph, moto) answer on one host: the bucket in the path.
            "addressing_style": "path" if endpoint else None,
            "file_overwrite": False,
        },
    }
