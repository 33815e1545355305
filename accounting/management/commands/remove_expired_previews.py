"""Delete the import previews older than ZCP_IMPORT_PREVIEW_HOURS (the beat task does it hourly)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from accounting import importers


class Command(BaseCommand):
    help = "删除超过保留期限、未确认也未取消的导入预览文件"

    def handle(self, *args, **options) -> None:
        removed = importers.remove_expired_previews()
        self.stdout.write(f"removed {removed} expired import preview(s)")
