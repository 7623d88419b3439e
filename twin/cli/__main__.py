import sys

from twin.cli.app import main

sys.exit(main())
