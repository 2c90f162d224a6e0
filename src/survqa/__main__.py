"""`python -m survqa …` is the same as the `survqa` command."""

import sys

from survqa.apps.cli import main

sys.exit(main())
