import sys

from warroom.cli.commands import main

sys.exit(main())
