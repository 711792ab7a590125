from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from drafting.views import documents

drafting_patterns = [
    path("", documents.home, name="home"),
    path("documents/<slug:slug>/", documents.document_detail, name="document-detail"),
    path("sections/<int:pk>/", documents.section_detail, name="section-detail"),
]

urlpatterns = [
    path("", include((drafting_patterns, "drafting"))),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
]
