"""Whether the object store keeps earlier versions of the private files (GetBucketVersioning).

Exit status 0 when the bucket's versioning is Enabled (or the files are in a folder, where the
backups alone keep earlier copies), 1 when it is suspended or was never turned on: for monitors
and for the first-time set-up in docs/deployment.md ("Backups"; decision D40)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from zcparks import storage


class Command(BaseCommand):
    help = "Report whether the private files' bucket has versioning enabled."

    def handle(self, *args, **options) -> None:
        found = storage.bucket_versioning()
        if found is None:
            self.stdout.write("private files are in a folder, not a bucket: no versioning to check")
            return
        bucket, status = found
        if status == "Enabled":
            self.stdout.write(f"bucket {bucket}: versioning Enabled")
            return
        raise CommandError(
            f"bucket {bucket}: versioning {status or 'never enabled'}; turn it on with "
            f"`aws s3api put-bucket-versioning --bucket {bucket} "
            "--versioning-configuration Status=Enabled` (docs/deployment.md, Backups)"
        )
