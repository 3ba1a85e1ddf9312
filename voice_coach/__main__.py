"""Run the command-line interface with ``python -m voice_coach``."""

from voice_coach.cli.main import main

raise SystemExit(main())
