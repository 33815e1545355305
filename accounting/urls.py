from django.urls import path

from accounting import views

app_name = "accounting"

urlpatterns = [
    path("", views.my_energy, name="mine"),
    path("<int:park_id>/", views.overview, name="overview"),
    path("<int:park_id>/<int:year>/", views.park_year, name="park_year"),
    path("<int:park_id>/<int:year>/records/<slug:kind>/", views.records, name="records"),
    path("<int:park_id>/<int:year>/guiding/", views.guiding, name="guiding"),
    path("<int:park_id>/<int:year>/import/", views.upload, name="upload"),
    path("<int:park_id>/<int:year>/import/<str:sha>/", views.preview, name="preview"),
    path("<int:park_id>/<int:year>/download/<str:what>", views.download, name="download"),
    path("<int:park_id>/<int:year>/result/", views.result, name="result"),
    path("<int:park_id>/<int:year>/recalculate/", views.recalculate_now, name="recalculate"),
]
