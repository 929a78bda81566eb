"""Purchase plans, order lines and purchase orders: from approved requests to a closed order (R4–R6, O1–O9)."""
