import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "map_portal.settings")
application = get_wsgi_application()
if settings.FRONT_DOOR:
    from map_portal.front_door import FrontDoor  # imports the apps: after the set-up

    application = FrontDoor(application)
