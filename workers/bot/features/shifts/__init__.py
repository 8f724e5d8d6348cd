"""Shifts: /my_shifts, /shift_schedule, /take_shift, starting and ending a shift."""
