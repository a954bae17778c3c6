# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""pytest plugin of `make test` (loaded with -p; not part of the addon).

pytest imports the test modules, and so Odoo's test framework, while it collects
them, before pytest-odoo switches Odoo's test mode on around the tests; Odoo logs
that early import as an error. Import the framework here first, with that one
logger quiet, so that the output shows real errors only.
"""

import logging

_logger = logging.getLogger("odoo.tests.common")
_level = _logger.level
_logger.setLevel(logging.CRITICAL)
try:
    import odoo.tests  # noqa: F401
finally:
    _logger.setLevel(_level)
