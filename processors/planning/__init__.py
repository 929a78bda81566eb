"""The monthly purchase plan (MRP): what to make and buy this month from production tasks, the BOM and stock."""
