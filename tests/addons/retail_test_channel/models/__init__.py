from . import retail_backend
