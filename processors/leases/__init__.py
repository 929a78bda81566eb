"""Shop leases (商铺租赁): the pure rent-schedule and collection math, plain dataclasses in, bills out."""
