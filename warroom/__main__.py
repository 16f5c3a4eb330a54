import sys

from warroom.cli.entry import main

sys.exit(main())
