from . import rma_inspection_wizard
