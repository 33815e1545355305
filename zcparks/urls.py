from django.contrib import admin
from django.urls import include, path

from applications.views.signin import SignInView

urlpatterns = [
    path("admin/", admin.site.urls),
    # Before Django's own: the login page under the throttle (zcparks/throttle.py).
    path("accounts/login/", SignInView.as_view(), name="login"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("energy/", include("accounting.urls")),
    path("api/", include("applications.api.urls")),
    path("", include("applications.urls")),
]

handler400 = "zcparks.views.bad_request"
