"""The HTML pages: one module per page family, their URL map in ``web.pages.routes``."""
