import sys

from complaint_service.cli import main

sys.exit(main())
