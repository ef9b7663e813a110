"""Pure domain rules of after-sales home service: no I/O, no clock, no framework."""
