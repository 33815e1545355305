"""Pagination of every list endpoint: strict ``limit`` and ``offset``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request

from zcparks.api.errors import ApiError
from zcparks.api.parameters import MAX_ID
from zcparks.params import BadParameter, int_param


class StrictLimitOffsetPagination(LimitOffsetPagination):
    """``limit`` (1–200, default 50) and ``offset`` (≥ 0); anything else is a 400 naming the
    parameter rather than silently ignored."""

    default_limit = 50
    max_limit = 200

    def _number(self, request: Request, name: str, low: int, high: int) -> int | None:
        try:
            return int_param(request.query_params, name, low=low, high=high)
        except BadParameter as error:
            raise ApiError(_("分页参数有误。"), fields=[(name, error.message)]) from None

    def get_limit(self, request: Request) -> int:
        limit = self._number(request, self.limit_query_param, 1, self.max_limit)
        return self.default_limit if limit is None else limit

    def get_offset(self, request: Request) -> int:
        return self._number(request, self.offset_query_param, 0, MAX_ID) or 0

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.limit_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_limit)
            else:
                parameter["schema"].update(minimum=0, maximum=MAX_ID)
        return parameters
