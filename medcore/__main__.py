import sys

from medcore.cli import main

sys.exit(main())
