from django.urls import path

from .views import home

urlpatterns = [
    path("", home.home, name="home"),
    path("parks/", home.park_list, name="park_list"),
    path("parks/mine/", home.my_park, name="my_park"),
    path("parks/<int:park_id>/", home.park_detail, name="park_detail"),
]
