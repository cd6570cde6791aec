"""Inputs and outputs of every command: ``read_records`` and ``write_records``."""

from .inputs import (
    STDIN,
    ErrorHandler,
    InputFile,
    InputReport,
    expand_inputs,
    open_input,
    raise_error,
    read_records,
)
from .outputs import (
    OutputFile,
    atomic_output,
    check_output_folder,
    encode_line,
    open_output,
    write_records,
)

__all__ = [
    "STDIN",
    "ErrorHandler",
    "InputFile",
    "InputReport",
    "OutputFile",
    "atomic_output",
    "check_output_folder",
    "encode_line",
    "expand_inputs",
    "open_input",
    "open_output",
    "raise_error",
    "read_records",
    "write_records",
]
