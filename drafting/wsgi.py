import os

from django.core.wsgi import get_wsgi_application

from drafting import serving

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "drafting.settings")
application = get_wsgi_application()
# Issue 13: leave what start-up built out of every later garbage collection (GC_FREEZE=0: off).
if os.environ.get("GC_FREEZE", "1") != "0":
    serving.freeze_after_startup()
