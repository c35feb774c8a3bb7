from django.urls import path
from rest_framework.routers import SimpleRouter

from certificates import api, transparency_api, views

app_name = "certificates"

# /api/v1/certificates/ (list, register a batch), <id>/, <id>/revoke/
registering = SimpleRouter()
registering.register("api/v1/certificates", api.CertificateViewSet, basename="certificate")

urlpatterns = [
    path("verify/", views.verify_form, name="verify_form"),
    path("verify/<str:code>/", views.verify, name="verify"),
    path("api/v1/certificates/verify/", views.VerifyApi.as_view(), name="verify_api"),
    path(".well-known/certificate-keys.json", views.key_set, name="keys"),
    path("certificates/<int:pk>/qr.png", views.qr_png, name="qr_png"),
    path("certificates/<int:pk>/qr.svg", views.qr_svg, name="qr_svg"),
    path("certificates/labels/", views.labels, name="labels"),
    path("api/v1/certificates/<int:pk>/proof/", transparency_api.Proof.as_view(), name="log_proof"),
    path(
        "api/v1/transparency/checkpoint/",
        transparency_api.LatestCheckpoint.as_view(),
        name="log_checkpoint",
    ),
    *registering.urls,
]
