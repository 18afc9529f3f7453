"""``python -m hf_absa`` (what ``accelerate launch -m hf_absa train ...`` runs)."""

import sys

from .cli import main

sys.exit(main())
