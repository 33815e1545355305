from django.urls import path

from .views import applications, editing, home

urlpatterns = [
    path("", home.home, name="home"),
    path("parks/", home.park_list, name="park_list"),
    path("parks/mine/", home.my_park, name="my_park"),
    path("parks/<int:park_id>/", home.park_detail, name="park_detail"),
    # Issue 4: the application and its workflow.
    path("applications/", applications.application_list, name="application_list"),
    path("applications/start/", applications.application_start, name="application_start"),
    path("applications/<int:pk>/", applications.application_detail, name="application_detail"),
    path("applications/<int:pk>/actions/<slug:action>/", applications.application_transition,
         name="application_transition"),
    path("applications/<int:pk>/submissions/<int:number>/", applications.submission_detail,
         name="application_submission"),
    path("applications/<int:pk>/boundary/", editing.boundary_edit, name="application_boundary"),
    path("applications/<int:pk>/incidents/", editing.incidents_edit,
         name="application_incidents"),
    path("applications/<int:pk>/incidents/<int:incident_id>/delete/", editing.incident_delete,
         name="application_incident_delete"),
    path("applications/<int:pk>/attachments/", editing.attachments_edit,
         name="application_attachments"),
    path("applications/<int:pk>/attachments/<int:attachment_id>/", editing.attachment_download,
         name="application_attachment"),
    path("applications/<int:pk>/attachments/<int:attachment_id>/delete/",
         editing.attachment_delete, name="application_attachment_delete"),
    path("applications/<int:pk>/sections/<slug:key>/", editing.section_edit,
         name="application_section"),
]
