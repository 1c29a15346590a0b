"""``python -m fastapi_jwt_views``: the command line of :mod:`fastapi_jwt_views.cli`."""

import sys

from .cli import main

sys.exit(main())
