from django.urls import path

from inspections import views

app_name = "inspections"
urlpatterns = [
    path("", views.plan_list, name="plan_list"),
    path("new/", views.new_plan, name="new_plan"),
    path("sites.json", views.candidate_sites, name="candidate_sites"),
    path("plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("plans/<int:pk>.json", views.plan_data, name="plan_data"),
    path("plans/<int:pk>/order", views.plan_order, name="plan_order"),
    path("plans/<int:pk>/optimise", views.plan_optimise, name="plan_optimise"),
    path("plans/<int:pk>/plan.gpx", views.plan_gpx, name="plan_gpx"),
    path("plans/<int:pk>/plan.csv", views.plan_csv, name="plan_csv"),
    path("plans/<int:pk>/plan.xlsx", views.plan_xlsx, name="plan_xlsx"),
    path("plans/<int:pk>/days/<int:day>.html", views.day_page, name="day_page"),
    path("me.json", views.me, name="me"),
    path("sites/<int:site_id>/visits/", views.site_visits, name="site_visits"),
    path("sites/<int:site_id>/visits.json", views.site_visits_data, name="site_visits_data"),
    path("attachments/<int:pk>/", views.attachment, name="attachment"),
]
