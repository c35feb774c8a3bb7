from django.shortcuts import render

from geodata import selectors


def home(request):
    return render(request, "frontend/home.html", {"summary": selectors.registry_summary()})
