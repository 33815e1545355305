"""Models of the accounting app: factor sets, a park-year's energy data, calculation runs."""

from .data import (
    ElectricityRecord,
    Enterprise,
    FuelRecord,
    GenerationRecord,
    GuidingInputs,
    HeatRecord,
    ImportBatch,
    ParkYear,
    ProcessRecord,
    ProductEnergyRecord,
)
from .factors import (
    FactorParameter,
    FactorSetStatus,
    FactorSetVersion,
    FuelFactor,
    PublishedFactorSetError,
)
from .runs import CalculationRun, RunStatus, TraceChunk

__all__ = [
    "CalculationRun",
    "ElectricityRecord",
    "Enterprise",
    "FactorParameter",
    "FactorSetStatus",
    "FactorSetVersion",
    "FuelFactor",
    "FuelRecord",
    "GenerationRecord",
    "GuidingInputs",
    "HeatRecord",
    "ImportBatch",
    "ParkYear",
    "ProcessRecord",
    "ProductEnergyRecord",
    "PublishedFactorSetError",
    "RunStatus",
    "TraceChunk",
]
