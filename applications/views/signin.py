"""The login page: Django's, with the throttle's refusal answered 429 and Retry-After."""

from __future__ import annotations

from django.contrib.auth.views import LoginView
from django.http import HttpResponse

from ..signin import ThrottledAuthenticationForm, request_refusal


class SignInView(LoginView):
    authentication_form = ThrottledAuthenticationForm

    def form_invalid(self, form) -> HttpResponse:
        response = super().form_invalid(form)
        refusal = request_refusal(self.request)
        if refusal is not None:
            response.status_code = 429
            response["Retry-After"] = str(refusal.seconds)
        return response
